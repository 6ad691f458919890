/**
 * Collects what a simulation does, node by node, as the engine reports it through its observer: records by port
 * (the newest few thousand, with exact counts), watermarks, window events, errors with the offending input, and
 * `ctx.log` lines. It runs next to the engine in the simulation worker and hands out batches of what changed, so the
 * page receives a few messages a second instead of one per record.
 */
import type { EngineObserver, WindowEvent } from '../../../shared/engine/operator.ts';
import type { StreamRecord } from '../../../shared/engine/record.ts';
import type { SinkOutput } from '../../../shared/engine/simulation.ts';
import type { ErrorPolicy } from '../../../shared/pipeline/types.ts';
import {
  SINK_PORT,
  type ErrorEntry,
  type LogEntry,
  type NodeDelta,
  type NodeTails,
  type RecordEntry,
  type ResultBatch,
  toJsonText,
  type WatermarkEntry,
  type WindowEventCounts,
  type WindowEventEntry,
} from './protocol.ts';
import { Ring } from './ring.ts';

export interface CollectorLimits {
  /** Records (and watermarks, window events) kept per node. */
  keep: number;
  /** Entries of each kind sent per node per batch; more than that and only the newest go, the rest at the end. */
  perBatch: number;
  /** Errors and log lines kept per node. */
  keepMessages: number;
}

/**
 * A batch carries a few hundred entries per list: enough for a live view. Anything more waits for the tails at the
 * end, so that a million-record run does not flood the page with messages it must decode.
 */
export const DEFAULT_LIMITS: CollectorLimits = { keep: 10_000, perBatch: 200, keepMessages: 1_000 };

const MAX_LOG_LINE = 2_000;

/**
 * A record as the collector keeps it: its value stays an object until it is sent. Emitted records are never changed
 * (shared/engine/record.ts), so the text made when sending is the value as it was emitted.
 */
interface KeptRecord {
  seq: number;
  step: number;
  port: string;
  key: RecordEntry['key'];
  value: unknown;
  timestamp: number;
}

interface KeptError {
  seq: number;
  step: number;
  message: string;
  input: unknown;
  policy: ErrorPolicy;
}

function sendRecords(kept: KeptRecord[]): RecordEntry[] {
  return kept.map((r) => ({
    seq: r.seq,
    step: r.step,
    port: r.port,
    key: r.key,
    json: toJsonText(r.value),
    timestamp: r.timestamp,
  }));
}

function sendErrors(kept: KeptError[]): ErrorEntry[] {
  return kept.map((e) => ({
    seq: e.seq,
    step: e.step,
    message: e.message,
    inputJson: toJsonText(e.input),
    policy: e.policy,
  }));
}

class NodeCollector {
  readonly records: Ring<KeptRecord>;
  readonly counts: Record<string, number> = {};
  watermark = -Infinity;
  readonly watermarks: Ring<WatermarkEntry>;
  readonly windowEvents: Ring<WindowEventEntry>;
  readonly windowCounts: WindowEventCounts = { open: 0, fire: 0, purge: 0, late: 0 };
  readonly errors: Ring<KeptError>;
  errorCount = 0;
  readonly logs: Ring<LogEntry>;
  logCount = 0;
  dirty = false;

  constructor(limits: CollectorLimits) {
    this.records = new Ring(limits.keep);
    this.watermarks = new Ring(limits.keep);
    this.windowEvents = new Ring(limits.keep);
    this.errors = new Ring(limits.keepMessages);
    this.logs = new Ring(limits.keepMessages);
  }

  delta(perBatch: number): NodeDelta {
    this.dirty = false;
    return {
      records: sendRecords(this.records.takeFresh(perBatch)),
      counts: { ...this.counts },
      watermark: this.watermark,
      watermarks: this.watermarks.takeFresh(perBatch),
      windowEvents: this.windowEvents.takeFresh(perBatch),
      windowCounts: { ...this.windowCounts },
      errors: sendErrors(this.errors.takeFresh(perBatch)),
      errorCount: this.errorCount,
      logs: this.logs.takeFresh(perBatch),
      logCount: this.logCount,
    };
  }

  /** The complete contents of the lists whose batches left entries out. */
  tails(): Partial<NodeTails> {
    const tails: Partial<NodeTails> = {};
    const take = <T>(ring: Ring<T>): T[] | undefined => {
      if (!ring.gap) return undefined;
      ring.gap = false;
      return ring.all();
    };
    const records = take(this.records);
    if (records) tails.records = sendRecords(records);
    const watermarks = take(this.watermarks);
    if (watermarks) tails.watermarks = watermarks;
    const windowEvents = take(this.windowEvents);
    if (windowEvents) tails.windowEvents = windowEvents;
    const errors = take(this.errors);
    if (errors) tails.errors = sendErrors(errors);
    const logs = take(this.logs);
    if (logs) tails.logs = logs;
    return tails;
  }
}

export class SimulationCollector implements EngineObserver {
  private readonly limits: CollectorLimits;

  private readonly nodes = new Map<string, NodeCollector>();
  private seq = 0;
  /** The sample being processed (1-based); the driver sets it before each sample. */
  step = 0;

  constructor(limits: CollectorLimits = DEFAULT_LIMITS) {
    this.limits = limits;
  }

  private node(id: string): NodeCollector {
    let node = this.nodes.get(id);
    if (node === undefined) {
      node = new NodeCollector(this.limits);
      this.nodes.set(id, node);
    }
    node.dirty = true;
    return node;
  }

  record(nodeId: string, port: string, record: StreamRecord): void {
    this.addRecord(nodeId, port, record.key, record.value, record.timestamp);
  }

  /** What a sink wrote (after it dropped the key, when told to), in emission order. */
  sink(output: SinkOutput): void {
    this.addRecord(output.sink, SINK_PORT, output.key, output.value, output.timestamp);
  }

  private addRecord(nodeId: string, port: string, key: RecordEntry['key'], value: unknown, timestamp: number): void {
    const node = this.node(nodeId);
    node.counts[port] = (node.counts[port] ?? 0) + 1;
    node.records.push({ seq: this.seq++, step: this.step, port, key, value, timestamp });
  }

  watermark(nodeId: string, watermark: number): void {
    const node = this.node(nodeId);
    node.watermark = watermark;
    node.watermarks.push({ seq: this.seq++, step: this.step, watermark });
  }

  window(nodeId: string, event: WindowEvent): void {
    const node = this.node(nodeId);
    node.windowCounts[event.kind]++;
    node.windowEvents.push({
      seq: this.seq++,
      step: this.step,
      kind: event.kind,
      key: event.key,
      window: event.window,
      timestamp: event.timestamp,
    });
  }

  error(nodeId: string, message: string, input: unknown, policy: ErrorPolicy): void {
    const node = this.node(nodeId);
    node.errorCount++;
    node.errors.push({ seq: this.seq++, step: this.step, message, input, policy });
  }

  log(nodeId: string, args: unknown[]): void {
    const node = this.node(nodeId);
    node.logCount++;
    node.logs.push({ seq: this.seq++, step: this.step, text: formatLogLine(args) });
  }

  /** What changed since the previous batch. */
  batch(done: number, total: number): ResultBatch {
    const nodes: ResultBatch['nodes'] = {};
    for (const [id, node] of this.nodes) if (node.dirty) nodes[id] = node.delta(this.limits.perBatch);
    return { done, total, nodes };
  }

  /** The complete tails of the lists whose batches left entries out, by node; call after the last `batch`. */
  tails(): Array<{ nodeId: string; tails: Partial<NodeTails> }> {
    const result: Array<{ nodeId: string; tails: Partial<NodeTails> }> = [];
    for (const [nodeId, node] of this.nodes) {
      const tails = node.tails();
      if (Object.keys(tails).length > 0) result.push({ nodeId, tails });
    }
    return result;
  }
}

/** Formats `ctx.log` arguments the way a console does: strings as they are, everything else as JSON. */
export function formatLogLine(args: readonly unknown[]): string {
  const text = args.map(formatLogArgument).join(' ');
  return text.length > MAX_LOG_LINE ? text.slice(0, MAX_LOG_LINE - 1) + '…' : text;
}

function formatLogArgument(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg === undefined) return 'undefined';
  if (typeof arg === 'function') return `[function ${arg.name || 'anonymous'}]`;
  if (typeof arg === 'number' || typeof arg === 'bigint') return String(arg);
  if (arg instanceof Error) return `${arg.name}: ${arg.message}`;
  try {
    return JSON.stringify(arg) ?? String(arg);
  } catch {
    return String(arg);
  }
}
