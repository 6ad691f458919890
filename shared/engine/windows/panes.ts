/**
 * What the window core keeps per key and window: a `Pane` (the window's contents, and flags for its trigger) in a
 * `KeyPanes` per key. A periodic window's pane is also its own timer at `end - 1`, so opening a pane costs one
 * object, not two, and firing it needs no lookup.
 */
import type { Json, Key } from '../../pipeline/types.ts';
import type { Keyed } from '../keyed.ts';
import type { KeyRef } from '../record.ts';
import type { Timer } from '../timers.ts';

/** Pane flags: the trigger holds a timer at `end - 1` (in the core's time domain). */
export const END_TIMER = 1;
/** The trigger purged the pane's contents: a firing emits nothing, the next record starts a new accumulator. */
export const EMPTY = 2;

/** What a trigger keeps for a window besides the timer at its end: partitioned state and other timers. */
export interface TriggerHold {
  state: Record<string, Json> | null;
  /** Ascending. */
  timers: number[] | null;
}

/**
 * A window of one key. As its own timer, its key and namespace come from the pane, and `dead` says it is not in the
 * queue. What its trigger holds besides the timer at its end is kept beside it (`PaneTriggerContext.holds`): most
 * panes hold nothing.
 */
export class Pane implements Timer {
  public start: number;
  public end: number;
  public acc: unknown;
  readonly entry: KeyPanes;

  order = 0;
  dead = true;
  flags = 0;

  constructor(start: number, end: number, acc: unknown, entry: KeyPanes) {
    this.start = start;
    this.end = end;
    this.acc = acc;
    this.entry = entry;
  }

  get time(): number {
    return this.end - 1;
  }

  get key(): Key {
    return this.entry.key;
  }

  get keyRef(): KeyRef {
    return this.entry.keyRef;
  }

  get keySeq(): number {
    return this.entry.seq;
  }

  get namespace(): number {
    return this.start;
  }

  get sameKey(): undefined {
    return undefined;
  }
}

export function byStart(a: Pane, b: Pane): number {
  return a.start - b.start;
}

/** The merged accumulator of session panes (in start order) that a record joins; purged panes add nothing. */
export function mergedAccumulator(
  panes: readonly Pane[],
  fn: { createAccumulator(): unknown; merge(a: unknown, b: unknown): unknown },
): unknown {
  let acc: unknown;
  let any = false;
  for (let i = 0; i < panes.length; i++) {
    const pane = panes[i]!;
    if ((pane.flags & EMPTY) !== 0) continue;
    acc = any ? fn.merge(acc, pane.acc) : pane.acc;
    any = true;
  }
  return any ? acc : fn.createAccumulator();
}

/**
 * One key's live panes, by start (session panes of one key never share a start: they are disjoint), and the key's
 * keyed-state entry itself, so a key costs one object. Most keys hold one pane at a time (a tumbling window, a
 * session), so the first lives in a field and a map exists only for a key that holds several.
 */
export class KeyPanes implements Keyed {
  readonly key: Key;
  readonly keyRef: KeyRef;
  readonly seq: number;

  /** The pane the key's previous record went to: an in-order stream finds its pane without a map lookup. */
  last: Pane | null = null;
  private first: Pane | null = null;
  private more: Map<number, Pane> | null = null;

  constructor(key: Key, keyRef: KeyRef, seq: number) {
    this.key = key;
    this.keyRef = keyRef;
    this.seq = seq;
  }

  get size(): number {
    return (this.first !== null ? 1 : 0) + (this.more !== null ? this.more.size : 0);
  }

  get(start: number): Pane | undefined {
    const first = this.first;
    if (first !== null && first.start === start) return first;
    return this.more !== null ? this.more.get(start) : undefined;
  }

  set(start: number, pane: Pane): void {
    const first = this.first;
    if (first !== null ? first.start === start : this.more === null || !this.more.has(start)) this.first = pane;
    else (this.more ??= new Map()).set(start, pane);
  }

  delete(start: number): void {
    const first = this.first;
    if (first !== null && first.start === start) this.first = null;
    else if (this.more !== null) this.more.delete(start);
  }

  /** In order of start. */
  values(): Pane[] {
    const list: Pane[] = this.more !== null ? [...this.more.values()] : [];
    if (this.first !== null) list.push(this.first);
    return list.length > 1 ? list.sort(byStart) : list;
  }
}

/**
 * What a pane's snapshot adds to `[start, end, acc]` when its trigger holds more than the timer at its end, which a
 * trigger that fires at the end holds exactly while the end lies ahead (see `WindowCore.snapshot`).
 */
export interface PaneExtras {
  endTimer?: boolean;
  empty?: true;
  state?: Record<string, Json>;
  timers?: number[];
}

export function paneExtras(pane: Pane, hold: TriggerHold | undefined, endTimerByDefault: boolean): PaneExtras | null {
  let extras: PaneExtras | null = null;
  const endTimer = (pane.flags & END_TIMER) !== 0;
  if (endTimer !== endTimerByDefault) (extras ??= {}).endTimer = endTimer;
  if ((pane.flags & EMPTY) !== 0) (extras ??= {}).empty = true;
  if (hold?.state) (extras ??= {}).state = hold.state;
  if (hold?.timers) (extras ??= {}).timers = hold.timers;
  return extras;
}

/** Restores a pane's flags from its extras, and returns what its trigger holds, if anything. */
export function restorePaneExtras(
  pane: Pane,
  extras: PaneExtras | undefined,
  endTimerByDefault: boolean,
): TriggerHold | null {
  if (extras?.endTimer ?? endTimerByDefault) pane.flags |= END_TIMER;
  if (extras?.empty) pane.flags |= EMPTY;
  if (!extras?.state && !extras?.timers) return null;
  return { state: extras.state ?? null, timers: extras.timers ?? null };
}
