/** `filter` (SPEC §3): keeps the records for which the UDF returns true. */
import { Operator, type OperatorEnv, type Output } from '../engine/operator.ts';
import type { StreamRecord } from '../engine/record.ts';
import { loadUdf, UdfContext, type UdfFunction } from '../udf/runtime.ts';
import { defineOperator } from './types.ts';

export class FilterOperator extends Operator {
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
    let keep: unknown;
    try {
      this.env.budget.begin();
      keep = this.fn(record.value, ctx);
    } catch (err) {
      return this.handleError(err, record);
    }
    if (keep === true) this.out.emit(record);
    else if (keep !== false) this.handleError(new Error(`the filter must return true or false, got ${JSON.stringify(keep) ?? String(keep)}`), record);
  }
}

export const filter = defineOperator({
  type: 'filter',
  label: 'Filter',
  category: 'Transform',
  description: 'Keeps the records for which your function returns true.',
  inputs: [{ name: 'in', required: true }],
  outputs: () => ['out', 'error'],
  params: {
    code: {
      kind: 'code',
      label: 'Predicate',
      exports: ['default'],
      signature: '(value, ctx) => boolean',
      template: 'export default (value: any, ctx: Context): boolean => {\n  return true;\n};',
    },
  },
  create: (env) => new FilterOperator(env),
});
