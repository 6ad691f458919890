/** `filter` (SPEC §3): keeps the records for which the UDF returns true. */
import { describeValue } from '../engine/json-text.ts';
import type { StreamRecord } from '../engine/record.ts';
import { defineOperator } from './types.ts';
import { UdfOperator } from './udf-operator.ts';

export class FilterOperator extends UdfOperator {
  processElement(record: StreamRecord): void {
    let keep: unknown;
    try {
      keep = this.fn(record.value, this.callWith(record));
    } catch (err) {
      return this.handleError(err, record);
    }
    if (keep === true) this.out.emit(record);
    else if (keep !== false)
      this.handleError(new Error(`the filter must return true or false, got ${describeValue(keep)}`), record);
  }
}

export const filter = defineOperator({
  type: 'filter',
  label: 'Filter',
  category: 'Transform',
  description: 'Keeps the records for which your function returns true.',
  role: 'transform',
  values: { out: 'input' },
  inputs: [{ name: 'in', required: true }],
  outputs: () => ['out', 'error'],
  params: {
    code: {
      kind: 'code',
      label: 'Predicate',
      exports: ['default'],
      signature: '(value, ctx) => boolean',
      template: 'export default (value: Value, ctx: Context): boolean => {\n  return true;\n};',
    },
  },
  create: (env) => new FilterOperator(env),
});
