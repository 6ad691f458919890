/** The main thread's side of a pass-through (passthrough-worker.ts, rdkafka-passthrough-worker.ts): start, wait, stop. */
import { fork, type ChildProcess } from 'node:child_process';
import type { PassthroughData, PassthroughMessage } from './passthrough-worker.ts';

const CHILD = new URL('./passthrough-child.ts', import.meta.url);
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
  /** passthrough-child.ts, which runs the worker thread. */
  private readonly worker: ChildProcess;
  readonly running: Promise<void>;
  readonly done: Promise<PassthroughDone>;
  private readonly stopped: Promise<void>;

  constructor(client: PassthroughClient, options: Omit<PassthroughData, 'module'>) {
    const data: PassthroughData = { module: MODULES[client], ...options };
    this.worker = fork(CHILD, [JSON.stringify(data)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const listen = <T>(pick: (m: PassthroughMessage) => T | undefined) =>
      new Promise<T>((resolve, reject) => {
        this.worker.on('message', (message) => {
          const m = message as PassthroughMessage;
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
    const exited = new Promise<void>((resolve) =>
      this.worker.exitCode !== null || this.worker.signalCode !== null
        ? resolve()
        : this.worker.once('exit', () => resolve()),
    );
    if (this.worker.connected) this.worker.send({ type: 'stop' });
    await Promise.race([this.stopped.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 15_000))]);
    this.worker.kill('SIGKILL');
    await exited;
  }
}
