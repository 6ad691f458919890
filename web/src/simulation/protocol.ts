/**
 * What the simulation worker and the page say to each other. Everything here crosses `postMessage`, so it is plain
 * data: no classes, no functions. Each observed event carries `seq` (one counter over the whole run, so records,
 * watermarks and window events of different nodes can be put in one order) and `step` (the number of the sample
 * being processed when it happened, 1-based; `total + 1` while end of input flushes).
 */
import type { ErrorPolicy, Key, PipelineDoc } from '../../../shared/pipeline/types.ts';
import type { WindowEvent } from '../../../shared/engine/operator.ts';

/** The pseudo-port under which a sink's records are kept: what it wrote to its topic. */
export const SINK_PORT = 'written';

export interface RecordEntry {
  seq: number;
  step: number;
  port: string;
  key: Key;
  /** The value as JSON text: views show text, and a string crosses `postMessage` far cheaper than an object tree. */
  json: string;
  timestamp: number;
}

export interface WatermarkEntry {
  seq: number;
  step: number;
  watermark: number;
}

export interface WindowEventEntry extends WindowEvent {
  seq: number;
  step: number;
}

export interface ErrorEntry {
  seq: number;
  step: number;
  message: string;
  /** The offending input as JSON text. */
  inputJson: string;
  policy: ErrorPolicy;
}

export interface LogEntry {
  seq: number;
  step: number;
  text: string;
}

export type WindowEventCounts = Record<WindowEvent['kind'], number>;

/**
 * What one node did since the previous batch. Lists hold only the newest entries when there were too many to send;
 * the node's complete tails (`NodeTails`) then follow when the run stops.
 */
export interface NodeDelta {
  records: RecordEntry[];
  /** Exact totals so far, by port. */
  counts: Record<string, number>;
  watermark: number;
  watermarks: WatermarkEntry[];
  windowEvents: WindowEventEntry[];
  windowCounts: WindowEventCounts;
  errors: ErrorEntry[];
  errorCount: number;
  logs: LogEntry[];
  logCount: number;
}

/** The newest entries a node kept, by list. */
export interface NodeTails {
  records: RecordEntry[];
  watermarks: WatermarkEntry[];
  windowEvents: WindowEventEntry[];
  errors: ErrorEntry[];
  logs: LogEntry[];
}

export type TailList = keyof NodeTails;

/**
 * Values as JSON text. User code may put anything into a value (a function, a cycle, undefined); those are shown as
 * well as text allows instead of breaking the run.
 */
export function toJsonText(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return (
      JSON.stringify(value, (_key, v: unknown) =>
        typeof v === 'function'
          ? `[function ${v.name || 'anonymous'}]`
          : typeof v === 'bigint' || typeof v === 'symbol'
            ? String(v)
            : v,
      ) ?? String(value)
    );
  } catch {
    return JSON.stringify(String(value));
  }
}

/** The value back from `toJsonText` (undefined for `undefined`). */
export function fromJsonText(text: string): unknown {
  return text === 'undefined' ? undefined : JSON.parse(text);
}

/** Why a run stopped early: a `fail` error (SPEC §5), a pipeline that cannot be built, or a bug. */
export interface SimulationFailure {
  nodeId: string | null;
  message: string;
  /** The offending input as JSON text. */
  inputJson?: string;
}

export interface ResultBatch {
  done: number;
  total: number;
  nodes: Record<string, NodeDelta>;
}

/**
 * Each node's state as its operator snapshots it, as JSON text (parsed only when someone looks): after the last
 * sample, before end of input fires what is pending (`beforeEnd`), and when the run stopped (`final`).
 */
export interface StateSnapshots {
  beforeEnd: Record<string, string> | null;
  final: Record<string, string>;
}

/** Synthetic input made in the worker (`samples/generator.ts`), replacing a source's samples for one run. */
export type GeneratedInputs = Record<string, { template: string; count: number; seed?: number }>;

export type WorkerRequest =
  | { type: 'run'; pipeline: PipelineDoc; runId: number; stopAfter?: number; generated?: GeneratedInputs }
  | { type: 'step'; runId: number };

export type WorkerMessage =
  | { type: 'batch'; runId: number; batch: ResultBatch }
  /**
   * A complete tail of one list of one node, after batches had to leave entries out. Sent in chunks, so that no
   * single message keeps the page busy: the `first` chunk replaces what the page holds, the others append.
   */
  | { type: 'tail'; runId: number; nodeId: string; list: TailList; entries: NodeTails[TailList]; first: boolean }
  | {
      type: 'end';
      runId: number;
      status: 'done' | 'paused' | 'failed';
      failure?: SimulationFailure;
      state: StateSnapshots;
      elapsedMs: number;
    };
