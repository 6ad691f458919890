/** The main thread's side of a pass-through (passthrough-worker.ts, rdkafka-passthrough-worker.ts): start, wait, stop. */
import { Worker } from 'node:worker_threads';
import type { PassthroughData, PassthroughMessage } from './passthrough-worker.ts';

const ENTRY = new URL('../../server/src/deployments/worker-entry.mjs', import.meta.url);
const MODULES = {
  kafkajs: new URL('./passthrough-worker.ts', import.meta.url).href,
  librdkafka: new URL('./rdkafka-passthrough-worker.ts', import.meta.url).href,
};
export type PassthroughClient = keyof typeof MODULES;

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

  constructor(client: PassthroughClient, options: Omit<PassthroughData, 'module'>) {
    this.worker = new Worker(ENTRY, {
      workerData: { module: MODULES[client], ...options } satisfies PassthroughData,
      name: 'bench-passthrough',
    });
    const listen = <T>(pick: (m: PassthroughMessage) => T | undefined) =>
      new Promise<T>((resolve, reject) => {
        this.worker.on('message', (m: PassthroughMessage) => {
          if (m.type === 'failed') reject(new Error(`${client} pass-through failed: ${m.message}`));
          const value = pick(m);
          if (value !== undefined) resolve(value);
        });
        this.worker.on('error', reject);
        this.worker.on('exit', (code) => reject(new Error(`${client} pass-through exited (code ${code})`)));
      });
    this.running = listen((m) => (m.type === 'running' ? (true as const) : undefined)).then(() => {});
    this.done = listen((m) =>
      m.type === 'done' ? { firstBatchAt: m.firstBatchAt, committedAt: m.committedAt, records: m.records } : undefined,
    );
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
