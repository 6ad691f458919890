/** `map` (SPEC §3): replaces each record's value with what the UDF returns; key and timestamp are kept. */
import type { StreamRecord } from '../engine/record.ts';
import { defineOperator } from './types.ts';
import { UdfOperator } from './udf-operator.ts';

export class MapOperator extends UdfOperator {
  processElement(record: StreamRecord): void {
    let value: unknown;
    try {
      value = this.fn(record.value, this.callWith(record));
    } catch (err) {
      return this.handleError(err, record);
    }
    if (value === undefined)
      return this.handleError(new Error('map returned undefined; return a JSON value (null is allowed)'), record);
    this.out.emit(record.withValue(value));
  }
}

export const map = defineOperator({
  type: 'map',
  label: 'Map',
  category: 'Transform',
  description: 'Turns each value into a new value; key and timestamp stay.',
  role: 'transform',
  inputs: [{ name: 'in', required: true }],
  outputs: () => ['out', 'error'],
  params: {
    code: {
      kind: 'code',
      label: 'Function',
      exports: ['default'],
      signature: '(value, ctx) => newValue',
      template: 'export default (value: Value, ctx: Context) => {\n  return value;\n};',
    },
  },
  create: (env) => new MapOperator(env),
});
