/**
 * The page's side of simulation results: folds the worker's batches into per-node results (immutably, so store
 * selectors see what changed) and answers the questions the views ask: what went into a node, how many records
 * crossed an edge, what the sinks wrote.
 */
import { nodesWithRole } from '../../../shared/operators/registry.ts';
import { edgeFromPort, edgeToPort, type Key, type PipelineDoc } from '../../../shared/pipeline/types.ts';
import {
  SINK_PORT,
  type ErrorEntry,
  type LogEntry,
  type NodeDelta,
  type NodeTails,
  type RecordEntry,
  fromJsonText,
  type ResultBatch,
  type TailList,
  type WatermarkEntry,
  type WindowEventCounts,
  type WindowEventEntry,
} from './protocol.ts';
import { DEFAULT_LIMITS, type CollectorLimits } from './collector.ts';

export interface NodeResult {
  /** The newest records the node emitted (a sink: what it wrote), oldest first. */
  records: RecordEntry[];
  /** Exact number of records per output port. */
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

export type NodeResults = Readonly<Record<string, NodeResult>>;

export function emptyNodeResult(): NodeResult {
  return {
    records: [],
    counts: {},
    watermark: -Infinity,
    watermarks: [],
    windowEvents: [],
    windowCounts: { open: 0, fire: 0, purge: 0, late: 0 },
    errors: [],
    errorCount: 0,
    logs: [],
    logCount: 0,
  };
}

/** `list` followed by `more`, keeping only the newest `keep`. */
export function appendKeeping<T>(list: readonly T[], more: readonly T[], keep: number): T[] {
  if (more.length === 0) return list as T[];
  const overflow = list.length + more.length - keep;
  if (overflow <= 0) return list.concat(more);
  if (overflow >= list.length) return more.slice(more.length - keep);
  return list.slice(overflow).concat(more);
}

function applyDelta(previous: NodeResult, delta: NodeDelta, limits: CollectorLimits): NodeResult {
  return {
    records: appendKeeping(previous.records, delta.records, limits.keep),
    counts: delta.counts,
    watermark: delta.watermark,
    watermarks: appendKeeping(previous.watermarks, delta.watermarks, limits.keep),
    windowEvents: appendKeeping(previous.windowEvents, delta.windowEvents, limits.keep),
    windowCounts: delta.windowCounts,
    errors: appendKeeping(previous.errors, delta.errors, limits.keepMessages),
    errorCount: delta.errorCount,
    logs: appendKeeping(previous.logs, delta.logs, limits.keepMessages),
    logCount: delta.logCount,
  };
}

export function applyBatch(
  results: NodeResults,
  batch: ResultBatch,
  limits: CollectorLimits = DEFAULT_LIMITS,
): NodeResults {
  const ids = Object.keys(batch.nodes);
  if (ids.length === 0) return results;
  const next: Record<string, NodeResult> = { ...results };
  for (const id of ids) next[id] = applyDelta(results[id] ?? emptyNodeResult(), batch.nodes[id]!, limits);
  return next;
}

/** One chunk of a list's complete tail: the first replaces what the page holds, the next ones append to it. */
export function applyTail(
  results: NodeResults,
  nodeId: string,
  list: TailList,
  entries: NodeTails[TailList],
  first: boolean,
): NodeResults {
  const previous = results[nodeId] ?? emptyNodeResult();
  const current = previous[list] as unknown[];
  return { ...results, [nodeId]: { ...previous, [list]: first ? entries : current.concat(entries) } };
}

/** Records that entered a node, oldest first, each under the input port it arrived on (`in`, `left`, `right`). */
export function inputRecords(doc: PipelineDoc, results: NodeResults, nodeId: string): RecordEntry[] {
  const lists: RecordEntry[][] = [];
  for (const edge of doc.edges) {
    if (edge.to !== nodeId) continue;
    const from = results[edge.from];
    if (!from) continue;
    const fromPort = edgeFromPort(edge);
    const toPort = edgeToPort(edge);
    const list: RecordEntry[] = [];
    for (const r of from.records) if (r.port === fromPort) list.push(toPort === r.port ? r : { ...r, port: toPort });
    lists.push(list);
  }
  if (lists.length === 1) return lists[0]!;
  return lists.flat().sort((a, b) => a.seq - b.seq);
}

/** Exact counts per node: records by output port and failed records; `allNodes` get an entry even when idle. */
export function countsOf(
  results: NodeResults,
  allNodes: readonly string[],
): { portCounts: Record<string, Record<string, number>>; nodeErrorCounts: Record<string, number> } {
  const portCounts: Record<string, Record<string, number>> = {};
  const nodeErrorCounts: Record<string, number> = {};
  for (const id of allNodes) portCounts[id] = {};
  for (const [id, result] of Object.entries(results)) {
    portCounts[id] = result.counts;
    if (result.errorCount > 0) nodeErrorCounts[id] = result.errorCount;
  }
  return { portCounts, nodeErrorCounts };
}

export interface SinkRecord {
  sink: string;
  key: Key;
  value: unknown;
  timestamp: number;
}

/** What the sinks wrote, in emission order, each entry's `port` naming its sink. */
export function sinkEntries(doc: PipelineDoc, results: NodeResults): RecordEntry[] {
  const all: RecordEntry[] = [];
  for (const node of nodesWithRole(doc.nodes, 'sink')) {
    for (const r of results[node.id]?.records ?? []) if (r.port === SINK_PORT) all.push({ ...r, port: node.id });
  }
  return all.sort((a, b) => a.seq - b.seq);
}

/** What the sinks wrote, in emission order: the lines `weir simulate` prints (SPEC §7). */
export function sinkOutputs(doc: PipelineDoc, results: NodeResults): SinkRecord[] {
  return sinkEntries(doc, results).map((r) => ({
    sink: r.port,
    key: r.key,
    value: fromJsonText(r.json),
    timestamp: r.timestamp,
  }));
}

/** True when every record a node emitted is still held (nothing dropped to keep memory bounded). */
export function isComplete(result: NodeResult | undefined): boolean {
  if (!result) return true;
  let total = 0;
  for (const n of Object.values(result.counts)) total += n;
  return total === result.records.length;
}
