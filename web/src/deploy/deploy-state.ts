/**
 * Session state of the Deploy UI: whether the deployments panel is open and which deployment it shows. Kept apart
 * from the document store: none of it is saved, and nothing in the editor depends on it.
 */
import { createStore, useStore } from 'zustand';

export interface DeployUiState {
  panelOpen: boolean;
  selectedId: string | null;
  /** Moves when this page changed a deployment, so lists reload at once. */
  changes: number;
  /** Opens the panel on a deployment this page just made or upgraded. */
  showDeployed(id: string): void;
  closePanel(): void;
  togglePanel(): void;
  select(id: string): void;
}

export const deployUiStore = createStore<DeployUiState>()((set) => ({
  panelOpen: false,
  selectedId: null,
  changes: 0,
  showDeployed: (id) => set((s) => ({ panelOpen: true, selectedId: id, changes: s.changes + 1 })),
  closePanel: () => set({ panelOpen: false }),
  togglePanel: () => set((s) => ({ panelOpen: !s.panelOpen })),
  select: (selectedId) => set({ selectedId }),
}));

export function useDeployUi<T>(selector: (state: DeployUiState) => T): T {
  return useStore(deployUiStore, selector);
}
