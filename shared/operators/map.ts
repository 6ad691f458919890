/** `map` (SPEC §3): replaces each record's value with what the UDF returns; key and timestamp are kept. */
import { Operator, type OperatorEnv, type Output } from '../engine/operator.ts';
import type { StreamRecord } from '../engine/record.ts';
import { loadUdf, UdfContext, type UdfFunction } from '../udf/runtime.ts';
import { defineOperator } from './types.ts';

export class MapOperator extends Operator {
  private readonly fn: UdfFunction;
  private readonly ctx: UdfContext;
  private readonly out: Output;

  constructor(env: OperatorEnv) {
    super(env);
    this.fn = loadUdf(env, env.node.params.code as string, 'params.code');
    this.ctx = new UdfContext(env);
    this.out = this.output('out');
  }

  processElement(record: StreamRecord): void {
    const ctx = this.ctx;
    ctx.key = record.key;
    ctx.timestamp = record.timestamp;
    ctx.watermark = this.watermark;
    let value: unknown;
    try {
      this.env.budget.begin();
      value = this.fn(record.value, ctx);
    } catch (err) {
      return this.handleError(err, record);
    }
    if (value === undefined) return this.handleError(new Error('map returned undefined; return a JSON value (null is allowed)'), record);
    this.out.emit(record.withValue(value));
  }
}

export const map = defineOperator({
  type: 'map',
  label: 'Map',
  category: 'Transform',
  description: 'Turns each value into a new value; key and timestamp stay.',
  inputs: [{ name: 'in', required: true }],
  outputs: () => ['out', 'error'],
  params: {
    code: {
      kind: 'code',
      label: 'Function',
      exports: ['default'],
      signature: '(value, ctx) => newValue',
      template: 'export default (value: any, ctx: Context) => {\n  return value;\n};',
    },
  },
  create: (env) => new MapOperator(env),
});
