/**
 * The page's handle on the simulation worker. One worker per run: cancelling terminates it, so a runaway run (or a
 * UDF stuck between budget checks) can never keep the page waiting. Messages of an older run are ignored by id.
 */
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import type { GeneratedInputs, WorkerMessage, WorkerRequest } from './protocol.ts';

/** What the client needs of a worker; tests pass one that runs the session in-process. */
export interface WorkerLike {
  postMessage(message: WorkerRequest): void;
  terminate(): void;
  onmessage: ((event: MessageEvent<WorkerMessage>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
}

export type WorkerFactory = () => WorkerLike;

export const browserWorkerFactory: WorkerFactory = () =>
  new Worker(new URL('./simulation.worker.ts', import.meta.url), {
    type: 'module',
    name: 'weir-simulation',
  }) as unknown as WorkerLike;

export interface RunRequest {
  pipeline: PipelineDoc;
  stopAfter?: number;
  generated?: GeneratedInputs;
}

export class SimulationClient {
  private readonly factory: WorkerFactory;
  private readonly onMessage: (message: WorkerMessage) => void;
  private readonly onCrash: (message: string) => void;

  private worker: WorkerLike | null = null;
  private runId = 0;

  constructor(factory: WorkerFactory, onMessage: (message: WorkerMessage) => void, onCrash: (message: string) => void) {
    this.factory = factory;
    this.onMessage = onMessage;
    this.onCrash = onCrash;
  }

  get currentRunId(): number {
    return this.runId;
  }

  /** Starts a fresh run in a fresh worker; returns its id. */
  start(request: RunRequest): number {
    this.stop();
    const runId = ++this.runId;
    const worker = this.factory();
    worker.onmessage = (event) => {
      if (event.data.runId === this.runId) this.onMessage(event.data);
    };
    worker.onerror = (event) => {
      if (runId === this.runId) this.onCrash(event.message || 'the simulation worker stopped unexpectedly');
    };
    this.worker = worker;
    worker.postMessage({
      type: 'run',
      runId,
      pipeline: request.pipeline,
      ...(request.stopAfter !== undefined ? { stopAfter: request.stopAfter } : {}),
      ...(request.generated ? { generated: request.generated } : {}),
    });
    return runId;
  }

  /** Feeds one more sample to the paused run (step mode). */
  step(): void {
    this.worker?.postMessage({ type: 'step', runId: this.runId });
  }

  /** Terminates the worker; whatever it had not posted is gone. */
  stop(): void {
    if (this.worker === null) return;
    this.worker.terminate();
    this.worker = null;
    this.runId++;
  }
}
