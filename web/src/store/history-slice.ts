/**
 * Undo and redo of document changes. History keeps whole documents: they are immutable and share every unchanged
 * node, so a step costs little. A run of commits with the same coalescing key (one drag, typing into one field)
 * is one step; `sealHistory` ends a run.
 */
import type { StateCreator } from 'zustand';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import type { WeirState } from './index.ts';

const MAX_STEPS = 200;

export interface HistorySlice {
  past: PipelineDoc[];
  future: PipelineDoc[];
  /** Key of the last commit, while further commits with the same key fold into its step. */
  coalesceKey: string | null;
  undo(): void;
  redo(): void;
  sealHistory(): void;
}

/** The history fields after committing a change away from `current`. */
export function recordStep(
  state: HistorySlice,
  current: PipelineDoc,
  key: string | null,
): Pick<HistorySlice, 'past' | 'future' | 'coalesceKey'> {
  if (key !== null && key === state.coalesceKey && state.past.length > 0)
    return { past: state.past, future: [], coalesceKey: key };
  const past = state.past.length >= MAX_STEPS ? state.past.slice(1) : state.past.slice();
  past.push(current);
  return { past, future: [], coalesceKey: key };
}

export const createHistorySlice: StateCreator<WeirState, [], [], HistorySlice> = (set, get) => ({
  past: [],
  future: [],
  coalesceKey: null,
  undo() {
    const { past, future, document } = get();
    if (past.length === 0) return;
    set({
      document: past[past.length - 1]!,
      past: past.slice(0, -1),
      future: [document, ...future],
      coalesceKey: null,
    });
  },
  redo() {
    const { past, future, document } = get();
    if (future.length === 0) return;
    set({ document: future[0]!, past: [...past, document], future: future.slice(1), coalesceKey: null });
  },
  sealHistory() {
    if (get().coalesceKey !== null) set({ coalesceKey: null });
  },
});
