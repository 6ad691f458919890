/**
 * Selection and the clipboard: session data (STYLE 2), never saved in the document and never part of undo.
 */
import type { StateCreator } from 'zustand';
import type { WeirState } from './index.ts';
import { copyNodes, pasteNodes, type Clipboard } from './operations.ts';

const PASTE_OFFSET = 40;

export interface SelectionSlice {
  selectedNodeIds: string[];
  selectedEdgeIds: string[];
  clipboard: Clipboard | null;
  /** How many times the clipboard was pasted: each paste lands a little further away. */
  pasteCount: number;
  /** The node the canvas should bring into view (a click in the problems list); `seq` makes repeats count. */
  focusRequest: { nodeId: string; seq: number } | null;
  select(nodeIds: readonly string[], edgeIds?: readonly string[]): void;
  selectAll(): void;
  /** Selects a node and asks the canvas to bring it into view. */
  focusNode(nodeId: string): void;
  copySelection(): boolean;
  /** Pastes the clipboard with fresh ids, selects the pasted nodes and returns their ids. */
  paste(): string[];
}

export const createSelectionSlice: StateCreator<WeirState, [], [], SelectionSlice> = (set, get) => ({
  selectedNodeIds: [],
  selectedEdgeIds: [],
  clipboard: null,
  pasteCount: 0,
  focusRequest: null,
  select(nodeIds, edgeIds = []) {
    get().sealHistory();
    set({ selectedNodeIds: [...nodeIds], selectedEdgeIds: [...edgeIds] });
  },
  selectAll() {
    const { document, flowEdges } = get();
    set({ selectedNodeIds: document.nodes.map((n) => n.id), selectedEdgeIds: flowEdges.map((e) => e.id) });
  },
  focusNode(nodeId) {
    get().select([nodeId]);
    set({ focusRequest: { nodeId, seq: (get().focusRequest?.seq ?? 0) + 1 } });
  },
  copySelection() {
    const { document, selectedNodeIds, flowNodes } = get();
    const clip = copyNodes(document, selectedNodeIds);
    if (!clip) return false;
    // A node without a stored position is drawn where the layout put it; its copy should land next to that.
    for (const node of clip.nodes) {
      if (typeof node.ui?.x === 'number' && typeof node.ui?.y === 'number') continue;
      const drawn = flowNodes.find((n) => n.id === node.id);
      if (drawn) node.ui = { ...node.ui, x: drawn.position.x, y: drawn.position.y };
    }
    set({ clipboard: clip, pasteCount: 0 });
    return true;
  },
  paste() {
    const { clipboard, document, pasteCount } = get();
    if (!clipboard) return [];
    const shift = PASTE_OFFSET * (pasteCount + 1);
    const { doc, ids } = pasteNodes(document, clipboard, { x: shift, y: shift });
    get().commit(doc);
    set({ pasteCount: pasteCount + 1, selectedNodeIds: ids, selectedEdgeIds: [] });
    return ids;
  },
});
