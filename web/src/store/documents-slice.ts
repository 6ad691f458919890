/**
 * The pipelines kept in this browser and messages about opening them: session data about documents, not a
 * document. Reading and writing browser storage happens in web/src/documents; this slice only holds the result.
 */
import type { StateCreator } from 'zustand';
import type { WeirState } from './index.ts';

export interface StoredPipeline {
  /** The storage slot; stays the same when the pipeline's id or name changes. */
  key: string;
  id: string;
  name: string;
  updatedAt: number;
}

export interface Notice {
  tone: 'info' | 'success' | 'error';
  title: string;
  /** Detail lines, e.g. problems in the `weir validate` form. */
  lines?: string[];
}

export interface DocumentsSlice {
  /** The slot the current document is saved to. */
  documentKey: string | null;
  storedPipelines: StoredPipeline[];
  notice: Notice | null;
  setStoredPipelines(list: StoredPipeline[], documentKey?: string | null): void;
  showNotice(notice: Notice | null): void;
}

export const createDocumentsSlice: StateCreator<WeirState, [], [], DocumentsSlice> = (set) => ({
  documentKey: null,
  storedPipelines: [],
  notice: null,
  setStoredPipelines(list, documentKey) {
    set(documentKey === undefined ? { storedPipelines: list } : { storedPipelines: list, documentKey });
  },
  showNotice(notice) {
    set({ notice });
  },
});
