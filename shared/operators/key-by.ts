/** `keyBy` (SPEC §3): sets each record's key from a field (dot path) or from a UDF. */
import { describeValue } from '../engine/json-text.ts';
import { Operator, type OperatorEnv, type Output } from '../engine/operator.ts';
import { readPath, splitPath, type StreamRecord } from '../engine/record.ts';
import { problem } from '../pipeline/errors.ts';
import { defineParams, type ParamsOf } from '../pipeline/schema.ts';
import type { Key } from '../pipeline/types.ts';
import { loadUdf, UdfContext, type UdfFunction } from '../udf/runtime.ts';
import { defineOperator } from './types.ts';

const params = defineParams({
  field: {
    kind: 'string',
    label: 'Field',
    minLength: 1,
    optional: true,
    description: 'dot path, e.g. "user_id" (or write a key function instead)',
  },
  code: {
    kind: 'code',
    label: 'Key function',
    optional: true,
    exports: ['default'],
    signature: '(value, ctx) => key',
    template: 'export default (value: Value, ctx: Context) => {\n  return value.id;\n};',
  },
});

export type KeyByParams = ParamsOf<typeof params>;

export class KeyByOperator extends Operator {
  private readonly fn: UdfFunction | null;
  private readonly field: readonly string[] | null;
  private readonly ctx: UdfContext;
  private readonly out: Output;

  constructor(env: OperatorEnv<KeyByParams>) {
    super(env);
    const params = env.node.params;
    this.field = params.field !== undefined ? splitPath(params.field) : null;
    this.fn = params.code !== undefined ? loadUdf(env, params.code, 'params.code') : null;
    this.ctx = new UdfContext(env);
    this.out = this.output('out');
  }

  processElement(record: StreamRecord): void {
    let key: unknown;
    if (this.field !== null) {
      key = readPath(record.value, this.field);
      if (key === undefined)
        return this.handleError(new Error(`key field "${this.field.join('.')}" is missing`), record);
    } else {
      const ctx = this.ctx;
      ctx.update(record.key, record.timestamp, this.watermark);
      try {
        this.env.budget.begin();
        key = this.fn!(record.value, ctx);
      } catch (err) {
        return this.handleError(err, record);
      }
    }
    if (key !== null && typeof key === 'object')
      return this.handleError(new Error(`a key must be a JSON scalar or null, got ${describeValue(key)}`), record);
    if (key === undefined) return this.handleError(new Error('the key function returned undefined'), record);
    this.out.emit(record.withKey(key as Key));
  }
}

export const keyBy = defineOperator({
  type: 'keyBy',
  label: 'Key by',
  category: 'Keyed',
  description: 'Sets the record key from a field or a function; keyed operators downstream group by it.',
  role: 'transform',
  fieldParams: [{ path: ['field'], label: 'Key by', of: 'in', key: true }],
  values: { out: 'input' },
  inputs: [{ name: 'in', required: true }],
  outputs: () => ['out', 'error'],
  params,
  validate(params, ctx) {
    const hasField = params.field !== undefined;
    const hasCode = params.code !== undefined;
    if (!hasField && !hasCode)
      ctx.problems.push(
        problem(
          `${ctx.path}.field`,
          'E_REQUIRED',
          'Key by needs a field or code: give the name of the field to key by, or write a key function',
        ),
      );
    else if (hasField && hasCode)
      ctx.problems.push(
        problem(
          `${ctx.path}.field`,
          'E_REQUIRED',
          'Key by takes a field or code, not both: clear the field, or remove the key function',
        ),
      );
  },
  create: (env) => new KeyByOperator(env),
});
