/**
 * The engine inside a V8 isolate of its own (engine-isolate.ts is the other side). This file is bundled with the
 * `shared/` engine and the UDF compiler into one script that runs in an isolate with nothing but JavaScript's
 * built-ins: no `require`, `process`, file system, network, timers or host objects. User code therefore reaches its
 * record, its `ctx` and those built-ins, and at worst the engine of its own job; never the server's credentials,
 * the Kafka client or another deployment.
 *
 * The host calls the functions of `__weirGuest` with copied arguments and gets copied results back. Every call
 * answers `{ ok: true, ... }` or `{ ok: false, error }`, so what went wrong crosses the boundary as data (an Error
 * thrown across it would keep its message only).
 *
 * Progress is shared with the host through a SharedArrayBuffer (`progress`): the count of UDF calls, records and
 * sink records so far, and the node whose user code was called last. The host's watchdog reads it while a call
 * runs; a call during which the count stands still while the isolate burns CPU is user code that does not return
 * (a backtracking regular expression: the budget guard is never reached), and the host names that node.
 */
import {
  Engine,
  PipelineBuildError,
  RestoreError,
  type EngineSnapshot,
  type NodeMetrics,
} from '../../../shared/engine/engine.ts';
import { PipelineFailure } from '../../../shared/engine/operator.ts';
import type { SourceOperator } from '../../../shared/engine/source.ts';
import type { StreamRecord } from '../../../shared/engine/record.ts';
import { OPERATORS } from '../../../shared/operators/registry.ts';
import { Simulation } from '../../../shared/engine/simulation.ts';
import type { PipelineDoc, Sample } from '../../../shared/pipeline/types.ts';
import { UdfBudget } from '../../../shared/udf/budget.ts';
import { formatLogArg, LogLimiter } from '../deployments/log-limiter.ts';
import { sinkMessage } from '../kafka/records.ts';
import type { GuestError, GuestResult, IngestBatch, SinkMessage, Slice } from './protocol.ts';

type Globals = Record<string, unknown>;
const g = globalThis as unknown as Globals;

// Bare V8 has no structuredClone; the engine clones only JSON values with it (param defaults).
if (typeof g.structuredClone !== 'function')
  g.structuredClone = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

// The host hands in the shared progress counters as a global; take it and remove what could block or share memory.
const progress = new Int32Array(g.__weirProgress as SharedArrayBuffer);
for (const name of ['__weirProgress', 'SharedArrayBuffer', 'Atomics', 'WebAssembly']) delete g[name];

const COUNT = 0;
const NODE = 1;

/** A node's UDF budget that also tells the host's watchdog which node is being called. */
class WatchedBudget extends UdfBudget {
  private readonly nodeIndex: number;

  constructor(budgetMs: number, nodeIndex: number) {
    super(budgetMs, Date.now);
    this.nodeIndex = nodeIndex;
  }

  override begin(): void {
    progress[COUNT]!++;
    progress[NODE] = this.nodeIndex + 1;
    super.begin();
  }
}

function budgets(pipeline: PipelineDoc): (nodeId: string, budgetMs: number) => UdfBudget {
  return (nodeId, budgetMs) =>
    new WatchedBudget(
      budgetMs,
      pipeline.nodes.findIndex((n) => n.id === nodeId),
    );
}

function errorOf(err: unknown): GuestError {
  if (err instanceof PipelineFailure)
    return {
      kind: 'failure',
      message: err.message,
      nodeId: err.nodeId,
      reason: err.reason,
      input: safeJson(err.input),
    };
  if (err instanceof PipelineBuildError) return { kind: 'build', message: err.message };
  if (err instanceof RestoreError) return { kind: 'restore', message: err.message };
  return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
}

/** The failed record as it can cross: JSON values as they are, anything else as text. */
function safeJson(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value) ?? 'null');
  } catch {
    return String(value);
  }
}

function guarded<A extends unknown[], T extends object>(fn: (...args: A) => T): (...args: A) => GuestResult<T> {
  return (...args) => {
    try {
      return { ok: true, ...fn(...args) };
    } catch (err) {
      return { ok: false, error: errorOf(err) };
    }
  };
}

// ---- a deployment's engine ----

let engine: Engine | null = null;
const sourcesByTopic = new Map<string, SourceOperator[]>();
let sinks: Record<string, SinkMessage[]> = {};
let logs: Array<[string | null, string]> = [];
let logLimiter: LogLimiter | null = null;

function drain(): Slice {
  const slice: Slice = { sinks, logs };
  sinks = {};
  logs = [];
  return slice;
}

function init(
  pipeline: PipelineDoc,
  options: { budgetMs: number; sinkJson: Record<string, boolean>; sourceTopics: Record<string, string> },
): { sources: string[]; metrics: Record<string, NodeMetrics> } {
  logLimiter = new LogLimiter((message, nodeId) => logs.push([nodeId ?? null, message]));
  const limiter = logLimiter;
  const sink = (sinkId: string, record: StreamRecord): void => {
    (sinks[sinkId] ??= []).push(sinkMessage(record, options.sinkJson[sinkId] ?? true) as SinkMessage);
    progress[COUNT]!++;
  };
  engine = new Engine(pipeline, {
    operators: OPERATORS,
    mode: 'deployed',
    wallClock: Date.now,
    udfBudgetMs: options.budgetMs,
    budgetFor: budgets(pipeline),
    sink,
    observer: {
      log: (nodeId, args) => limiter.line(args.map(formatLogArg).join(' '), nodeId),
      error: (nodeId, message, _input, policy) => {
        if (policy !== 'fail') limiter.line(`${policy === 'skip' ? 'skipped' : 'routed'} a record: ${message}`, nodeId);
      },
    },
  });
  for (const source of engine.sources) {
    const topic = options.sourceTopics[source.id]!;
    const list = sourcesByTopic.get(topic) ?? [];
    list.push(source);
    sourcesByTopic.set(topic, list);
  }
  return { sources: engine.sources.map((s) => s.id), metrics: engine.metrics() };
}

function running(): Engine {
  if (engine === null) throw new Error('the engine was not initialised');
  return engine;
}

function restore(snapshot: EngineSnapshot): object {
  running().restore(snapshot, { dropUnknownState: true, adopt: true });
  return {};
}

function declarePartitions(topic: string, partitions: number[]): object {
  for (const source of sourcesByTopic.get(topic) ?? []) source.declarePartitions(partitions);
  return {};
}

/** Feeds one slice of a partition's records, then moves processing time to `now`; answers what they produced. */
function ingest(batch: IngestBatch, now: number): Slice {
  const e = running();
  const sources = sourcesByTopic.get(batch.topic) ?? [];
  const { partition, offsets, keys, values, timestamps, headers } = batch;
  try {
    for (let i = 0; i < offsets.length; i++) {
      progress[COUNT]!++;
      const h = headers[i] ?? undefined;
      for (let s = 0; s < sources.length; s++)
        sources[s]!.ingestKafka(partition, offsets[i]!, keys[i]!, values[i]!, timestamps[i]!, h);
    }
    e.advanceProcessingTime(now);
  } catch (err) {
    drain();
    throw err;
  }
  return drain();
}

function advance(now: number): Slice & { metrics: Record<string, NodeMetrics> } {
  const e = running();
  try {
    e.advanceProcessingTime(now);
  } catch (err) {
    drain();
    throw err;
  }
  return { ...drain(), metrics: e.metrics() };
}

function snapshot(): { snapshot: EngineSnapshot; metrics: Record<string, NodeMetrics> } {
  const e = running();
  // Copied out of the isolate as it is returned, so a transient snapshot (no deep copy here) is safe.
  return { snapshot: e.snapshot({ transient: true }), metrics: e.metrics() };
}

// ---- the CLI's simulation ----

/** Runs a simulation to its end; each sink record comes back as the JSON line `weir simulate` prints. */
function simulate(
  pipeline: PipelineDoc,
  options: { inputs?: Record<string, Sample[]>; checkpointEvery?: number; budgetMs?: number },
): { lines: string[]; failure?: GuestError } {
  const lines: string[] = [];
  const simulation = new Simulation(pipeline, {
    operators: OPERATORS,
    onOutput: ({ sink, key, value, timestamp }) => {
      lines.push(JSON.stringify({ sink, key, value, timestamp }));
    },
    ...(options.inputs ? { inputs: options.inputs } : {}),
    ...(options.checkpointEvery ? { checkpointEvery: options.checkpointEvery } : {}),
    ...(options.budgetMs ? { udfBudgetMs: options.budgetMs } : {}),
    budgetFor: budgets(pipeline),
    onProgress: () => {
      progress[COUNT]!++;
    },
  });
  try {
    simulation.run();
  } catch (err) {
    // What reached the sinks before the failure goes back with it: the CLI prints it first.
    const failure = errorOf(err);
    if (failure.kind === 'error') throw err;
    return { lines, failure };
  }
  return { lines };
}

g.__weirGuest = {
  init: guarded(init),
  restore: guarded(restore),
  declarePartitions: guarded(declarePartitions),
  ingest: guarded(ingest),
  advance: guarded(advance),
  snapshot: guarded(snapshot),
  simulate: guarded(simulate),
};
