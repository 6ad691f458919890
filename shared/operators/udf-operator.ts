/**
 * The common shape of the one-function operators (`filter`, `map`, `flatMap`): one compiled `export default`
 * function from `params.code`, one reused `ctx`, one `out` port. `callWith` points the ctx at the record and starts
 * the UDF budget; subclasses call their function right after it, inside their own `try`.
 */
import { Operator, type OperatorEnv, type Output } from '../engine/operator.ts';
import type { StreamRecord } from '../engine/record.ts';
import type { Code } from '../pipeline/types.ts';
import { loadUdf, UdfContext, type UdfFunction } from '../udf/runtime.ts';

export abstract class UdfOperator extends Operator {
  protected readonly fn: UdfFunction;
  protected readonly ctx: UdfContext;
  protected readonly out: Output;

  constructor(env: OperatorEnv<{ code: Code }>) {
    super(env);
    this.fn = loadUdf(env, env.node.params.code, 'params.code');
    this.ctx = new UdfContext(env);
    this.out = this.output('out');
  }

  /** Readies `ctx` for a call on `record` and starts the budget; returns the ctx to pass. */
  protected callWith(record: StreamRecord): UdfContext {
    const ctx = this.ctx;
    ctx.update(record.key, record.timestamp, this.watermark);
    this.env.budget.begin();
    return ctx;
  }
}
