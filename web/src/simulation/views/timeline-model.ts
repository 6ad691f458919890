/**
 * What the event-time timeline of a window node draws, worked out from the node's window events, the records that
 * entered it and its watermarks: one row per key, each pane from its start to its end, whether and how often it
 * fired, which records came late.
 */
import { keyIdOf } from '../../../../shared/engine/record.ts';
import type { Key } from '../../../../shared/pipeline/types.ts';
import { fromJsonText, type RecordEntry, type WatermarkEntry, type WindowEventEntry } from '../protocol.ts';

export interface TimelinePane {
  keyId: string;
  start: number;
  end: number;
  /** Step (sample number) at which the pane opened. */
  openedAt: number;
  /** Steps at which it fired; several when late records updated it. */
  firedAt: number[];
  purged: boolean;
  /** The pane's results, in firing order, when the node's output records are at hand. */
  results: unknown[];
}

export interface TimelineMark {
  keyId: string;
  timestamp: number;
  step: number;
}

export interface TimelineModel {
  keys: Array<{ keyId: string; key: Key }>;
  /** Keys left out by the filter or the row limit. */
  hiddenKeys: number;
  panes: TimelinePane[];
  records: TimelineMark[];
  late: TimelineMark[];
  /** Finite watermarks the node reached, in order. */
  watermarks: number[];
  currentWatermark: number;
  /** The event-time range to draw. */
  min: number;
  max: number;
  /** Count windows have no extent in event time: their firings are listed, not drawn. */
  countFirings: number;
}

export interface TimelineOptions {
  keyFilter?: string;
  maxKeys?: number;
}

function paneId(keyId: string, start: number, end: number): string {
  return `${keyId}|${start}|${end}`;
}

/** Window results (`{ key, window: { start, end }, result }`) by pane. */
function resultsByPane(outputs: readonly RecordEntry[]): Map<string, unknown[]> {
  const byPane = new Map<string, unknown[]>();
  for (const r of outputs) {
    if (r.port !== 'out') continue;
    const v = fromJsonText(r.json) as { window?: { start?: unknown; end?: unknown } | null; result?: unknown } | null;
    const w = v !== null && typeof v === 'object' ? v.window : undefined;
    if (!w || typeof w.start !== 'number' || typeof w.end !== 'number') continue;
    const id = paneId(keyIdOf(r.key), w.start, w.end);
    const list = byPane.get(id);
    if (list) list.push(v!.result);
    else byPane.set(id, [v!.result]);
  }
  return byPane;
}

export function buildTimeline(
  events: readonly WindowEventEntry[],
  inputs: readonly RecordEntry[],
  outputs: readonly RecordEntry[],
  watermarkHistory: readonly WatermarkEntry[],
  currentWatermark: number,
  options: TimelineOptions = {},
): TimelineModel {
  const filter = options.keyFilter?.trim() ?? '';
  const maxKeys = options.maxKeys ?? 40;
  const keyOrder = new Map<string, Key>();
  const see = (key: Key) => {
    const id = keyIdOf(key);
    if (!keyOrder.has(id)) keyOrder.set(id, key);
    return id;
  };
  for (const r of inputs) see(r.key);
  for (const e of events) see(e.key as Key);
  const allKeys = [...keyOrder].map(([keyId, key]) => ({ keyId, key }));
  const matching =
    filter === '' ? allKeys : allKeys.filter(({ keyId }) => keyId.toLowerCase().includes(filter.toLowerCase()));
  const keys = matching.slice(0, maxKeys);
  const shown = new Set(keys.map((k) => k.keyId));

  const results = resultsByPane(outputs);
  const panes = new Map<string, TimelinePane>();
  const late: TimelineMark[] = [];
  let countFirings = 0;
  for (const e of events) {
    if (e.window === null) {
      if (e.kind === 'fire') countFirings++;
      continue;
    }
    const keyId = keyIdOf(e.key as Key);
    if (!shown.has(keyId)) continue;
    if (e.kind === 'late') {
      late.push({ keyId, timestamp: e.timestamp, step: e.step });
      continue;
    }
    const id = paneId(keyId, e.window.start, e.window.end);
    let pane = panes.get(id);
    if (pane === undefined) {
      pane = {
        keyId,
        start: e.window.start,
        end: e.window.end,
        openedAt: e.step,
        firedAt: [],
        purged: false,
        results: results.get(id) ?? [],
      };
      panes.set(id, pane);
    }
    if (e.kind === 'fire') pane.firedAt.push(e.step);
    else if (e.kind === 'purge') pane.purged = true;
  }
  const records: TimelineMark[] = [];
  for (const r of inputs) {
    const keyId = keyIdOf(r.key);
    if (shown.has(keyId)) records.push({ keyId, timestamp: r.timestamp, step: r.step });
  }
  const watermarks = watermarkHistory.map((w) => w.watermark).filter(Number.isFinite);

  let min = Infinity;
  let max = -Infinity;
  const include = (t: number) => {
    if (!Number.isFinite(t)) return;
    if (t < min) min = t;
    if (t > max) max = t;
  };
  for (const p of panes.values()) {
    include(p.start);
    include(p.end);
  }
  for (const r of records) include(r.timestamp);
  for (const m of late) include(m.timestamp);
  if (Number.isFinite(currentWatermark) && min <= max) include(Math.min(Math.max(currentWatermark, min), max));
  if (min > max) {
    min = 0;
    max = 1;
  } else if (min === max) max = min + 1;

  return {
    keys,
    hiddenKeys: allKeys.length - keys.length,
    panes: [...panes.values()],
    records,
    late,
    watermarks,
    currentWatermark,
    min,
    max,
    countFirings,
  };
}
