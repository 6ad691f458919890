/** Member-level helpers shared by the validator's passes: unknown-field reports with "did you mean" hints. */
import { joinPath, problem, type ValidationProblem } from './errors.ts';

export function rejectUnknown(
  obj: Record<string, unknown>,
  known: readonly string[],
  path: string,
  out: ValidationProblem[],
): void {
  for (const name of Object.keys(obj)) {
    if (known.includes(name)) continue;
    const guess = closest(name, known);
    const fix = guess ? `did you mean "${guess}"? ` : '';
    out.push(
      problem(
        joinPath(path, name),
        'E_UNKNOWN_FIELD',
        `unknown field; ${fix}known fields here: ${known.join(', ') || 'none'}`,
      ),
    );
  }
}

/** The candidate within a small edit distance of `word` (case-insensitive), for "did you mean" hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Edits (insert, delete, substitute, swap two neighbours) between two words: typos such as "lable" are one away. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string ${JSON.stringify(v)}` : `${typeof v} ${JSON.stringify(v)}`;
}
