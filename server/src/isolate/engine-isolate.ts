/**
 * The engine in a V8 isolate of its own: how the server (a deployment's worker) and the CLI run user code.
 *
 * Why an isolate (isolated-vm) and not Node's `vm`: a `vm` context shares the process's heap and realm objects, so
 * a UDF that plants a getter on a shared prototype reaches whatever the process holds (the Kafka client and its
 * credentials, its sockets), and it can allocate memory outside the heap without limit. An isolate shares nothing:
 * the engine and user code run in it with JavaScript's built-ins only (guest.ts), records go in and sink messages come
 * out as copies, its heap and its ArrayBuffers count against one memory limit, and its CPU time can be read from
 * outside while it runs.
 *
 * Calls run on isolated-vm's own thread (`apply`, not `applySync`), so the host's event loop stays free while the
 * engine works. A watchdog looks every second: if the isolate has burnt `hangCpuMs` of CPU time in one call without
 * making progress (no UDF called, no record taken or emitted), user code is stuck where the budget guard cannot
 * reach it (a backtracking regular expression, a huge built-in call), and the isolate is disposed. Because it counts
 * CPU time, a starved machine never looks like a hang.
 */
import ivm from 'isolated-vm';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import type { GuestError, GuestResult } from './protocol.ts';

export interface IsolateLimits {
  /** Heap plus ArrayBuffers of the isolate, in MB. */
  memoryMb: number;
  /** CPU time one call may use without progress before it counts as hung. */
  hangCpuMs: number;
}

/** The hang limit for a UDF budget: ten budgets, and at least 10 s (as the Flink runner's watchdog). */
export function hangCpuMsFor(budgetMs: number): number {
  return Math.max(10 * budgetMs, 10_000);
}

/** A call into the guest answered with an error (a failed record, a pipeline that does not build, …). */
export class GuestCallError extends Error {
  readonly error: GuestError;

  constructor(error: GuestError) {
    super(error.message);
    this.error = error;
    this.name = 'GuestCallError';
  }
}

/** The isolate was ended from outside: user code hung or the memory limit was reached. */
export class IsolateKilledError extends Error {
  readonly reason: 'hang' | 'memory' | 'disposed';
  readonly nodeId?: string;

  constructor(reason: 'hang' | 'memory' | 'disposed', message: string, nodeId?: string) {
    super(message);
    this.reason = reason;
    this.nodeId = nodeId;
    this.name = 'IsolateKilledError';
  }
}

const GUEST_FUNCTIONS = ['init', 'restore', 'declarePartitions', 'ingest', 'advance', 'snapshot', 'simulate'] as const;
type GuestFunction = (typeof GUEST_FUNCTIONS)[number];

const WATCH_EVERY_MS = 1000;

export class EngineIsolate {
  private readonly isolate: ivm.Isolate;
  private readonly pipeline: PipelineDoc | null;
  private readonly limits: IsolateLimits;

  private readonly progress = new Int32Array(new SharedArrayBuffer(8));
  private functions = new Map<GuestFunction, ivm.Reference<(...args: unknown[]) => unknown>>();
  private queue: Promise<unknown> = Promise.resolve();
  private calls = 0;
  private lastCount = -1;
  private lastCpuNs = 0n;
  private killed: IsolateKilledError | null = null;
  private readonly watchdog: NodeJS.Timeout;

  private constructor(isolate: ivm.Isolate, pipeline: PipelineDoc | null, limits: IsolateLimits) {
    this.isolate = isolate;
    this.pipeline = pipeline;
    this.limits = limits;
    this.watchdog = setInterval(() => this.watch(), WATCH_EVERY_MS);
    this.watchdog.unref();
  }

  /** Starts an isolate running the guest script (guest-script.ts); `pipeline` names nodes in hang messages. */
  static async create(
    script: string,
    limits: IsolateLimits,
    pipeline: PipelineDoc | null = null,
  ): Promise<EngineIsolate> {
    const isolate = new ivm.Isolate({ memoryLimit: Math.max(16, Math.round(limits.memoryMb)) });
    const host = new EngineIsolate(isolate, pipeline, limits);
    try {
      const context = await isolate.createContext();
      await context.global.set(
        '__weirProgress',
        new ivm.ExternalCopy(host.progress.buffer).copyInto({ release: true }),
      );
      const compiled = await isolate.compileScript(script, { filename: 'weir-guest.js' });
      await compiled.run(context);
      const guest = (await context.global.get('__weirGuest', { reference: true })) as ivm.Reference<
        Record<string, unknown>
      >;
      for (const name of GUEST_FUNCTIONS)
        host.functions.set(
          name,
          (await guest.get(name, { reference: true })) as ivm.Reference<(...args: unknown[]) => unknown>,
        );
      await context.global.delete('__weirGuest');
    } catch (err) {
      host.dispose();
      throw err;
    }
    return host;
  }

  /** Runs `action` with no other exclusive action in between: a call and the bookkeeping of its answer stay together. */
  exclusive<T>(action: () => Promise<T>): Promise<T> {
    const run = this.queue.then(action, action);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Calls a guest function; resolves with its answer or rejects with GuestCallError / IsolateKilledError. */
  async call<T extends object>(name: GuestFunction, ...args: unknown[]): Promise<T> {
    if (this.killed) throw this.killed;
    const fn = this.functions.get(name)!;
    this.calls++;
    this.lastCount = -1;
    let result: GuestResult<T>;
    try {
      result = (await fn.apply(undefined, args, {
        arguments: { copy: true },
        result: { copy: true },
      })) as GuestResult<T>;
    } catch (err) {
      throw this.killed ?? this.explain(err);
    } finally {
      this.calls--;
    }
    if (!result.ok) throw new GuestCallError(result.error);
    return result;
  }

  /** CPU time the isolate has used, in milliseconds. */
  cpuMs(): number {
    return this.isolate.isDisposed ? 0 : Number(this.isolate.cpuTime / 1_000_000n);
  }

  dispose(): void {
    clearInterval(this.watchdog);
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }

  private explain(err: unknown): Error {
    const message = err instanceof Error ? err.message : String(err);
    if (/memory limit/i.test(message)) {
      this.killed = new IsolateKilledError(
        'memory',
        `the pipeline's state and user code needed more than the memory limit of ${this.limits.memoryMb} MB (WEIR_WORKER_MEMORY_MB)`,
      );
      this.dispose();
      return this.killed;
    }
    if (this.isolate.isDisposed) return (this.killed = new IsolateKilledError('disposed', 'the engine was stopped'));
    return err instanceof Error ? err : new Error(message);
  }

  private watch(): void {
    if (this.calls === 0 || this.isolate.isDisposed) return;
    const count = Atomics.load(this.progress, 0);
    const cpu = this.isolate.cpuTime;
    if (count !== this.lastCount) {
      this.lastCount = count;
      this.lastCpuNs = cpu;
      return;
    }
    const stuckMs = Number((cpu - this.lastCpuNs) / 1_000_000n);
    if (stuckMs < this.limits.hangCpuMs) return;
    const index = Atomics.load(this.progress, 1) - 1;
    const node = this.pipeline && index >= 0 ? this.pipeline.nodes[index] : undefined;
    const where = node ? `node "${node.id}": user code` : 'user code';
    this.killed = new IsolateKilledError(
      'hang',
      `${where} used ${(stuckMs / 1000).toFixed(1)} s of CPU time in one call without returning (a regular expression that backtracks?); the budget is checked in loops, not inside built-ins`,
      node?.id,
    );
    this.dispose();
  }
}
