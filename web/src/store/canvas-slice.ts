/**
 * What React Flow reads and reports back. Its nodes and edges are derived fields; the changes it reports are
 * applied as data: positions go into the document, selection into the selection slice, measured sizes into the
 * session (React Flow needs them back on every node it is given).
 */
import type { StateCreator } from 'zustand';
import type { EdgeChange, NodeChange } from '@xyflow/react';
import type { WeirState } from './index.ts';
import type { OperatorFlowNode, PortFlowEdge } from './flow.ts';
import type { Size } from './layout.ts';
import type { Position } from './operations.ts';

export const DRAG_STEP = 'drag';

export interface CanvasSlice {
  measured: Record<string, Size>;
  flowNodes: OperatorFlowNode[];
  flowEdges: PortFlowEdge[];
  applyNodeChanges(changes: NodeChange<OperatorFlowNode>[]): void;
  applyEdgeChanges(changes: EdgeChange<PortFlowEdge>[]): void;
  /** The panel open below the canvas (`problems`, or one the simulation adds), or null when it is folded away. */
  bottomPanel: string | null;
  showPanel(panel: string | null): void;
  /** A drag begins: the moves that follow are one undo step. */
  beginDrag(): void;
}

function applySelect(
  current: readonly string[],
  changes: ReadonlyArray<{ id: string; selected: boolean }>,
): string[] | null {
  if (changes.length === 0) return null;
  const next = new Set(current);
  for (const c of changes) {
    if (c.selected) next.add(c.id);
    else next.delete(c.id);
  }
  const list = [...next];
  return list.length === current.length && list.every((id, i) => id === current[i]) ? null : list;
}

export const createCanvasSlice: StateCreator<WeirState, [], [], CanvasSlice> = (set, get) => ({
  measured: {},
  flowNodes: [],
  flowEdges: [],
  bottomPanel: 'problems',
  showPanel(panel) {
    set({ bottomPanel: panel });
  },
  applyNodeChanges(changes) {
    const positions = new Map<string, Position>();
    const selects: Array<{ id: string; selected: boolean }> = [];
    let measured: Record<string, Size> | null = null;
    for (const change of changes) {
      if (change.type === 'position' && change.position) positions.set(change.id, change.position);
      else if (change.type === 'select') selects.push(change);
      else if (change.type === 'dimensions' && change.dimensions) {
        const previous = (measured ?? get().measured)[change.id];
        const { width, height } = change.dimensions;
        if (previous?.width === width && previous?.height === height) continue;
        measured ??= { ...get().measured };
        measured[change.id] = { width, height };
      }
      // `remove` and `add` never come: deletion is the editor's own keyboard command, so it is one undo step.
    }
    if (measured) set({ measured });
    const selected = applySelect(get().selectedNodeIds, selects);
    if (selected) {
      // Moves of another selection (arrow keys, a drag) are a new undo step.
      get().sealHistory();
      set({ selectedNodeIds: selected });
    }
    if (positions.size > 0) get().moveNodes(positions, { coalesce: DRAG_STEP });
  },
  applyEdgeChanges(changes) {
    const selected = applySelect(
      get().selectedEdgeIds,
      changes.flatMap((c) => (c.type === 'select' ? [c] : [])),
    );
    if (selected) set({ selectedEdgeIds: selected });
  },
  beginDrag() {
    get().sealHistory();
  },
});
