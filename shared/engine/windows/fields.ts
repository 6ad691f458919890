/**
 * The params of the window family of operators (`window`, `aggregate`, `join.window`): the assigner and aggregate
 * fields (SPEC §3) as one schema, and their TypeScript types derived from it. The rules that need several fields at
 * once live with the assigners (`assignerProblems`) and in params.ts.
 */
import { defineField, type FieldValue, type VariantField } from '../../pipeline/schema.ts';

const offsetField = defineField({
  kind: 'duration',
  label: 'Offset',
  optional: true,
  description:
    'shifts window starts, e.g. -8h for days in UTC+8; |offset| below the size (tumbling) or slide (sliding)',
});

const TIME_ASSIGNERS = {
  tumbling: {
    label: 'Tumbling',
    fields: { sizeMs: { kind: 'duration', label: 'Size', min: 1 }, offsetMs: offsetField },
  },
  sliding: {
    label: 'Sliding',
    fields: {
      sizeMs: { kind: 'duration', label: 'Size', min: 1 },
      slideMs: { kind: 'duration', label: 'Slide', min: 1, description: 'at most the size' },
      offsetMs: offsetField,
    },
  },
  session: {
    label: 'Session',
    fields: { gapMs: { kind: 'duration', label: 'Gap', min: 1, description: 'inactivity that closes a session' } },
  },
} as const satisfies VariantField['variants'];

export const windowAssignerField = defineField({
  kind: 'variant',
  label: 'Windows',
  tag: 'kind',
  variants: {
    ...TIME_ASSIGNERS,
    count: {
      label: 'Count',
      fields: {
        size: { kind: 'integer', label: 'Size', min: 1, description: 'records per window' },
        slide: {
          kind: 'integer',
          label: 'Slide',
          min: 1,
          optional: true,
          description: 'fire after every this many records (default: the size)',
        },
      },
    },
  },
});

export const joinAssignerField = defineField({
  kind: 'variant',
  label: 'Windows',
  tag: 'kind',
  variants: TIME_ASSIGNERS,
});

const numericField = defineField({
  kind: 'string',
  label: 'Field',
  minLength: 1,
  description: 'dot path of a numeric field, e.g. "amount"',
});

export const aggregateField = defineField({
  kind: 'variant',
  label: 'Aggregate',
  tag: 'kind',
  variants: {
    count: { label: 'Count', fields: {} },
    sum: { label: 'Sum', fields: { field: numericField } },
    min: { label: 'Minimum', fields: { field: numericField } },
    max: { label: 'Maximum', fields: { field: numericField } },
    avg: { label: 'Average', fields: { field: numericField } },
    reduce: {
      label: 'Reduce',
      fields: {
        code: {
          kind: 'code',
          label: 'Reduce function',
          exports: ['default'],
          signature: '(acc, value) => value',
          template:
            'export default (acc: any, value: any) => {\n  return { ...value, total: acc.total + value.total };\n};',
        },
      },
    },
    aggregate: {
      label: 'Aggregate function',
      fields: {
        code: {
          kind: 'code',
          label: 'Aggregate module',
          exports: ['createAccumulator', 'add', 'getResult'],
          optionalExports: ['merge'],
          signature: 'createAccumulator(), add(acc, value), getResult(acc), merge(a, b)',
          template: [
            'export function createAccumulator() {',
            '  return { sum: 0, count: 0 };',
            '}',
            '',
            'export function add(acc: any, value: any) {',
            '  return { sum: acc.sum + value.amount, count: acc.count + 1 };',
            '}',
            '',
            'export function getResult(acc: any) {',
            '  return acc.count === 0 ? null : acc.sum / acc.count;',
            '}',
            '',
            '// Required under session windows, which merge panes.',
            'export function merge(a: any, b: any) {',
            '  return { sum: a.sum + b.sum, count: a.count + b.count };',
            '}',
          ].join('\n'),
        },
      },
    },
    process: {
      label: 'Process all values',
      fields: {
        code: {
          kind: 'code',
          label: 'Window function',
          exports: ['default'],
          signature: '(values, ctx) => result',
          template: 'export default (values: any[], ctx: Context) => {\n  return values.length;\n};',
        },
      },
    },
  },
});

/** The assigner param of `window` (SPEC §3). */
export type AssignerParams = FieldValue<typeof windowAssignerField>;

/** The assigner param of `join.window`: time windows only. */
export type TimeAssignerParams = FieldValue<typeof joinAssignerField>;

/** The `aggregate` param of `window` and `aggregate` (SPEC §3). */
export type AggregateParams = FieldValue<typeof aggregateField>;
