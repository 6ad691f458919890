/** Shorthands for window tests: a `window` node spec and the record one fired pane emits. */
import type { Key } from '../../../shared/pipeline/types.ts';
import { out, type Emitted, type OperatorSpec } from '../harness.ts';

export function windowSpec(
  assigner: Record<string, unknown>,
  aggregate: Record<string, unknown> = { kind: 'count' },
  extra: Partial<OperatorSpec> & { params?: Record<string, unknown> } = {},
): OperatorSpec {
  const { params, ...rest } = extra;
  return { type: 'window', params: { assigner, aggregate, ...params }, ...rest };
}

/** SPEC §3: key K, timestamp end - 1, value { key, window: { start, end }, result }. */
export function pane(key: Key, start: number, end: number, result: unknown): Emitted {
  return out(key, { key, window: { start, end }, result }, end - 1);
}

/** A `process` aggregate that returns the pane's values as they are. */
export const VALUES = { kind: 'process', code: 'export default (values: any[]) => values;' };
