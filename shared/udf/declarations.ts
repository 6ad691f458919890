/**
 * Type declarations for authors of user code (SPEC §4), as text: the code editor adds them to its TypeScript
 * service so that `ctx.` completes and a misspelt `ctx.state.vlaue` is underlined. They describe what the runtime in
 * `shared/udf/runtime.ts` and the operators pass in; they are never compiled into the engine.
 *
 * The names are global (a script, not a module) because user modules may not import anything.
 */
export const UDF_DECLARATIONS_PATH = 'file:///weir/udf.d.ts';

export const UDF_DECLARATIONS = `/** A record key (SPEC §2): a JSON scalar or null. Keys are equal when their JSON encodings are equal. */
type Key = null | boolean | number | string;

/** A JSON value: what records, state and results hold. */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The second argument of every user function. */
interface Context {
  /** The record's key: set by the nearest keyBy upstream, else the key it had at the source (null when none). */
  readonly key: Key;
  /** The record's event time, in milliseconds. */
  readonly timestamp: number;
  /** The node's current watermark (event time it has reached); -Infinity before the first watermark, Infinity after end of input. */
  readonly watermark: number;
  /** The id of the node running this code. */
  readonly nodeId: string;
  /** Writes a line to the node's log: shown under the node in the editor, logged on the server. */
  log(...args: unknown[]): void;
}

/** A single value per key, kept in checkpoints. */
interface ValueState<T = Json> {
  /** The stored value, or the initial value given to ctx.state.value(name, initial) when none was set. */
  get(): T;
  set(value: T): void;
  clear(): void;
}

/** A list per key, kept in checkpoints. */
interface ListState<T = Json> {
  get(): T[];
  add(value: T): void;
  clear(): void;
}

/** A map per key, kept in checkpoints. Map keys are JSON scalars, equal when their JSON encodings are. */
interface MapState<V = Json, K extends Key = Key> {
  get(key: K): V | undefined;
  has(key: K): boolean;
  set(key: K, value: V): void;
  delete(key: K): void;
  entries(): Array<[K, V]>;
  clear(): void;
}

/** Per-key state by name. Values must be JSON values (they are snapshotted). */
interface StateAccess {
  value<T = Json>(name: string, initial?: T): ValueState<T>;
  list<T = Json>(name: string): ListState<T>;
  map<V = Json, K extends Key = Key>(name: string): MapState<V, K>;
}

/** Timers per key: at most one per key and timestamp. */
interface TimerService {
  /** Calls onTimer when the node's watermark reaches \`timestamp\`. */
  registerEventTime(timestamp: number): void;
  deleteEventTime(timestamp: number): void;
  /** Calls onTimer when processing time reaches \`timestamp\` (in simulation: the event time being processed). */
  registerProcessingTime(timestamp: number): void;
  deleteProcessingTime(timestamp: number): void;
}

/** \`ctx\` of a process operator: adds keyed state, timers and emit. */
interface ProcessContext extends Context {
  readonly state: StateAccess;
  readonly timers: TimerService;
  /** Emits a record with the current key; its timestamp is the input's (or the timer's, from onTimer). */
  emit(value: Json, port?: string): void;
}

/** A pane of a time window: [start, end), its last instant is end - 1. */
interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** \`ctx\` of a window's process aggregate: the key and window being fired (null for count windows). */
interface WindowContext extends Context {
  readonly window: TimeWindow | null;
}

/** The module of a process operator: \`export function processElement(value, ctx) { … }\`. */
interface ProcessModule<V = any> {
  processElement(value: V, ctx: ProcessContext): void;
  onTimer?(timestamp: number, ctx: ProcessContext): void;
}

/**
 * The module of an \`aggregate\` aggregate: \`export function createAccumulator() { … }\` and so on.
 * merge is required under session windows, where panes merge.
 */
interface AggregateModule<Acc = any, V = any, R = any> {
  createAccumulator(): Acc;
  add(accumulator: Acc, value: V): Acc;
  getResult(accumulator: Acc): R;
  merge?(a: Acc, b: Acc): Acc;
}
`;
