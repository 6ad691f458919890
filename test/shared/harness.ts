/**
 * A one-operator test harness in the style of Flink's WindowOperatorTest: a pipeline of one source per input port →
 * the operator under test → one sink per output port, fed step by step (records, watermark markers, processing
 * time, end of input), with the records each step emits asserted right after it.
 *
 * `checkSteps` runs the steps twice: straight through, and again with a snapshot → JSON round trip → fresh engine
 * → restore before every step, demanding the same output at every step (SPEC §6). With `leakCheck`, the operator
 * must hold no keys and no timers once the steps (which should end with `endOfInput()`) are done.
 */
import { expect } from 'vitest';
import { Engine, type EngineOptions, type EngineSnapshot } from '../../shared/engine/engine.ts';
import type { EngineObserver, StateSize, WindowEvent } from '../../shared/engine/operator.ts';
import { OPERATORS, operatorFor } from '../../shared/operators/registry.ts';
import type { Json, Key, PipelineDoc } from '../../shared/pipeline/types.ts';
import { OP, operatorPipeline, sourceId, type OperatorSpec } from './operator-pipeline.ts';
import { failureOf, harnessRecorder, type HarnessStepCapture } from './scenario-recorder.ts';

export { OP, operatorPipeline, type OperatorSpec };

export type Input =
  | { kind: 'record'; port: string; key: Key; value: Json; timestamp: number }
  | { kind: 'watermark'; port: string | null; watermark: number }
  | { kind: 'processingTime'; time: number }
  | { kind: 'end' };

/** A record that reached the sink of one output port of the operator. */
export interface Emitted {
  port: string;
  key: Key;
  value: unknown;
  timestamp: number;
}

/** One step: what goes in, what must come out during it, and optionally the operator's state size after it. */
export type Step = [input: Input, expected: Emitted[], state?: StateSize];

export function record(key: Key, value: Json, timestamp: number, port = 'in'): Input {
  return { kind: 'record', port, key, value, timestamp };
}

/** A watermark marker on the source of `port`, or on every source when no port is given. */
export function watermark(watermark: number, port: string | null = null): Input {
  return { kind: 'watermark', port, watermark };
}

export function processingTime(time: number): Input {
  return { kind: 'processingTime', time };
}

export function endOfInput(): Input {
  return { kind: 'end' };
}

export function emitted(port: string, key: Key, value: unknown, timestamp: number): Emitted {
  return { port, key, value, timestamp };
}

export function out(key: Key, value: unknown, timestamp: number): Emitted {
  return emitted('out', key, value, timestamp);
}

export interface HarnessOptions extends Omit<EngineOptions, 'operators' | 'sink' | 'observer'> {
  /** Collect the operator's window events (open, fire, purge, late) in `events`. */
  observeWindows?: boolean;
}

export class OperatorHarness {
  engine: Engine;
  readonly pipeline: PipelineDoc;
  readonly events: WindowEvent[] = [];
  private readonly inputs: readonly string[];
  private emittedNow: Emitted[] = [];
  private readonly options: EngineOptions;
  /** Records every step for test/fixtures/semantics/export.ts when WEIR_EXPORT_SEMANTICS is set (scenario-recorder.ts). */
  private readonly recorder: ((step: HarnessStepCapture) => void) | undefined;

  constructor(spec: OperatorSpec, options: HarnessOptions = {}) {
    this.pipeline = operatorPipeline(spec);
    this.recorder = harnessRecorder(JSON.parse(JSON.stringify(spec)), options.udfBudgetMs);
    this.inputs = operatorFor(spec.type)!.inputs.map((p) => p.name);
    const { observeWindows, ...engineOptions } = options;
    const events = this.events;
    const observer: EngineObserver | undefined = observeWindows
      ? { window: (nodeId, event) => nodeId === OP && events.push(event) }
      : undefined;
    this.options = {
      operators: OPERATORS,
      ...engineOptions,
      ...(observer ? { observer } : {}),
      sink: (sink, rec) =>
        this.emittedNow.push({
          port: sink.slice('sink_'.length),
          key: rec.key,
          value: rec.value,
          timestamp: rec.timestamp,
        }),
    };
    this.engine = new Engine(this.pipeline, this.options);
  }

  /** Feeds one input and returns the records the operator emitted because of it. */
  push(input: Input): Emitted[] {
    if (!this.recorder) return this.feed(input);
    let emitted: Emitted[];
    try {
      emitted = this.feed(input);
    } catch (err) {
      this.recorder({ input, emitted: this.emittedNow, ...(failureOf(err) ? { failure: failureOf(err) } : {}) });
      throw err;
    }
    this.recorder({ input, emitted });
    return emitted;
  }

  private feed(input: Input): Emitted[] {
    this.emittedNow = [];
    switch (input.kind) {
      case 'record':
        this.engine
          .source(sourceId(input.port))
          .ingestSample({ key: input.key, value: input.value, timestamp: input.timestamp });
        break;
      case 'watermark':
        for (const port of input.port === null ? this.inputs : [input.port])
          this.engine.source(sourceId(port)).ingestSample({ watermark: input.watermark });
        break;
      case 'processingTime':
        this.engine.advanceProcessingTime(input.time);
        break;
      case 'end':
        this.engine.endOfInput();
        break;
    }
    return this.emittedNow;
  }

  stateSize(): StateSize {
    return this.engine.stateSize()[OP]!;
  }

  /** The engine's snapshot after a JSON round trip; also checks that the operator's own state survives JSON as it is. */
  snapshot(): EngineSnapshot {
    const raw = this.engine.operator(OP)!.snapshotState();
    expect(JSON.parse(JSON.stringify(raw)), 'operator state is plain JSON').toStrictEqual(raw);
    return JSON.parse(JSON.stringify(this.engine.snapshot())) as EngineSnapshot;
  }

  /** Replaces the engine by a fresh one restored from a snapshot of this one. */
  restart(): void {
    const before = this.stateSize();
    const snapshot = this.snapshot();
    this.engine = new Engine(this.pipeline, this.options);
    this.engine.restore(snapshot);
    expect(this.stateSize(), 'state size after restore').toEqual(before);
  }
}

function describeInput(input: Input): string {
  switch (input.kind) {
    case 'record':
      return `record ${JSON.stringify(input.key)}=${JSON.stringify(input.value)}@${input.timestamp} on ${input.port}`;
    case 'watermark':
      return `watermark ${input.watermark}${input.port === null ? '' : ` on ${input.port}`}`;
    case 'processingTime':
      return `processing time ${input.time}`;
    case 'end':
      return 'end of input';
  }
}

export interface CheckOptions extends HarnessOptions {
  /** Demand zero keys and zero timers after the last step (windows with finite lateness, joins). */
  leakCheck?: boolean;
}

function runAll(
  spec: OperatorSpec,
  steps: readonly Step[],
  options: CheckOptions,
  restoreEveryStep: boolean,
): OperatorHarness {
  const { leakCheck, ...harnessOptions } = options;
  const harness = new OperatorHarness(spec, harnessOptions);
  const mode = restoreEveryStep ? 'restored before every step' : 'uninterrupted';
  steps.forEach(([input, expected, state], i) => {
    if (restoreEveryStep) harness.restart();
    expect(harness.push(input), `${mode}, step ${i}: ${describeInput(input)}`).toEqual(expected);
    if (state !== undefined) expect(harness.stateSize(), `${mode}, state after step ${i}`).toEqual(state);
  });
  if (leakCheck) expect(harness.stateSize(), `${mode}: state left after the last step`).toEqual({ keys: 0, timers: 0 });
  return harness;
}

/** Runs the steps uninterrupted, then with a restore before every step; both must emit exactly `expected` per step. */
export function checkSteps(spec: OperatorSpec, steps: readonly Step[], options: CheckOptions = {}): OperatorHarness {
  const harness = runAll(spec, steps, options, false);
  runAll(spec, steps, options, true);
  return harness;
}

/** The restore variant alone. */
export function checkStepsWithRestore(
  spec: OperatorSpec,
  steps: readonly Step[],
  options: CheckOptions = {},
): OperatorHarness {
  return runAll(spec, steps, options, true);
}
