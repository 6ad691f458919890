/**
 * Simulation results: session data, never part of the document (STYLE 2, 10). They arrive from the simulation
 * worker in batches (a few a second, however fast records flow), are kept by node id, and are dropped as soon as
 * the document changes in a way that could change them (moving a node does not).
 */
import type { StateCreator } from 'zustand';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import type { WeirState } from './index.ts';
import { browserWorkerFactory, SimulationClient, type WorkerFactory } from '../simulation/client.ts';
import type { GeneratedInputs, SimulationFailure, StateSnapshots, WorkerMessage } from '../simulation/protocol.ts';
import { applyBatch, applyTail, countsOf, type NodeResults } from '../simulation/results.ts';

/** `paused`: step mode, between two steps. */
export type SimulationStatus = 'idle' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

export interface RunOptions {
  /** Replace sources' samples with generated events for this run (large runs that should not live in the file). */
  generated?: GeneratedInputs;
}

export interface SimulationSlice {
  simulationStatus: SimulationStatus;
  /** Samples fed so far, of all the sources' samples. */
  simulationProgress: { done: number; total: number };
  /** Step mode: how many samples have been fed; null when not stepping. */
  simulationStep: number | null;
  /** Per node id: records by port (the newest ones, exact counts), watermarks, window events, errors, logs. */
  nodeResults: NodeResults;
  /**
   * Records emitted per node and output port, exact. Every edge of a port carries all of its records (SPEC §1), so
   * this is also each edge's count. After a run every node has an entry, so edges that carried nothing show 0.
   */
  portCounts: Record<string, Record<string, number>>;
  /** Records that failed per node (any `onError` policy). */
  nodeErrorCounts: Record<string, number>;
  simulationFailure: SimulationFailure | null;
  /** Each node's state (JSON text) after the last sample and at the end; null until a run ends. */
  nodeStates: StateSnapshots | null;
  simulationElapsedMs: number | null;
  /** The document the results were computed from. */
  simulatedDocument: PipelineDoc | null;
  runSimulation(options?: RunOptions): void;
  cancelSimulation(): void;
  stepForward(): void;
  stepBack(): void;
  resetSimulation(): void;
}

const CLEARED = {
  simulationProgress: { done: 0, total: 0 },
  simulationStep: null,
  nodeResults: {},
  portCounts: {},
  nodeErrorCounts: {},
  simulationFailure: null,
  nodeStates: null,
  simulationElapsedMs: null,
  simulatedDocument: null,
} satisfies Partial<SimulationSlice>;

/** How often arriving results reach the store while a run goes on. */
const UPDATE_MS = 100;

let workerFactory: WorkerFactory = browserWorkerFactory;

/** Tests (in Node, without workers) run simulations in-process through a factory of their own. */
export function setSimulationWorkerFactory(factory: WorkerFactory): void {
  workerFactory = factory;
}

export const createSimulationSlice: StateCreator<WeirState, [], [], SimulationSlice> = (set, get, api) => {
  const client = new SimulationClient(
    () => workerFactory(),
    (message) => receive(message),
    (message) => set({ simulationStatus: 'failed', simulationFailure: { nodeId: null, message } }),
  );
  let stepping = false;
  // Results fold in as messages arrive but reach the store (and React) at most every UPDATE_MS: when the worker is
  // faster than the page, many messages make one render.
  let pending: { nodeResults: NodeResults; progress: SimulationSlice['simulationProgress'] } | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  function flush(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (pending === null) return;
    const { nodeResults, progress } = pending;
    pending = null;
    set({ nodeResults, ...countsOf(nodeResults, []), simulationProgress: progress });
  }

  function discardPending(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    pending = null;
  }

  function receive(message: WorkerMessage): void {
    if (message.type === 'batch' || message.type === 'tail') {
      const base = pending ?? { nodeResults: get().nodeResults, progress: get().simulationProgress };
      pending =
        message.type === 'batch'
          ? {
              nodeResults: applyBatch(base.nodeResults, message.batch),
              progress: { done: message.batch.done, total: message.batch.total },
            }
          : {
              nodeResults: applyTail(base.nodeResults, message.nodeId, message.list, message.entries, message.first),
              progress: base.progress,
            };
      timer ??= setTimeout(flush, UPDATE_MS);
      return;
    }
    flush();
    const state = get();
    const status = message.status;
    const doc = state.simulatedDocument ?? state.document;
    set({
      ...countsOf(
        state.nodeResults,
        doc.nodes.map((n) => n.id),
      ),
      simulationStatus: status,
      simulationFailure: message.failure ?? null,
      nodeStates: message.state,
      simulationElapsedMs: message.elapsedMs,
      simulationStep: stepping && status === 'paused' ? state.simulationProgress.done : null,
    });
    if (status !== 'paused') stepping = false;
  }

  function start(options: { stopAfter?: number; generated?: GeneratedInputs }): void {
    const document = get().document;
    discardPending();
    // Results are what the user asked for: show them.
    set({
      ...CLEARED,
      simulationStatus: 'running',
      simulatedDocument: document,
      simulationStep: options.stopAfter ?? null,
      bottomPanel: 'simulation',
    });
    client.start({ pipeline: document, ...options });
  }

  api.subscribe((state, previous) => {
    if (state.document === previous.document || state.simulatedDocument === null) return;
    if (!changesResults(state.simulatedDocument, state.document)) return;
    client.stop();
    discardPending();
    stepping = false;
    set({ ...CLEARED, simulationStatus: 'idle' });
  });

  return {
    simulationStatus: 'idle',
    ...CLEARED,
    runSimulation(options = {}) {
      stepping = false;
      start(options.generated ? { generated: options.generated } : {});
    },
    cancelSimulation() {
      if (get().simulationStatus !== 'running' && get().simulationStatus !== 'paused') return;
      client.stop();
      flush();
      stepping = false;
      set({ simulationStatus: 'cancelled', simulationStep: null });
    },
    stepForward() {
      const { simulationStatus, simulationStep } = get();
      if (simulationStatus === 'running') return;
      if (simulationStatus === 'paused' && stepping && simulationStep !== null) {
        set({ simulationStatus: 'running', simulationStep: simulationStep + 1 });
        client.step();
        return;
      }
      stepping = true;
      start({ stopAfter: 1 });
    },
    stepBack() {
      const { simulationStatus, simulationStep, simulationProgress } = get();
      if (simulationStatus === 'running') return;
      // From a finished run, one step back is every sample fed but end of input not yet signalled.
      const current = simulationStep ?? (simulationStatus === 'done' ? simulationProgress.total + 1 : 0);
      if (current <= 0) return;
      stepping = true;
      start({ stopAfter: current - 1 });
    },
    resetSimulation() {
      client.stop();
      discardPending();
      stepping = false;
      set({ ...CLEARED, simulationStatus: 'idle' });
    },
  };
};

/**
 * True when `next` could simulate differently from `previous`: anything but names, labels and layout changed.
 * Edits are immutable, so unchanged parts keep their identity and a reference comparison is exact enough: a false
 * "changed" only costs a rerun.
 */
export function changesResults(previous: PipelineDoc, next: PipelineDoc): boolean {
  if (previous === next) return false;
  if (
    previous.edges !== next.edges ||
    previous.settings !== next.settings ||
    previous.nodes.length !== next.nodes.length
  )
    return true;
  return next.nodes.some((node, i) => {
    const before = previous.nodes[i]!;
    return (
      node !== before &&
      (node.id !== before.id ||
        node.type !== before.type ||
        node.params !== before.params ||
        node.onError !== before.onError ||
        node.samples !== before.samples)
    );
  });
}
