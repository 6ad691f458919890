/**
 * Per-key rows from an operator's state snapshot (SPEC §6), for the state view. Keyed state snapshots as
 * `{ nextSeq, groups: { keyGroup: [[key, seq, state], …] } }` (shared/engine/keyed.ts); timer queues as lists of
 * `[time, key, seq, namespace]`. The common state shapes are made readable (window panes, process state); anything
 * else is shown as it is.
 */
import { keyIdOf } from '../../../../shared/engine/record.ts';
import type { Key } from '../../../../shared/pipeline/types.ts';

export interface KeyStateRow {
  key: Key;
  keyGroup: number;
  /** First-seen order of the key. */
  seq: number;
  state: unknown;
  /** Pending timers of the key, by the name of the queue (`timers`, `eventTimers`…). */
  timers: Record<string, number[]>;
}

export interface StateView {
  rows: KeyStateRow[];
  /** Whether anything keyed was found; otherwise show the raw snapshot. */
  keyed: boolean;
}

type Triple = [Key, number, unknown];

function isKeyedSnapshot(v: unknown): v is { nextSeq: number; groups: Record<string, Triple[]> } {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  if (typeof o.nextSeq !== 'number' || o.groups === null || typeof o.groups !== 'object') return false;
  return Object.values(o.groups as object).every(
    (list) => Array.isArray(list) && list.every((t) => Array.isArray(t) && t.length === 3),
  );
}

function isTimerList(v: unknown): v is Array<[number, Key, number, string]> {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((t) => Array.isArray(t) && t.length === 4 && (typeof t[0] === 'number' || typeof t[0] === 'string'))
  );
}

function decodeTime(t: unknown): number {
  return t === '+inf' ? Infinity : t === '-inf' ? -Infinity : (t as number);
}

/** Window panes `[[start, end, accumulator]]` and process state `{ v, l, m }` in readable form. */
export function readableState(state: unknown): unknown {
  if (
    Array.isArray(state) &&
    state.length > 0 &&
    state.every((p) => Array.isArray(p) && p.length === 3 && typeof p[0] === 'number' && typeof p[1] === 'number')
  ) {
    return state.map(([start, end, accumulator]) => ({ window: `[${start}, ${end})`, accumulator }));
  }
  if (state !== null && typeof state === 'object' && !Array.isArray(state)) {
    const o = state as Record<string, unknown>;
    const keys = Object.keys(o).sort().join(',');
    if (keys === 'l,m,v' && [o.v, o.l, o.m].every(Array.isArray)) {
      const result: Record<string, unknown> = {};
      for (const [name, value] of o.v as Array<[string, unknown]>) result[name] = value;
      for (const [name, list] of o.l as Array<[string, unknown[]]>) result[name] = list;
      for (const [name, entries] of o.m as Array<[string, Array<[Key, unknown]>]>)
        result[name] = Object.fromEntries(entries.map(([k, v]) => [typeof k === 'string' ? k : JSON.stringify(k), v]));
      return result;
    }
  }
  return state;
}

/** Rows per key from a node's snapshot; timers are attached to their key. */
export function stateRows(snapshot: unknown): StateView {
  const rows = new Map<string, KeyStateRow>();
  const timers: Array<[string, unknown[]]> = [];
  let keyed = false;
  const visit = (value: unknown, name: string, depth: number) => {
    if (depth > 3 || value === null || typeof value !== 'object') return;
    if (isKeyedSnapshot(value)) {
      keyed = true;
      for (const [group, triples] of Object.entries(value.groups)) {
        for (const [key, seq, state] of triples) {
          const id = keyIdOf(key);
          const existing = rows.get(id);
          const readable = readableState(state);
          if (existing) existing.state = { ...(existing.state as object), [name]: readable };
          else rows.set(id, { key, keyGroup: Number(group), seq, state: readable, timers: {} });
        }
      }
      return;
    }
    if (isTimerList(value)) {
      timers.push([name, value]);
      return;
    }
    if (!Array.isArray(value)) for (const [k, v] of Object.entries(value)) visit(v, k, depth + 1);
  };
  visit(snapshot, 'state', 0);
  for (const [name, list] of timers) {
    for (const timer of list as Array<[unknown, Key]>) {
      const row = rows.get(keyIdOf(timer[1]));
      if (row) (row.timers[name] ??= []).push(decodeTime(timer[0]));
    }
  }
  return { rows: [...rows.values()].sort((a, b) => a.seq - b.seq), keyed };
}
