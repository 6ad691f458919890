/** What the two join operators share: their ports, the join function's param, and how one pair is joined. */
import { defineField } from '../pipeline/schema.ts';
import type { UdfContext, UdfFunction } from '../udf/runtime.ts';
import type { PortSpec } from './types.ts';

export const joinInputs: readonly PortSpec[] = [
  { name: 'left', required: true },
  { name: 'right', required: true },
];

export const joinFunctionField = defineField({
  kind: 'code',
  label: 'Join function',
  exports: ['default'],
  signature: '(left, right, ctx) => value',
  template: 'export default (left: Left, right: Right, ctx: Context) => {\n  return { ...left, ...right };\n};',
});

/** Joins one pair; a function that returns nothing is an error, since the result is the record emitted. */
export function joinPair(fn: UdfFunction, left: unknown, right: unknown, ctx: UdfContext): unknown {
  const value = fn(left, right, ctx);
  if (value === undefined)
    throw new Error('the join function returned undefined; return a JSON value (null is allowed)');
  return value;
}
