/** `flatMap` (SPEC §3): each record becomes zero or more records, one per item the UDF returns or yields. */
import { describeValue } from '../engine/json-text.ts';
import type { StreamRecord } from '../engine/record.ts';
import { defineOperator } from './types.ts';
import { UdfOperator } from './udf-operator.ts';

export class FlatMapOperator extends UdfOperator {
  private readonly items: unknown[] = [];

  processElement(record: StreamRecord): void {
    // Items are collected first (a generator runs under the budget), then emitted outside the try, so a downstream
    // failure is never blamed on this node.
    const items = this.items;
    items.length = 0;
    try {
      const result = this.fn(record.value, this.callWith(record));
      if (Array.isArray(result)) {
        for (let i = 0; i < result.length; i++) items.push(result[i]);
      } else if (result !== null && typeof result === 'object' && Symbol.iterator in result) {
        // An iterator need not contain a loop of user code, so the budget is also checked once per item.
        const guard = this.env.budget.guard;
        for (const item of result as Iterable<unknown>) {
          guard();
          items.push(item);
        }
      } else {
        throw new Error(`flatMap must return an array or an iterable, got ${describeValue(result)}`);
      }
    } catch (err) {
      items.length = 0;
      return this.handleError(err, record);
    }
    for (let i = 0; i < items.length; i++) this.out.emit(record.withValue(items[i]));
    items.length = 0;
  }
}

export const flatMap = defineOperator({
  type: 'flatMap',
  label: 'FlatMap',
  category: 'Transform',
  description: 'Turns each value into zero or more values (return an array or yield them).',
  role: 'transform',
  inputs: [{ name: 'in', required: true }],
  outputs: () => ['out', 'error'],
  params: {
    code: {
      kind: 'code',
      label: 'Function',
      exports: ['default'],
      signature: '(value, ctx) => Iterable',
      template: 'export default (value: Value, ctx: Context): any[] => {\n  return [value];\n};',
    },
  },
  create: (env) => new FlatMapOperator(env),
});
