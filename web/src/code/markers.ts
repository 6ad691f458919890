/**
 * Squiggles for a code field: the UDF compiler's diagnostics (what the engine will say when it loads the code) and
 * the validator's problems at the field's path. Plain data in Monaco's marker shape, so it is testable without it.
 */
import { compileModule, missingExports } from '../../../shared/udf/compile.ts';
import { joinPath, type ValidationProblem } from '../../../shared/pipeline/errors.ts';

export interface CodeMarker {
  severity: 'error' | 'warning';
  startLineNumber: number;
  startColumn: number;
  endLineNumber: number;
  endColumn: number;
  message: string;
  code: string;
}

/** The compiler reports a point; the squiggle covers the word (or character) there. */
function markerAt(lines: readonly string[], line: number, column: number, message: string, code: string): CodeMarker {
  const lineNumber = Math.min(Math.max(line, 1), Math.max(lines.length, 1));
  const text = lines[lineNumber - 1] ?? '';
  const start = Math.min(Math.max(column, 1), text.length + 1);
  const word = /^[A-Za-z0-9_$]+/.exec(text.slice(start - 1));
  const end = start + Math.max(word ? word[0].length : 1, 1);
  return {
    severity: 'error',
    startLineNumber: lineNumber,
    startColumn: start,
    endLineNumber: lineNumber,
    endColumn: end,
    message,
    code,
  };
}

function wholeFirstLine(
  lines: readonly string[],
  message: string,
  code: string,
  severity: CodeMarker['severity'],
): CodeMarker {
  return {
    severity,
    startLineNumber: 1,
    startColumn: 1,
    endLineNumber: 1,
    endColumn: (lines[0]?.length ?? 0) + 1,
    message,
    code,
  };
}

/** What the UDF compiler says about `text`: syntax errors, imports, and exports the operator needs but is not given. */
export function compileMarkers(text: string, requiredExports: readonly string[], signature = ''): CodeMarker[] {
  const lines = text.split(/\r?\n/);
  const result = compileModule(text);
  if (!result.ok) return result.diagnostics.map((d) => markerAt(lines, d.line, d.column, d.message, d.code));
  return missingExports(result.module, requiredExports).map((name) => {
    const what =
      name === 'default'
        ? `an \`export default\` function${signature ? ` ${signature}` : ''}`
        : `a function named \`${name}\``;
    return wholeFirstLine(lines, `the module must export ${what}`, 'E_UDF_EXPORT', 'error');
  });
}

const COMPILER_CODES = new Set(['E_UDF_SYNTAX', 'E_UDF_IMPORT', 'E_UDF_EXPORT', 'E_UDF_RESERVED']);

/** The JSON path suffix of a field inside its node: `params.aggregate.code`. */
export function fieldPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, part) => joinPath(acc, part), '');
}

/**
 * Validation problems about this field, other than the compiler's own (which `compileMarkers` reports, fresher).
 * Problems carry full paths (`nodes[2].params.code`); those ending in the field's path belong here.
 */
export function problemMarkers(
  problems: readonly ValidationProblem[],
  path: readonly (string | number)[],
  text: string,
): CodeMarker[] {
  const suffix = fieldPath(path);
  const lines = text.split(/\r?\n/);
  return problems
    .filter((p) => !COMPILER_CODES.has(p.code) && (p.path === suffix || p.path.endsWith(`.${suffix}`)))
    .map((p) => wholeFirstLine(lines, p.message, p.code, 'warning'));
}
