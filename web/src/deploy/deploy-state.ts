/**
 * Session state of the Deploy UI: whether the deployments panel is open and which deployment it shows. Kept apart
 * from the document store: none of it is saved, and nothing in the editor depends on it.
 */
import { createStore, useStore } from 'zustand';
import type { DeploymentTarget } from '../../../shared/api/deployments.ts';

export interface DeployUiState {
  /** Where Deploy sends the pipeline; "flink" only once the server said it has a Flink cluster. */
  target: DeploymentTarget;
  /** Parallelism of a Flink deployment. */
  parallelism: number;
  panelOpen: boolean;
  selectedId: string | null;
  /** Moves when this page changed a deployment, so lists reload at once. */
  changes: number;
  /** Opens the panel on a deployment this page just made or upgraded. */
  showDeployed(id: string): void;
  closePanel(): void;
  togglePanel(): void;
  /** Null: none chosen (the panel shows the first). */
  select(id: string | null): void;
  chooseTarget(target: DeploymentTarget): void;
  setParallelism(parallelism: number): void;
}

export const deployUiStore = createStore<DeployUiState>()((set) => ({
  target: 'weir',
  parallelism: 1,
  panelOpen: false,
  selectedId: null,
  changes: 0,
  showDeployed: (id) => set((s) => ({ panelOpen: true, selectedId: id, changes: s.changes + 1 })),
  closePanel: () => set({ panelOpen: false }),
  togglePanel: () => set((s) => ({ panelOpen: !s.panelOpen })),
  select: (selectedId) => set({ selectedId }),
  chooseTarget: (target) => set({ target }),
  setParallelism: (parallelism) => set({ parallelism }),
}));

export function useDeployUi<T>(selector: (state: DeployUiState) => T): T {
  return useStore(deployUiStore, selector);
}
