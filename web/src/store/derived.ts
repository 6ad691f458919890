/**
 * Values derived from the document and the session, kept as store fields (STYLE 10) so components select them
 * cheaply: React Flow's nodes and edges, and the validation problems. Every `set` of the store goes through
 * `withDerived`, so a field can never be stale against the document it was derived from.
 */
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import type { ValidationProblem } from '../../../shared/pipeline/errors.ts';
import { validatePipeline } from '../../../shared/validation/validate.ts';
import { deriveFlow, type FlowCache } from './flow.ts';
import { nodeIndexOfPath } from './graph.ts';
import type { EditorState } from './index.ts';
import { fieldWarnings, type EditorWarning } from '../code/edge-types.ts';

export interface Problems {
  problems: ValidationProblem[];
  /** Problems by the id of the node whose path they are under. */
  problemsByNode: Record<string, ValidationProblem[]>;
  /**
   * Editor-only warnings: a field the samples do not have, derived here, and TypeScript's errors in code fields,
   * which arrive later from the type checker (`typeWarnings`). The pipeline still validates.
   */
  warnings: EditorWarning[];
  warningsByNode: Record<string, EditorWarning[]>;
  fieldWarnings: EditorWarning[];
  typeWarnings: EditorWarning[];
}

function byNode(warnings: readonly EditorWarning[]): Record<string, EditorWarning[]> {
  const grouped: Record<string, EditorWarning[]> = {};
  for (const w of warnings) (grouped[w.nodeId] ??= []).push(w);
  return grouped;
}

/** Both kinds of warning: type warnings re-pointed at their node's index now, those of deleted nodes left out. */
function allWarnings(doc: PipelineDoc, fields: EditorWarning[], types: readonly EditorWarning[]) {
  if (types.length === 0) return { warnings: fields, warningsByNode: byNode(fields) };
  const indexOf = new Map(doc.nodes.map((n, i) => [n.id, i]));
  const current = types.flatMap((w) => {
    const index = indexOf.get(w.nodeId);
    return index === undefined ? [] : [{ ...w, path: `nodes[${index}].${w.field ?? 'params'}` }];
  });
  const warnings = [...fields, ...current];
  return { warnings, warningsByNode: byNode(warnings) };
}

export function problemsOf(doc: PipelineDoc, typeWarnings: EditorWarning[] = []): Problems {
  const problems = validatePipeline(doc).problems;
  const problemsByNode: Record<string, ValidationProblem[]> = {};
  for (const p of problems) {
    const index = nodeIndexOfPath(p.path);
    const id = index === undefined ? undefined : doc.nodes[index]?.id;
    if (id === undefined) continue;
    (problemsByNode[id] ??= []).push(p);
  }
  const fields = fieldWarnings(doc);
  return { problems, problemsByNode, fieldWarnings: fields, typeWarnings, ...allWarnings(doc, fields, typeWarnings) };
}

/** True when `next` differs from `prev` only in nodes' `ui` (a drag): validation ignores `ui`, so skip it. */
function onlyLayoutChanged(prev: PipelineDoc, next: PipelineDoc): boolean {
  if (prev.edges !== next.edges || prev.nodes.length !== next.nodes.length) return false;
  for (const key of Object.keys(next) as Array<keyof PipelineDoc>)
    if (key !== 'nodes' && prev[key] !== next[key]) return false;
  if (Object.keys(prev).length !== Object.keys(next).length) return false;
  return next.nodes.every((node, i) => {
    const before = prev.nodes[i]!;
    if (node === before) return true;
    const keys = Object.keys(node) as Array<keyof typeof node>;
    return keys.length === Object.keys(before).length && keys.every((k) => k === 'ui' || node[k] === before[k]);
  });
}

function keepExisting(ids: readonly string[], exists: (id: string) => boolean): readonly string[] {
  return ids.every(exists) ? ids : ids.filter(exists);
}

export function withDerived(state: EditorState, patch: Partial<EditorState>, cache: FlowCache): Partial<EditorState> {
  const document = patch.document ?? state.document;
  const documentChanged = document !== state.document;
  const result: Partial<EditorState> = { ...patch };
  if (documentChanged) {
    const nodeIds = new Set(document.nodes.map((n) => n.id));
    result.selectedNodeIds = keepExisting(patch.selectedNodeIds ?? state.selectedNodeIds, (id) =>
      nodeIds.has(id),
    ) as string[];
    if (!onlyLayoutChanged(state.document, document))
      Object.assign(result, problemsOf(document, patch.typeWarnings ?? state.typeWarnings));
  } else if (patch.typeWarnings && patch.typeWarnings !== state.typeWarnings) {
    Object.assign(result, allWarnings(document, state.fieldWarnings, patch.typeWarnings));
  }
  const selectedNodeIds = result.selectedNodeIds ?? state.selectedNodeIds;
  let selectedEdgeIds = patch.selectedEdgeIds ?? state.selectedEdgeIds;
  const measured = patch.measured ?? state.measured;
  if (
    documentChanged ||
    selectedNodeIds !== state.selectedNodeIds ||
    selectedEdgeIds !== state.selectedEdgeIds ||
    measured !== state.measured
  ) {
    const flow = deriveFlow({ document, selectedNodeIds, selectedEdgeIds, measured }, cache);
    if (documentChanged) {
      const edgeIdSet = new Set(flow.flowEdges.map((e) => e.id));
      const kept = keepExisting(selectedEdgeIds, (id) => edgeIdSet.has(id)) as string[];
      if (kept !== selectedEdgeIds) {
        selectedEdgeIds = kept;
        result.selectedEdgeIds = kept;
        Object.assign(result, deriveFlow({ document, selectedNodeIds, selectedEdgeIds, measured }, cache));
      } else Object.assign(result, flow);
    } else Object.assign(result, flow);
  }
  return result;
}
