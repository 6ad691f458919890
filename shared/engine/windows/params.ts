/**
 * The checks of the window family's params that need several fields at once (their schema is fields.ts). The
 * assigner rules themselves live with the assigners (`assignerProblems`).
 */
import { problem, type ValidationProblem } from '../../pipeline/errors.ts';
import { codeText, type Code } from '../../pipeline/types.ts';
import { compileModule } from '../../udf/compile.ts';
import { assignerProblems } from './assigners.ts';
import type { AssignerParams } from './fields.ts';

/** Reports assigner rules (SPEC §3) under `path` (`nodes[i].params.assigner`). */
export function validateAssigner(assigner: AssignerParams, path: string, out: ValidationProblem[]): void {
  for (const p of assignerProblems(assigner)) out.push(problem(`${path}.${p.field}`, 'E_RANGE', p.message));
}

/**
 * Session windows merge panes, so the `aggregate` kind's module must export `merge` (SPEC §3). A module that does
 * not compile is reported by the code-field check, not here.
 */
export function validateMergeExport(
  aggregate: { kind: string; code?: Code },
  merging: boolean,
  path: string,
  out: ValidationProblem[],
): void {
  if (!merging || aggregate.kind !== 'aggregate' || aggregate.code === undefined) return;
  const compiled = compileModule(codeText(aggregate.code));
  if (compiled.ok && !compiled.module.exports.includes('merge'))
    out.push(
      problem(
        `${path}.code`,
        'E_UDF_EXPORT',
        'session windows merge panes: the module must also export a function named `merge(a, b)` that combines two accumulators',
      ),
    );
}
