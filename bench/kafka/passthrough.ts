/** The main thread's side of the pass-through (passthrough-worker.ts): start it, wait for it, stop it. */
import { Worker } from 'node:worker_threads';
import type { PassthroughData, PassthroughMessage } from './passthrough-worker.ts';

const ENTRY = new URL('../../server/src/deployments/worker-entry.mjs', import.meta.url);
const MODULE = new URL('./passthrough-worker.ts', import.meta.url).href;

export interface PassthroughDone {
  firstBatchAt: number;
  committedAt: number;
  records: number;
}

export class PassthroughJob {
  private readonly worker: Worker;
  readonly running: Promise<void>;
  readonly done: Promise<PassthroughDone>;
  private readonly stopped: Promise<void>;

  constructor(options: Omit<PassthroughData, 'module'>) {
    this.worker = new Worker(ENTRY, { workerData: { module: MODULE, ...options } satisfies PassthroughData, name: 'bench-passthrough' });
    const listen = <T>(pick: (m: PassthroughMessage) => T | undefined) =>
      new Promise<T>((resolve, reject) => {
        this.worker.on('message', (m: PassthroughMessage) => {
          if (m.type === 'failed') reject(new Error(`kafkajs-passthrough failed: ${m.message}`));
          const value = pick(m);
          if (value !== undefined) resolve(value);
        });
        this.worker.on('error', reject);
        this.worker.on('exit', (code) => reject(new Error(`kafkajs-passthrough exited (code ${code})`)));
      });
    this.running = listen((m) => (m.type === 'running' ? (true as const) : undefined)).then(() => {});
    this.done = listen((m) => (m.type === 'done' ? { firstBatchAt: m.firstBatchAt, committedAt: m.committedAt, records: m.records } : undefined));
    this.stopped = listen((m) => (m.type === 'stopped' ? (true as const) : undefined)).then(() => {});
    // Whichever is not awaited must not surface as an unhandled rejection when the worker ends.
    for (const p of [this.running, this.done, this.stopped]) p.catch(() => {});
  }

  async stop(): Promise<void> {
    this.worker.postMessage({ type: 'stop' });
    await Promise.race([this.stopped.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 15_000))]);
    await this.worker.terminate();
  }
}
