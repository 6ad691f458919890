/**
 * `process` (SPEC §3, §4): Flink's KeyedProcessFunction. The user's module exports `processElement(value, ctx)` and
 * optionally `onTimer(timestamp, ctx)`; `ctx` adds keyed state, timers and `emit` to the usual fields.
 *
 * Records a call emits are buffered and passed downstream after the call returns, outside the `try`, so a failure
 * further down the graph is never blamed on this node, and a call that throws emits nothing (its state changes up
 * to the throw stay, as in Flink's heap state backend).
 *
 * Where SPEC §4 is silent this follows Flink: an event-time timer at or below the current watermark fires on the
 * next watermark advance; a processing-time timer in the past fires at the next processing-time tick; timers that
 * fall due together fire in order of time, then of the key's first-seen order; a timer registered from `onTimer`
 * that is already due fires in the same advance. That holds at end of input too (SPEC §2): the +∞ watermark fires
 * every event-time timer, including those `onTimer` registers meanwhile, as Flink's `advanceWatermark` loop does; a
 * chain of timers that re-register themselves fails after `MAX_TIMER_CHAIN_AT_END` instead of never ending. Then
 * the clock jumps to +∞ and the processing-time timers pending at that moment fire; ones registered while they fire
 * stay pending (see `ProcessState`).
 */
import type { Json } from '../pipeline/types.ts';
import { Operator, type OperatorEnv, type Output, type StateSize } from '../engine/operator.ts';
import { StreamRecord } from '../engine/record.ts';
import type { Timer, TimerQueue } from '../engine/timers.ts';
import { ProcessState, StateAccess, TimerAccess, type ProcessStateSnapshot } from '../engine/process-state.ts';
import { problem } from '../pipeline/errors.ts';
import { defineParams, type ParamsOf } from '../pipeline/schema.ts';
import { loadUdfModule, UdfContext, type UdfFunction } from '../udf/runtime.ts';
import { defineOperator } from './types.ts';

export const PORT_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]*$';
const RESERVED_PORTS = ['out', 'error', 'in'];

const params = defineParams({
  code: {
    kind: 'code',
    label: 'Module',
    description:
      'ctx.state.value/list/map(name) per key; ctx.timers.registerEventTime/deleteEventTime/registerProcessingTime/' +
      'deleteProcessingTime(ts), currentWatermark(), currentProcessingTime(); ctx.timeDomain in onTimer; ctx.emit(value, port)',
    exports: ['processElement'],
    optionalExports: ['onTimer'],
    signature: 'processElement(value, ctx): void; onTimer?(timestamp, ctx): void',
    template: [
      'export function processElement(value: Value, ctx: ProcessContext) {',
      "  const count = ctx.state.value('count', 0);",
      '  count.set(count.get() + 1);',
      '  ctx.timers.registerEventTime(ctx.timestamp + 60_000);',
      '  ctx.emit({ key: ctx.key, count: count.get() });',
      '}',
      '',
      'export function onTimer(timestamp: number, ctx: ProcessContext) {',
      "  ctx.state.value('count', 0).clear();",
      '}',
    ].join('\n'),
  },
  outputs: {
    kind: 'stringList',
    label: 'Extra outputs',
    default: [],
    itemPattern: PORT_NAME_PATTERN,
    itemPatternHint: 'is not a valid port name (a letter, then letters, digits, "_" or "-")',
    description: 'names of extra output ports; emit to them with ctx.emit(value, "name")',
  },
});

export type ProcessParams = ParamsOf<typeof params>;

/** The `ctx` of a `process` module. One object per node, updated in place before each call. */
export class ProcessContext extends UdfContext {
  readonly state: StateAccess;
  readonly timers: TimerAccess;
  /** In `onTimer`: which kind of timer fired (Flink's `TimeDomain`); `null` in `processElement`. */
  timeDomain: 'event' | 'processing' | null = null;
  /** `emit(value, port = "out")`: sends a record with the current key and timestamp. */
  readonly emit: (value: unknown, port?: string) => void;

  constructor(env: OperatorEnv, owner: ProcessOperator, state: ProcessState) {
    super(env);
    this.state = new StateAccess(state);
    this.timers = new TimerAccess(state, env.processingTime, () => owner.watermark);
    this.emit = (value, port) => owner.collect(value, port);
  }
}

export class ProcessOperator extends Operator {
  private readonly processFn: UdfFunction;
  private readonly timerFn: UdfFunction | null;
  private readonly state = new ProcessState();
  private readonly ctx: ProcessContext;
  private readonly out: Output;
  /** Records emitted by the running call: their ports and values, flushed after it returns. */
  private readonly pendingPorts: Output[] = [];
  private readonly pendingValues: unknown[] = [];

  constructor(env: OperatorEnv<ProcessParams>) {
    super(env);
    const functions = loadUdfModule(env, env.node.params.code, 'params.code', ['processElement'], ['onTimer']);
    this.processFn = functions.processElement!;
    this.timerFn = functions.onTimer ?? null;
    this.ctx = new ProcessContext(env, this, this.state);
    this.out = this.output('out');
  }

  /** Called through `ctx.emit` while a UDF runs. */
  collect(value: unknown, port?: string): void {
    const output = port === undefined || port === 'out' ? this.out : this.outputs.get(port);
    if (output === undefined)
      throw new Error(
        `emit to unknown port ${JSON.stringify(port)}; this node's ports are ${[...this.outputs.keys()].join(', ')}`,
      );
    if (value === undefined) throw new TypeError('emit needs a JSON value (null is allowed), got undefined');
    this.pendingPorts.push(output);
    this.pendingValues.push(value);
  }

  processElement(record: StreamRecord): void {
    const ctx = this.ctx;
    ctx.update(record.key, record.timestamp, this.watermark);
    ctx.timeDomain = null;
    this.state.select(record.key, record.keyRef);
    try {
      this.env.budget.begin();
      this.processFn(record.value, ctx);
    } catch (err) {
      this.state.release();
      this.discardPending();
      return this.handleError(err, record);
    }
    this.state.release();
    const ports = this.pendingPorts;
    if (ports.length === 0) return;
    const values = this.pendingValues;
    for (let i = 0; i < ports.length; i++) ports[i]!.emit(record.withValue(values[i]));
    this.discardPending();
  }

  override onWatermark(watermark: number): void {
    this.fireDue(this.state.eventTimers, watermark, 'event');
  }

  override onProcessingTime(time: number): void {
    this.fireDue(this.state.processingTimers, time, 'processing');
  }

  private fireDue(queue: TimerQueue, time: number, domain: 'event' | 'processing'): void {
    const final = time === Infinity;
    if (final) this.state.beginFinalFlush(queue);
    try {
      let timer: Timer | undefined;
      while ((timer = queue.pollDue(time)) !== undefined) this.fire(timer, domain);
    } finally {
      if (final) this.state.endFinalFlush();
    }
  }

  private fire(timer: Timer, domain: 'event' | 'processing'): void {
    this.state.selectTimer(timer);
    const fn = this.timerFn;
    if (fn !== null) {
      const ctx = this.ctx;
      ctx.update(timer.key, timer.time, this.watermark);
      ctx.timeDomain = domain;
      try {
        this.env.budget.begin();
        fn(timer.time, ctx);
      } catch (err) {
        this.state.release();
        this.discardPending();
        return this.handleError(err, new StreamRecord(timer.key, null, timer.time), { timer: timer.time });
      }
    }
    this.state.release();
    const ports = this.pendingPorts;
    if (ports.length === 0) return;
    const values = this.pendingValues;
    for (let i = 0; i < ports.length; i++) ports[i]!.emit(new StreamRecord(timer.key, values[i], timer.time));
    this.discardPending();
  }

  private discardPending(): void {
    this.pendingPorts.length = 0;
    this.pendingValues.length = 0;
  }

  override snapshotState(): Json {
    return this.state.snapshot(this.env.maxParallelism) as unknown as Json;
  }

  override restoreState(state: Json): void {
    this.state.restore(state as unknown as ProcessStateSnapshot);
  }

  override stateSize(): StateSize {
    return { keys: this.state.size, timers: this.state.timerCount };
  }
}

/** The extra port names as given (the editor asks for ports while params are still being typed). */
function outputNames(params: Record<string, unknown>): string[] {
  const outputs = params.outputs;
  return Array.isArray(outputs) ? outputs.filter((name): name is string => typeof name === 'string') : [];
}

/** Each extra port once, reserved names left out, so an invalid list never yields two ports of one name. */
function extraPorts(params: Record<string, unknown>): string[] {
  return [...new Set(outputNames(params))].filter((name) => !RESERVED_PORTS.includes(name));
}

export const keyedProcess = defineOperator({
  type: 'process',
  label: 'Process',
  category: 'Keyed',
  description: 'Your own keyed logic with per-key state, event- and processing-time timers and extra outputs.',
  role: 'transform',
  keyed: true,
  inputs: [{ name: 'in', required: true }],
  outputs: (params) => ['out', ...extraPorts(params), 'error'],
  params,
  validate(params, ctx) {
    const seen = new Set<string>();
    params.outputs.forEach((name, i) => {
      const path = `${ctx.path}.outputs[${i}]`;
      if (RESERVED_PORTS.includes(name))
        ctx.problems.push(
          problem(
            path,
            'E_PATTERN',
            `"${name}" is reserved; name extra outputs something other than ${RESERVED_PORTS.join(', ')}`,
          ),
        );
      else if (seen.has(name))
        ctx.problems.push(problem(path, 'E_DUPLICATE_ID', `the port name "${name}" is given twice`));
      seen.add(name);
    });
  },
  create: (env) => new ProcessOperator(env),
});
