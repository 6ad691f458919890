/**
 * Param schemas shared by the window family of operators (`window`, `aggregate`, `join.window`) and the checks
 * that need several fields at once. The field rules themselves live with the assigners (`assignerProblems`).
 */
import { problem, type ValidationProblem } from '../../pipeline/errors.ts';
import { codeText, type Code } from '../../pipeline/types.ts';
import type { Field, VariantField } from '../../operators/schema.ts';
import { compileModule } from '../../udf/compile.ts';
import { assignerProblems, type AssignerParams } from './assigners.ts';

const offsetField: Field = {
  kind: 'duration',
  label: 'Offset',
  optional: true,
  description: 'shifts window starts, e.g. -8h for days in UTC+8; |offset| below the size (tumbling) or slide (sliding)',
};

const TIME_ASSIGNERS: VariantField['variants'] = {
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
};

export const windowAssignerField: VariantField = {
  kind: 'variant',
  label: 'Windows',
  tag: 'kind',
  variants: {
    ...TIME_ASSIGNERS,
    count: {
      label: 'Count',
      fields: {
        size: { kind: 'integer', label: 'Size', min: 1, description: 'records per window' },
        slide: { kind: 'integer', label: 'Slide', min: 1, optional: true, description: 'fire after every this many records (default: the size)' },
      },
    },
  },
};

export const joinAssignerField: VariantField = { kind: 'variant', label: 'Windows', tag: 'kind', variants: TIME_ASSIGNERS };

const numericField: Field = { kind: 'string', label: 'Field', minLength: 1, description: 'dot path of a numeric field, e.g. "amount"' };

export const aggregateField: VariantField = {
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
          template: 'export default (acc: any, value: any) => {\n  return { ...value, total: acc.total + value.total };\n};',
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
};

/** Reports assigner rules (SPEC §3) under `path` (`nodes[i].params.assigner`). */
export function validateAssigner(assigner: AssignerParams, path: string, out: ValidationProblem[]): void {
  for (const p of assignerProblems(assigner)) out.push(problem(`${path}.${p.field}`, 'E_RANGE', p.message));
}

/**
 * Session windows merge panes, so the `aggregate` kind's module must export `merge` (SPEC §3). A module that does
 * not compile is reported by the code-field check, not here.
 */
export function validateMergeExport(aggregate: { kind: string; code?: Code }, merging: boolean, path: string, out: ValidationProblem[]): void {
  if (!merging || aggregate.kind !== 'aggregate' || aggregate.code === undefined) return;
  const compiled = compileModule(codeText(aggregate.code));
  if (compiled.ok && !compiled.module.exports.includes('merge'))
    out.push(problem(`${path}.code`, 'E_UDF_EXPORT', 'session windows merge panes: the module must also export a function named `merge(a, b)` that combines two accumulators'));
}
