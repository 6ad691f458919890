import { describe, expect, it } from 'vitest';
import { Engine } from '../../../shared/engine/engine.ts';
import { keyGroupOf } from '../../../shared/engine/keyed.ts';
import type { Json, Key } from '../../../shared/pipeline/types.ts';
import { StreamRecord } from '../../../shared/engine/record.ts';
import {
  SessionWindowAssigner,
  TumblingWindowAssigner,
  type TimeWindowAssigner,
} from '../../../shared/engine/windows/assigners.ts';
import { ADDED, WindowCore, type Pane, type PaneFunction } from '../../../shared/engine/windows/core.ts';
import {
  CONTINUE,
  ContinuousEventTimeTrigger,
  CountTrigger,
  FIRE,
  FIRE_AND_PURGE,
  PURGE,
  PurgingTrigger,
  type Trigger,
  type TriggerContext,
  type TriggerResult,
  type TriggerWindow,
} from '../../../shared/engine/windows/triggers.ts';
import { OPERATORS } from '../../../shared/operators/registry.ts';
import { OP, operatorPipeline, sinkId, sourceId } from '../operator-pipeline.ts';

/** A pane that fired: its window, its values, and the watermark at which it fired. */
interface Firing {
  key: Key;
  window: [start: number, end: number];
  values: unknown[];
  watermark: number;
}

/** Panes keep their values in arrival order, as a `process` aggregate does. */
const values: PaneFunction = {
  createAccumulator: () => [],
  add: (acc, input) => [...(acc as unknown[]), input],
  merge: (a, b) => [...(a as unknown[]), ...(b as unknown[])],
};

/**
 * One window core under test, fed records and watermarks as an operator would, with a snapshot → JSON → fresh core
 * → restore available at any point (the state a trigger keeps must survive it).
 */
class CoreHarness {
  private readonly assigner: TimeWindowAssigner;
  private readonly trigger: Trigger;
  private readonly lateness: number;

  readonly fired: Firing[] = [];
  private watermark = -Infinity;
  core: WindowCore;

  constructor(assigner: TimeWindowAssigner, trigger: Trigger, lateness = 0) {
    this.assigner = assigner;
    this.trigger = trigger;
    this.lateness = lateness;
    this.core = this.create();
  }

  private create(): WindowCore {
    return new WindowCore({
      nodeId: 'op',
      assigner: this.assigner,
      trigger: this.trigger,
      fn: values,
      owner: {
        firePane: (key: Key, pane: Pane) => {
          const fired = { key, window: [pane.start, pane.end] as [number, number], values: pane.acc as unknown[] };
          this.fired.push({ ...fired, watermark: this.watermark });
        },
      },
      eventTime: true,
      allowedLateness: this.lateness,
      observer: null,
    });
  }

  add(key: Key, value: Json, timestamp: number): Firing[] {
    const before = this.fired.length;
    const status = this.core.add(new StreamRecord(key, value, timestamp), timestamp, this.watermark, value, 0);
    expect(status).toBe(ADDED);
    return this.fired.slice(before);
  }

  advance(watermark: number): Firing[] {
    const before = this.fired.length;
    this.watermark = watermark;
    this.core.advance(watermark);
    return this.fired.slice(before);
  }

  restart(): void {
    const state = JSON.parse(JSON.stringify(this.core.snapshot(128, this.watermark))) as Json;
    const size = this.core.stateSize();
    this.core = this.create();
    this.core.restore(state, this.watermark);
    expect(this.core.stateSize()).toEqual(size);
  }
}

const firing = (key: Key, start: number, end: number, vals: unknown[], watermark: number): Firing => ({
  key,
  window: [start, end],
  values: vals,
  watermark,
});

describe('trigger results', () => {
  it('are values: fire and purge are two bits, and a purging trigger turns every firing into fire-and-purge', () => {
    expect([CONTINUE, FIRE, PURGE, FIRE_AND_PURGE]).toEqual([0, 1, 2, 3]);
    const always: Trigger = {
      canMerge: false,
      onElement: () => FIRE,
      onEventTime: () => CONTINUE,
      onProcessingTime: () => PURGE,
      onMerge: () => {},
      clear: () => {},
    };
    const purging = new PurgingTrigger(always);
    const ctx = {} as TriggerContext;
    const window: TriggerWindow = { start: 0, end: 10 };
    const results: TriggerResult[] = [
      purging.onElement(null, 0, window, ctx),
      purging.onEventTime(0, window, ctx),
      purging.onProcessingTime(0, window, ctx),
    ];
    expect(results).toEqual([FIRE_AND_PURGE, CONTINUE, PURGE]);
    expect(purging.canMerge).toBe(false);
    expect(
      () =>
        new WindowCore({
          nodeId: 'op',
          assigner: new SessionWindowAssigner(10),
          trigger: purging,
          fn: values,
          owner: { firePane: () => {} },
          eventTime: true,
          allowedLateness: 0,
          observer: null,
        }),
    ).toThrow('session windows need a trigger that can merge');
  });
});

describe('a window core with a continuous event-time trigger', () => {
  it('fires a tumbling window early at every interval of event time, then at its end, leaving nothing', () => {
    for (const restoreEveryStep of [false, true]) {
      const h = new CoreHarness(new TumblingWindowAssigner(100), new ContinuousEventTimeTrigger(40));
      const step = <T>(run: () => T): T => {
        if (restoreEveryStep) h.restart();
        return run();
      };
      expect(step(() => h.add('a', 'p', 3))).toEqual([]);
      expect(step(() => h.add('a', 'q', 15))).toEqual([]);
      // The first record's interval ends at 40: an early firing, and the next one registered at 80.
      expect(step(() => h.advance(39))).toEqual([]);
      expect(step(() => h.advance(40))).toEqual([firing('a', 0, 100, ['p', 'q'], 40)]);
      expect(step(() => h.add('a', 'r', 50))).toEqual([]);
      expect(step(() => h.advance(80))).toEqual([firing('a', 0, 100, ['p', 'q', 'r'], 80)]);
      // At the window's end it fires as an event-time trigger does; clearing deletes the early timer at 120.
      expect(step(() => h.advance(99))).toEqual([firing('a', 0, 100, ['p', 'q', 'r'], 99)]);
      expect(h.core.stateSize()).toEqual({ keys: 0, timers: 0 });
      expect(step(() => h.advance(200))).toEqual([]);
    }
  });

  it('emits only what came since the last early firing when purging, and nothing from an empty pane', () => {
    const h = new CoreHarness(new TumblingWindowAssigner(100), new PurgingTrigger(new ContinuousEventTimeTrigger(40)));
    h.add('a', 'p', 3);
    h.add('a', 'q', 15);
    expect(h.advance(40)).toEqual([firing('a', 0, 100, ['p', 'q'], 40)]);
    h.add('a', 'r', 50);
    h.restart();
    expect(h.advance(80)).toEqual([firing('a', 0, 100, ['r'], 80)]);
    h.restart();
    // Purged and given nothing since: the firing at the end emits nothing, as Flink's does for an empty window.
    expect(h.advance(99)).toEqual([]);
    expect(h.core.stateSize()).toEqual({ keys: 0, timers: 0 });
  });

  it('merges the early firing time of sessions with the earliest, and fires the merged session at its end', () => {
    for (const restoreEveryStep of [false, true]) {
      const h = new CoreHarness(new SessionWindowAssigner(10), new ContinuousEventTimeTrigger(5));
      const step = <T>(run: () => T): T => {
        if (restoreEveryStep) h.restart();
        return run();
      };
      // [30, 40) fires early at 35, [50, 60) at 55; [40, 50) joins them into [30, 60), which keeps 35.
      step(() => h.add('a', 'x', 30));
      step(() => h.add('a', 'z', 50));
      step(() => h.add('a', 'y', 40));
      expect(h.core.stateSize()).toEqual({ keys: 1, timers: 2 });
      expect(step(() => h.advance(34))).toEqual([]);
      expect(step(() => h.advance(35))).toEqual([firing('a', 30, 60, ['x', 'z', 'y'], 35)]);
      // A session that grows at its end keeps its early timers: a jump of the watermark to 50 fires those at 40, 45
      // and 50; the jump to 62 those at 55 and 60, and the end of the grown session at 61.
      step(() => h.add('a', 'w', 52));
      expect(step(() => h.advance(50)).map((f) => f.values.length)).toEqual([4, 4, 4]);
      expect(step(() => h.advance(62))).toEqual([
        firing('a', 30, 62, ['x', 'z', 'y', 'w'], 62),
        firing('a', 30, 62, ['x', 'z', 'y', 'w'], 62),
        firing('a', 30, 62, ['x', 'z', 'y', 'w'], 62),
      ]);
      expect(h.core.stateSize()).toEqual({ keys: 0, timers: 0 });
    }
  });
});

describe('a window core with a count trigger on time windows', () => {
  it('fires on every second record of a pane and still drops the pane at its cleanup time', () => {
    const h = new CoreHarness(new TumblingWindowAssigner(10), new CountTrigger(2), 5);
    expect(h.add('a', 1, 1)).toEqual([]);
    expect(h.add('a', 2, 2)).toEqual([firing('a', 0, 10, [1, 2], -Infinity)]);
    expect(h.add('b', 3, 3)).toEqual([]);
    h.restart();
    expect(h.add('a', 4, 4)).toEqual([]);
    expect(h.add('a', 5, 5)).toEqual([firing('a', 0, 10, [1, 2, 4, 5], -Infinity)]);
    expect(h.core.stateSize()).toEqual({ keys: 2, timers: 2 });
    // No firing at the window's end: the count trigger registers no timer there.
    expect(h.advance(9)).toEqual([]);
    h.restart();
    expect(h.add('b', 6, 6)).toEqual([firing('b', 0, 10, [3, 6], 9)]);
    expect(h.advance(14)).toEqual([]);
    expect(h.core.stateSize()).toEqual({ keys: 0, timers: 0 });
  });

  it('refuses timers of the other time domain with a message that says why', () => {
    const processingTimer: Trigger = {
      canMerge: true,
      onElement: (_e, _t, window, ctx) => {
        ctx.registerProcessingTimeTimer(window.end - 1);
        return CONTINUE;
      },
      onEventTime: () => CONTINUE,
      onProcessingTime: () => FIRE,
      onMerge: () => {},
      clear: () => {},
    };
    const h = new CoreHarness(new TumblingWindowAssigner(10), processingTimer);
    expect(() => h.add('a', 1, 1)).toThrow('a processing-time timer was registered on windows of event time');
  });
});

describe('count windows keep the count trigger’s count in the snapshot form they always had', () => {
  /** One count-window operator in an engine of its own (the harness would record the run as a semantic scenario). */
  function countWindow(assigner: Record<string, unknown>) {
    const fired: unknown[] = [];
    const pipeline = operatorPipeline({ type: 'window', params: { assigner, aggregate: { kind: 'sum', field: 'v' } } });
    const sink = (id: string, rec: StreamRecord) => void (id === sinkId('out') && fired.push(rec.value));
    const engine = new Engine(pipeline, { operators: OPERATORS, sink });
    const push = (v: number) => engine.source(sourceId('in')).ingestSample({ key: 'a', value: { v }, timestamp: v });
    return { engine, fired, push };
  }
  const group = String(keyGroupOf('"a"', 128));

  it('files a purging pane as [count, accumulator] and fires one restored from that form on its last record', () => {
    const run = countWindow({ kind: 'count', size: 3 });
    run.push(1);
    run.push(2);
    const snapshot = run.engine.snapshot();
    expect(snapshot.nodes[OP]!.state).toEqual({ nextSeq: 1, groups: { [group]: [['a', 0, [2, 3]]] } });
    snapshot.nodes[OP]!.state = { nextSeq: 1, groups: { [group]: [['a', 0, [2, 40]]] } };
    const restored = countWindow({ kind: 'count', size: 3 });
    restored.engine.restore(snapshot);
    restored.push(5);
    expect(restored.fired).toEqual([{ key: 'a', window: null, result: 45 }]);
    expect(restored.engine.stateSize()[OP]).toEqual({ keys: 0, timers: 0 });
  });

  it('files an evicting pane as [count since it fired, recent values]', () => {
    const run = countWindow({ kind: 'count', size: 2, slide: 3 });
    for (const v of [1, 2, 3, 4]) run.push(v);
    expect(run.fired).toEqual([{ key: 'a', window: null, result: 5 }]);
    const state = { nextSeq: 1, groups: { [group]: [['a', 0, [1, [2, 3, 4]]]] } };
    expect(run.engine.snapshot().nodes[OP]!.state).toEqual(state);
  });
});
