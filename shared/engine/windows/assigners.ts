/**
 * Window assigners (SPEC §3, Flink's `WindowAssigner`s): which windows a timestamp belongs to. Every time window is
 * `[start, end)` with `maxTimestamp = end - 1`. The hot path asks an assigner for numbers (a start, a size), never
 * for window objects; `assignWindows` builds objects for views and tests.
 *
 * Constructors check their arguments the way Flink's factories do and say how to fix the call; the validator
 * reports the same rules with JSON paths through `assignerProblems`.
 */
import type { AssignerParams, TimeAssignerParams } from './fields.ts';

export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** `a mod m` with the sign of `m` (Java's `Math.floorMod`), so negative timestamps land in the right window. */
export function floorMod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r + 0;
}

/**
 * Tumbling and sliding windows: fixed size, started every `slide` milliseconds from `offset` (tumbling: slide =
 * size). The windows of `ts` are `[s, s + size)` for `s = lastStart(ts), lastStart(ts) - slide, …` while
 * `s > ts - size`.
 */
export abstract class PeriodicWindowAssigner {
  readonly size: number;
  readonly slide: number;
  readonly offset: number;

  abstract readonly kind: 'tumbling' | 'sliding';

  constructor(size: number, slide: number, offset: number) {
    this.size = size;
    this.slide = slide;
    this.offset = offset;
  }

  lastStart(ts: number): number {
    return ts - floorMod(ts - this.offset, this.slide);
  }

  assignWindows(ts: number): TimeWindow[] {
    const windows: TimeWindow[] = [];
    for (let s = this.lastStart(ts); s > ts - this.size; s -= this.slide)
      windows.push({ start: s, end: s + this.size });
    return windows;
  }
}

export class TumblingWindowAssigner extends PeriodicWindowAssigner {
  readonly kind = 'tumbling';

  constructor(sizeMs: number, offsetMs = 0) {
    throwOnProblems('tumbling', assignerProblems({ kind: 'tumbling', sizeMs, offsetMs }));
    super(sizeMs, sizeMs, offsetMs);
  }

  /** The start of the one window holding `ts`: `ts - floorMod(ts - offset, size)`. */
  startOf(ts: number): number {
    return ts - floorMod(ts - this.offset, this.size);
  }
}

export class SlidingWindowAssigner extends PeriodicWindowAssigner {
  readonly kind = 'sliding';

  constructor(sizeMs: number, slideMs: number, offsetMs = 0) {
    throwOnProblems('sliding', assignerProblems({ kind: 'sliding', sizeMs, slideMs, offsetMs }));
    super(sizeMs, slideMs, offsetMs);
  }
}

/** Session windows: each record opens `[ts, ts + gap)`; windows of one key that overlap or touch merge. */
export class SessionWindowAssigner {
  readonly gap: number;

  readonly kind = 'session';

  constructor(gap: number) {
    this.gap = gap;
    throwOnProblems('session', assignerProblems({ kind: 'session', gapMs: gap }));
  }

  assignWindows(ts: number): TimeWindow[] {
    return [{ start: ts, end: ts + this.gap }];
  }

  /** Flink's `TimeWindow.intersects`: overlapping or touching windows belong to one session. */
  static mergeable(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
    return aStart <= bEnd && aEnd >= bStart;
  }
}

/**
 * Count windows (Flink's `countWindow(size, slide)`): per key, after every `slide`-th record, fire over the last
 * `size` records. `slide === size` fires and purges; otherwise a count evictor keeps the last `size` records.
 */
export class CountWindowAssigner {
  readonly size: number;
  readonly slide: number;

  readonly kind = 'count';

  constructor(size: number, slide: number = size) {
    this.size = size;
    this.slide = slide;
    throwOnProblems('count', assignerProblems({ kind: 'count', size, slide }));
  }

  get purging(): boolean {
    return this.slide === this.size;
  }
}

export type TimeWindowAssigner = TumblingWindowAssigner | SlidingWindowAssigner | SessionWindowAssigner;
export type WindowAssigner = TimeWindowAssigner | CountWindowAssigner;

export function createAssigner(params: TimeAssignerParams): TimeWindowAssigner;
export function createAssigner(params: AssignerParams): WindowAssigner;
export function createAssigner(params: AssignerParams): WindowAssigner {
  switch (params.kind) {
    case 'tumbling':
      return new TumblingWindowAssigner(params.sizeMs, params.offsetMs ?? 0);
    case 'sliding':
      return new SlidingWindowAssigner(params.sizeMs, params.slideMs, params.offsetMs ?? 0);
    case 'session':
      return new SessionWindowAssigner(params.gapMs);
    case 'count':
      return new CountWindowAssigner(params.size, params.slide ?? params.size);
  }
}

/** A rule an assigner's params break: the field to point at and what to do about it. */
export interface AssignerProblem {
  field: string;
  message: string;
}

function positiveInteger(value: number | undefined): boolean {
  return value !== undefined && Number.isSafeInteger(value) && value > 0;
}

/** Every rule of SPEC §3 on assigner params that a schema of single fields cannot say. */
export function assignerProblems(params: AssignerParams): AssignerProblem[] {
  const problems: AssignerProblem[] = [];
  const positive = (field: string, value: number | undefined, unit: string) => {
    if (!positiveInteger(value)) problems.push({ field, message: `must be a positive integer${unit}, got ${value}` });
  };
  switch (params.kind) {
    case 'tumbling': {
      positive('sizeMs', params.sizeMs, ' number of milliseconds');
      const offset = params.offsetMs ?? 0;
      if (!Number.isSafeInteger(offset))
        problems.push({ field: 'offsetMs', message: `must be an integer number of milliseconds, got ${offset}` });
      else if (positiveInteger(params.sizeMs) && Math.abs(offset) >= params.sizeMs)
        problems.push({
          field: 'offsetMs',
          message: `must be smaller than sizeMs in magnitude (|offsetMs| < sizeMs), got ${offset} with sizeMs ${params.sizeMs}; an offset of ${floorMod(offset, params.sizeMs)} gives the same windows`,
        });
      break;
    }
    case 'sliding': {
      positive('sizeMs', params.sizeMs, ' number of milliseconds');
      positive('slideMs', params.slideMs, ' number of milliseconds');
      const offset = params.offsetMs ?? 0;
      if (positiveInteger(params.sizeMs) && positiveInteger(params.slideMs) && params.slideMs > params.sizeMs)
        problems.push({
          field: 'slideMs',
          message: `must not exceed sizeMs (slideMs ≤ sizeMs), got ${params.slideMs} with sizeMs ${params.sizeMs}; a slide larger than the size would leave records in no window`,
        });
      if (!Number.isSafeInteger(offset))
        problems.push({ field: 'offsetMs', message: `must be an integer number of milliseconds, got ${offset}` });
      else if (positiveInteger(params.slideMs) && Math.abs(offset) >= params.slideMs)
        problems.push({
          field: 'offsetMs',
          message: `must be smaller than slideMs in magnitude (|offsetMs| < slideMs), got ${offset} with slideMs ${params.slideMs}; an offset of ${floorMod(offset, params.slideMs)} gives the same windows`,
        });
      break;
    }
    case 'session':
      positive('gapMs', params.gapMs, ' number of milliseconds');
      break;
    case 'count':
      positive('size', params.size, '');
      if (params.slide !== undefined) positive('slide', params.slide, '');
      break;
  }
  return problems;
}

function throwOnProblems(kind: string, problems: AssignerProblem[]): void {
  if (problems.length > 0)
    throw new Error(`${kind} windows: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`);
}
