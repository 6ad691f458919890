/**
 * The pipeline document (SPEC §1), the canonical model: every edit is a commit of a new immutable document, which
 * history records and from which the canvas, the inspector and the problems are derived.
 */
import type { StateCreator } from 'zustand';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import type { WeirState } from './index.ts';
import { recordStep } from './history-slice.ts';
import { connectionProblem, portsOf, type ConnectionRequest } from './graph.ts';
import { drawnPositions, estimatedSize, freeSpot, layoutPositions, type Size } from './layout.ts';
import * as ops from './operations.ts';

export interface CommitOptions {
  /** Consecutive commits with the same key are one undo step (a drag, typing into one field). */
  coalesce?: string;
}

export interface DocumentSlice {
  document: PipelineDoc;
  /** Replaces the document (new, open, import): history and selection start over. */
  loadDocument(doc: PipelineDoc): void;
  /** Makes `next` the document as one undo step; all edits go through here. */
  commit(next: PipelineDoc, options?: CommitOptions): void;
  updateDocument(recipe: (doc: PipelineDoc) => PipelineDoc, options?: CommitOptions): void;
  /** Adds a node of `type` at a canvas position, selects it and returns its id. */
  addNode(type: string, position: ops.Position): string;
  /** Adds an edge; returns why it was refused, or null. */
  connect(connection: ConnectionRequest): string | null;
  moveNodes(positions: ReadonlyMap<string, ops.Position>, options?: CommitOptions): void;
  /** Sets a member of a node: `['params','topic']`, `['label']`, `['onError']`, `['samples']`; `undefined` removes. */
  setNodeValue(nodeId: string, path: ops.Path, value: unknown, options?: CommitOptions): void;
  /** Renames a node and its edges; returns why it cannot, or null. */
  renameNode(current: string, next: string): string | null;
  /** Sets a top-level member: `name`, `description`, `id`, `settings`. */
  setPipelineValue(key: 'name' | 'description' | 'id' | 'settings', value: unknown, options?: CommitOptions): void;
  deleteElements(nodeIds: readonly string[], edgeIds: readonly string[]): void;
  deleteSelection(): void;
  /** Lays the graph out left to right and stores the positions (one undo step). */
  autoLayout(): void;
}

/**
 * Where a new node of `type` asked for at `position` goes: there, or the nearest spot where it covers no other node
 * (a drop on top of a node, or a second Enter from the palette, moves it beside the ones there).
 */
function addNodeInFreeSpot(
  doc: PipelineDoc,
  measured: Readonly<Record<string, Size>>,
  type: string,
  position: ops.Position,
): { doc: PipelineDoc; id: string } {
  const added = ops.addNode(doc, type, position);
  const node = added.doc.nodes.find((n) => n.id === added.id)!;
  const drawn = drawnPositions(doc, measured);
  const taken = doc.nodes.map((other) => {
    const ports = portsOf(other, doc.edges);
    return {
      ...drawn.get(other.id)!,
      ...(measured[other.id] ?? estimatedSize(ports.inputs.length, ports.outputs.length)),
    };
  });
  const ports = portsOf(node);
  const spot = freeSpot(position, estimatedSize(ports.inputs.length, ports.outputs.length), taken);
  return { doc: ops.moveNodes(added.doc, new Map([[added.id, spot]])), id: added.id };
}

export const createDocumentSlice =
  (initial: PipelineDoc): StateCreator<WeirState, [], [], DocumentSlice> =>
  (set, get) => ({
    document: initial,
    loadDocument(doc) {
      set({
        document: doc,
        past: [],
        future: [],
        coalesceKey: null,
        selectedNodeIds: [],
        selectedEdgeIds: [],
        measured: {},
      });
    },
    commit(next, options) {
      const state = get();
      if (next === state.document) return;
      set({ document: next, ...recordStep(state, state.document, options?.coalesce ?? null) });
    },
    updateDocument(recipe, options) {
      get().commit(recipe(get().document), options);
    },
    addNode(type, position) {
      const { document, measured } = get();
      const { doc, id } = addNodeInFreeSpot(document, measured, type, position);
      get().commit(doc);
      set({ selectedNodeIds: [id], selectedEdgeIds: [] });
      return id;
    },
    connect(connection) {
      const reason = connectionProblem(get().document, connection);
      if (reason === null) get().commit(ops.connect(get().document, connection));
      return reason;
    },
    moveNodes(positions, options) {
      get().commit(ops.moveNodes(get().document, positions), options);
    },
    setNodeValue(nodeId, path, value, options) {
      get().commit(ops.setNodeValue(get().document, nodeId, path, value), options);
    },
    renameNode(current, next) {
      const state = get();
      const reason = ops.renameProblem(state.document, current, next);
      if (reason !== null || current === next) return reason;
      const rename = (id: string) => (id === current ? next : id);
      const { [current]: size, ...measured } = state.measured;
      state.commit(ops.renameNode(state.document, current, next));
      set({
        selectedNodeIds: state.selectedNodeIds.map(rename),
        measured: size ? { ...measured, [next]: size } : measured,
      });
      return null;
    },
    setPipelineValue(key, value, options) {
      const doc = get().document;
      if (Object.is(doc[key], value)) return;
      get().commit(ops.setIn(doc, [key], value) as PipelineDoc, options);
    },
    deleteElements(nodeIds, edgeIds) {
      get().commit(ops.deleteElements(get().document, nodeIds, edgeIds));
    },
    deleteSelection() {
      const { selectedNodeIds, selectedEdgeIds } = get();
      get().deleteElements(selectedNodeIds, selectedEdgeIds);
    },
    autoLayout() {
      const { document, measured } = get();
      get().commit(ops.moveNodes(document, layoutPositions(document, measured)));
    },
  });
