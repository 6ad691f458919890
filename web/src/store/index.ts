/**
 * The editor's one store, made of typed slices (STYLE 10): the document, selection, history, problems, canvas,
 * stored documents and simulation. A vanilla store sits underneath so tests can create a fresh one; components
 * read it through `useWeirStore` with narrow selectors.
 */
import { createStore, useStore, type StoreApi } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import { createDocumentSlice, type DocumentSlice } from './document-slice.ts';
import { createSelectionSlice, type SelectionSlice } from './selection-slice.ts';
import { createHistorySlice, type HistorySlice } from './history-slice.ts';
import { createCanvasSlice, type CanvasSlice } from './canvas-slice.ts';
import { createDocumentsSlice, type DocumentsSlice } from './documents-slice.ts';
import { createSimulationSlice, type SimulationSlice } from './simulation-slice.ts';
import { problemsOf, withDerived, type Problems } from './derived.ts';
import { deriveFlow, emptyFlowCache } from './flow.ts';
import { emptyDocument } from './operations.ts';

export type ProblemsSlice = Problems & {
  /** Replaces TypeScript's warnings about code fields (the type checker's answer, `code/type-warnings.ts`). */
  setTypeWarnings(warnings: Problems['typeWarnings']): void;
};

/** Everything but the simulation: what the editor's derivations read. */
export type EditorState = DocumentSlice & SelectionSlice & HistorySlice & CanvasSlice & ProblemsSlice & DocumentsSlice;

export type WeirState = EditorState & SimulationSlice;

export type WeirStore = StoreApi<WeirState>;

export function createWeirStore(initial: PipelineDoc = emptyDocument()): WeirStore {
  const cache = emptyFlowCache();
  return createStore<WeirState>()((rawSet, get, api) => {
    // Every slice, the simulation's included, writes through this `set`, so derived fields follow each change.
    const set = ((
      partial: WeirState | Partial<WeirState> | ((s: WeirState) => WeirState | Partial<WeirState>),
      replace?: boolean,
    ) => {
      const state = get();
      const patch = typeof partial === 'function' ? partial(state) : partial;
      rawSet({ ...withDerived(state, patch, cache) } as WeirState, replace as false);
    }) as typeof rawSet;
    const slices: WeirState = {
      ...createDocumentSlice(initial)(set, get, api),
      ...createSelectionSlice(set, get, api),
      ...createHistorySlice(set, get, api),
      ...createCanvasSlice(set, get, api),
      ...problemsOf(initial),
      setTypeWarnings: (typeWarnings) => set({ typeWarnings }),
      ...createDocumentsSlice(set, get, api),
      ...createSimulationSlice(set, get, api),
    };
    return {
      ...slices,
      ...deriveFlow({ document: initial, selectedNodeIds: [], selectedEdgeIds: [], measured: {} }, cache),
    };
  });
}

/** The app's store. Tests make their own with `createWeirStore`. */
export const weirStore = createWeirStore();

/**
 * Reads the app's store. The selection is compared shallowly, so a selector may return a fresh object or array of
 * store values (`(s) => [s.undo, s.past.length]`) without re-rendering on every change.
 */
export function useWeirStore<T>(selector: (state: WeirState) => T): T {
  return useStore(weirStore, useShallow(selector));
}
