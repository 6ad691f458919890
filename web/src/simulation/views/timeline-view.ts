/**
 * Which part of a timeline is drawn: the event-time range in view (zoomed and scrolled) and the marks inside it. A run
 * of 100 000 samples has as many record marks; the timeline draws only those in view (plus an overscan of a few pixels
 * either side), and where even those are too many for one SVG element each, one path per row, a dot per pixel.
 */
import type { TimelineMark } from './timeline-model.ts';

export interface TimeRange {
  start: number;
  end: number;
}

/** More marks in view than this are drawn as one path per row rather than one element (with a tooltip) each. */
export const MARK_BUDGET = 1000;
/** A large run opens on this many of its first records. */
export const INITIAL_RECORDS = 500;

/** Marks in event-time order (a stable sort: equal times keep their arrival order). */
export function byTime<T extends { timestamp: number }>(marks: readonly T[]): T[] {
  for (let i = 1; i < marks.length; i++)
    if (marks[i]!.timestamp < marks[i - 1]!.timestamp) return marks.slice().sort((a, b) => a.timestamp - b.timestamp);
  return marks.slice();
}

/** The first index of `sorted` whose timestamp is at least `t` (after `t` when `after`). */
export function lowerBound(sorted: readonly { timestamp: number }[], t: number, after = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const ts = sorted[mid]!.timestamp;
    if (ts < t || (after && ts === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The marks of `sorted` (by time) within [start, end]. */
export function marksIn<T extends { timestamp: number }>(sorted: readonly T[], range: TimeRange): T[] {
  return sorted.slice(lowerBound(sorted, range.start), lowerBound(sorted, range.end, true));
}

/**
 * The range shown before the user zooms: everything when it holds at most `MARK_BUDGET` records (the timeline looks
 * as it always did), else from the first record up to the `budget`-th, so the first samples show one by one. (Panes
 * may reach further back than the records: a run keeps each node's last records only.)
 */
export function initialView(
  sortedRecords: readonly TimelineMark[],
  full: TimeRange,
  budget = INITIAL_RECORDS,
): TimeRange {
  if (sortedRecords.length <= MARK_BUDGET) return full;
  const first = sortedRecords[0]!.timestamp;
  const last = sortedRecords[budget - 1]!.timestamp;
  const margin = Math.max(1, (last - first) * 0.02);
  return clampView({ start: first - margin, end: last + margin }, full);
}

/** `view` kept inside `full`, no narrower than `minSpan`. */
export function clampView(view: TimeRange, full: TimeRange, minSpan = 1e-3): TimeRange {
  const fullSpan = full.end - full.start;
  const span = Math.min(fullSpan, Math.max(minSpan, view.end - view.start));
  const start = Math.min(Math.max(view.start, full.start), full.end - span);
  return { start, end: start + span };
}

/** `view` zoomed by `factor` (below 1 zooms in) about its middle, kept inside `full`. */
export function zoomView(view: TimeRange, full: TimeRange, factor: number): TimeRange {
  const middle = (view.start + view.end) / 2;
  const half = ((view.end - view.start) * factor) / 2;
  return clampView({ start: middle - half, end: middle + half }, full);
}
