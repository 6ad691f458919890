/**
 * Window results in the records table. A window node emits `{ key, window: { start, end }, result }` for each firing
 * pane (a count window: `window: null`); the table shows those as columns of their own — the window as a time
 * range, the key, and the whole result — instead of one clipped line of JSON.
 */
import type { Key } from '../../../../shared/pipeline/types.ts';
import { fromJsonText, type RecordEntry } from '../protocol.ts';

export interface WindowResultRow {
  key: Key;
  /** The pane's time range, `[start, end)`; null for count windows, which have none. */
  window: { start: number; end: number } | null;
  /** The result as the table shows it: complete, compact JSON. */
  resultText: string;
}

const cache = new WeakMap<RecordEntry, WindowResultRow | null>();

function isKey(value: unknown): value is Key {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isTimeWindow(value: unknown): value is { start: number; end: number } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const w = value as Record<string, unknown>;
  return typeof w.start === 'number' && typeof w.end === 'number' && Object.keys(w).length === 2;
}

/** The shape a window result's JSON text starts with (`toJsonText` keeps the engine's property order). */
function mayBeWindowResult(json: string): boolean {
  return json.startsWith('{"key":') && json.includes('"window":');
}

/**
 * The record's value as a window result, or null when it is not one. Parsed once per entry: the table asks for the
 * rows in view on every render.
 */
export function windowResultOf(entry: RecordEntry): WindowResultRow | null {
  const known = cache.get(entry);
  if (known !== undefined) return known;
  let row: WindowResultRow | null = null;
  if (mayBeWindowResult(entry.json)) {
    let value: unknown;
    try {
      value = fromJsonText(entry.json);
    } catch {
      value = undefined;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const v = value as Record<string, unknown>;
      const names = Object.keys(v);
      // `result` is absent when a window function returned undefined (JSON drops it).
      const onlyWindowFields = names.every((n) => n === 'key' || n === 'window' || n === 'result');
      if (
        onlyWindowFields &&
        'key' in v &&
        isKey(v.key) &&
        'window' in v &&
        (v.window === null || isTimeWindow(v.window))
      ) {
        row = { key: v.key, window: v.window, resultText: 'result' in v ? compactJson(v.result) : 'undefined' };
      }
    }
  }
  cache.set(entry, row);
  return row;
}

/** True when the list holds window results: the table then shows them as window, key and result columns. */
export function hasWindowResults(records: readonly RecordEntry[]): boolean {
  return records.some((r) => windowResultOf(r) !== null);
}

/**
 * JSON on one line with a space after each `:` and `,` outside strings, so that a long result can wrap between its
 * parts: `{"count": 3, "pages": ["/home", "/pricing"]}`. Nothing is left out.
 */
export function compactJson(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? String(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : compactJson(v))).join(', ')}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== undefined) parts.push(`${JSON.stringify(k)}: ${compactJson(v)}`);
  }
  return `{${parts.join(', ')}}`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Milliseconds as a clock, `01:02:03.004`; hours go past 24 rather than wrap. */
function clock(ms: number): string {
  const sign = ms < 0 ? '−' : '';
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const milli = Math.floor(abs % 1000);
  return `${sign}${pad(h)}:${pad(m)}:${pad(s)}.${pad(milli, 3)}`;
}

/** Epoch-like times (after 2001, as `timeTitle` judges them) as a UTC date and clock; small ones as a clock from 0. */
function isEpochLike(ms: number): boolean {
  return ms > 1e12;
}

function dateAndClock(ms: number): { date: string; time: string } {
  const iso = new Date(ms).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 23) };
}

/**
 * A window's range, readable: `00:01:00.000 – 00:02:00.000` for the small event times of samples,
 * `2024-05-01 12:00:00.000 – 12:01:00.000` (UTC) for epoch times (the end's date only when it differs).
 */
export function formatWindowRange(window: { start: number; end: number } | null): string {
  if (window === null) return 'count window';
  const { start, end } = window;
  if (!Number.isFinite(start) || !Number.isFinite(end)) return `${start} – ${end}`;
  if (isEpochLike(start) && isEpochLike(end)) {
    const a = dateAndClock(start);
    const b = dateAndClock(end);
    return `${a.date} ${a.time} – ${b.date === a.date ? '' : `${b.date} `}${b.time}`;
  }
  return `${clock(start)} – ${clock(end)}`;
}

/** The window's exact bounds, for the cell's tooltip. */
export function windowTitle(window: { start: number; end: number } | null): string {
  if (window === null) return 'A count window: it fires after a number of records, not at a time';
  const iso = isEpochLike(window.start)
    ? ` (${new Date(window.start).toISOString()} to ${new Date(window.end).toISOString()})`
    : '';
  return `window [${window.start}, ${window.end}) in ms: from ${window.start} inclusive to ${window.end} exclusive${iso}`;
}
