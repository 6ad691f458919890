/**
 * Pipeline files in and out of the browser. Export writes exactly the bytes `weir` reads (SPEC §1, via
 * `serializePipeline`); import keeps a file that has validation problems, so nothing the user wrote is lost, and
 * refuses only text the editor cannot show at all.
 */
import { serializePipeline, type PipelineDoc } from '../../../shared/pipeline/types.ts';
import { formatProblem, problem, type ValidationProblem } from '../../../shared/pipeline/errors.ts';
import { parseJsonText } from '../../../shared/pipeline/validate-json.ts';
import { validatePipeline } from '../../../shared/validation/validate.ts';

export type ReadResult =
  | { ok: true; doc: PipelineDoc; problems: ValidationProblem[] }
  | { ok: false; problems: ValidationProblem[] };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The problems that keep the editor from drawing a document: nodes and edges it cannot even name. */
function shapeProblems(value: unknown): ValidationProblem[] {
  if (!isObject(value)) return [problem('', 'E_TYPE', 'a pipeline must be a JSON object { "format": "weir/v1", … }')];
  const out: ValidationProblem[] = [];
  if (!Array.isArray(value.nodes)) out.push(problem('nodes', 'E_TYPE', 'must be an array of nodes'));
  else
    value.nodes.forEach((node, i) => {
      if (!isObject(node) || typeof node.id !== 'string' || typeof node.type !== 'string')
        out.push(problem(`nodes[${i}]`, 'E_TYPE', 'a node must be an object with a string "id" and "type"'));
      else if (node.params !== undefined && !isObject(node.params))
        out.push(problem(`nodes[${i}].params`, 'E_TYPE', 'must be an object'));
    });
  if (!Array.isArray(value.edges)) out.push(problem('edges', 'E_TYPE', 'must be an array of edges'));
  else
    value.edges.forEach((edge, i) => {
      if (!isObject(edge) || typeof edge.from !== 'string' || typeof edge.to !== 'string')
        out.push(problem(`edges[${i}]`, 'E_TYPE', 'an edge must be an object with string "from" and "to"'));
    });
  return out;
}

/** Reads pipeline text. A document that draws is returned with all its validation problems. */
export function readPipelineText(text: string): ReadResult {
  const parsed = parseJsonText(text);
  if (!parsed.ok) return { ok: false, problems: [parsed.problem] };
  const problems = validatePipeline(parsed.value).problems;
  const fatal = shapeProblems(parsed.value);
  if (fatal.length > 0) return { ok: false, problems: problems.length > 0 ? problems : fatal };
  const doc = parsed.value as PipelineDoc;
  // The editor reads `params` as an object; a node without one is shown with the validator's E_REQUIRED.
  return { ok: true, doc, problems };
}

export function problemLines(problems: readonly ValidationProblem[]): string[] {
  return problems.map(formatProblem);
}

export function exportFileName(doc: PipelineDoc): string {
  const stem = doc.id.replace(/[^A-Za-z0-9._-]/g, '-') || 'pipeline';
  return `${stem}.weir.json`;
}

/** Downloads the document as `<id>.weir.json`. */
export function downloadPipeline(doc: PipelineDoc): void {
  const blob = new Blob([serializePipeline(doc)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = exportFileName(doc);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
