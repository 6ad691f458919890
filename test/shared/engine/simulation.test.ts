import { describe, it, expect } from 'vitest';
import { Simulation, simulate } from '../../../shared/engine/simulation.ts';
import type { Sample } from '../../../shared/pipeline/types.ts';
import { node, pipeline, records, sink, source } from './pipelines.ts';
import { OPERATORS } from '../../../shared/operators/registry.ts';

/** Sources A and B (A listed first) into one sink. */
function twoSources(a: Sample[], b: Sample[], params: Record<string, unknown> = {}) {
  return pipeline(
    [source('A', a, params), source('B', b, params), sink()],
    [
      { from: 'A', to: 'out' },
      { from: 'B', to: 'out' },
    ],
  );
}

describe('simulation', () => {
  it('interleaves sources by the event time of their next sample, ties going to the source listed first', () => {
    const a = records([10, 'a10'], [30, 'a30'], [30, 'a30 again']);
    const b = records([5, 'b5'], [30, 'b30'], [40, 'b40']);
    const outputs = simulate(twoSources(a, b), { operators: OPERATORS }).outputs;
    expect(outputs.map((o) => o.value)).toEqual(['b5', 'a10', 'a30', 'a30 again', 'b30', 'b40']);
  });

  it('keeps each source in its own array order even when its event times go backwards', () => {
    const a = records([50, 'a50'], [1, 'a1']);
    const b = records([20, 'b20'], [60, 'b60']);
    const outputs = simulate(twoSources(a, b), { operators: OPERATORS }).outputs;
    // a1 cannot overtake a50; once a50 is taken (after b20), a1 is the smallest next sample.
    expect(outputs.map((o) => o.value)).toEqual(['b20', 'a50', 'a1', 'b60']);
  });

  it('orders a watermark marker by its watermark value', () => {
    const a: Sample[] = [{ watermark: 20 }, { timestamp: 25, value: 'a25' }];
    const b = records([10, 'b10'], [22, 'b22']);
    const log: string[] = [];
    simulate(twoSources(a, b), {
      operators: OPERATORS,
      observer: {
        record: (id, port, r) => id !== 'out' && port === 'out' && log.push(`record ${r.value}`),
        watermark: (id, wm) => (id === 'A' || id === 'B') && log.push(`${id} watermark ${wm}`),
      },
    });
    expect(log).toEqual([
      'record b10',
      'B watermark 9',
      'A watermark 20',
      'record b22',
      'B watermark 21',
      'record a25',
      'A watermark 24',
      'A watermark Infinity',
      'B watermark Infinity',
    ]);
  });

  it('processes each record through the whole graph before the next one arrives', () => {
    const log: string[] = [];
    const doc = pipeline(
      [
        source('s', records([1, 'x'], [2, 'y'])),
        node('m1', 'map', { code: 'export default (v) => v + "!";' }),
        node('m2', 'map', { code: 'export default (v) => v + "?";' }),
        sink(),
      ],
      [
        { from: 's', to: 'm1' },
        { from: 'm1', to: 'm2' },
        { from: 'm2', to: 'out' },
      ],
    );
    simulate(doc, {
      operators: OPERATORS,
      observer: { record: (id, port, r) => port === 'out' && log.push(`${id}:${r.value}`) },
    });
    expect(log).toEqual(['s:x', 'm1:x!', 'm2:x!?', 's:y', 'm1:y!', 'm2:y!?']);
  });

  it('runs a virtual processing-time clock that follows the event time of each record, never backwards', () => {
    const samples: Sample[] = [
      { timestamp: 100, value: 1 },
      { timestamp: 50, value: 2 },
      { watermark: 500 },
      { timestamp: 300, value: 3 },
    ];
    const sim = new Simulation(pipeline([source('s', samples), sink()], [{ from: 's', to: 'out' }]), {
      operators: OPERATORS,
    });
    const clock: number[] = [];
    while (sim.step()) clock.push(sim.engine.processingTime());
    expect(clock).toEqual([100, 100, 100, 300]);
    sim.finish();
    expect(sim.engine.processingTime()).toBe(Infinity);
  });

  it('at end of input holds event-time timers until every source reaches +∞, then fires processing-time timers', () => {
    const code = `
      export function processElement(value: string, ctx: ProcessContext) {
        ctx.timers.registerEventTime(ctx.timestamp + 1);
        ctx.timers.registerProcessingTime(1_000_000 - ctx.timestamp);
      }
      export function onTimer(timestamp: number, ctx: ProcessContext) {
        ctx.emit(\`\${ctx.timeDomain} \${timestamp} wm \${ctx.watermark}\`);
      }`;
    const doc = pipeline(
      [
        source('A', records([10, 'a', 'a'])),
        source('B', records([20, 'b', 'b'])),
        node('p', 'process', { code }),
        sink(),
      ],
      [
        { from: 'A', to: 'p' },
        { from: 'B', to: 'p' },
        { from: 'p', to: 'out' },
      ],
    );
    const outputs = simulate(doc, { operators: OPERATORS }).outputs;
    // After B's record the node watermark is min(9, 19) = 9: neither timer (11, 21) is due before end of input.
    expect(outputs.map((o) => o.value)).toEqual([
      'event 11 wm 19',
      'event 21 wm Infinity',
      'processing 999980 wm Infinity',
      'processing 999990 wm Infinity',
    ]);
  });

  it('stops after stopAfter samples without ending the input, and can be stepped and finished later', () => {
    const code = `
      export function processElement(value: string, ctx: ProcessContext) { ctx.timers.registerEventTime(ctx.timestamp + 100); }
      export function onTimer(timestamp: number, ctx: ProcessContext) { ctx.emit(timestamp); }`;
    const sim = new Simulation(
      pipeline(
        [source('s', records([1, 'x', 'k'], [2, 'y', 'k'])), node('p', 'process', { code }), sink()],
        [
          { from: 's', to: 'p' },
          { from: 'p', to: 'out' },
        ],
      ),
      { operators: OPERATORS, stopAfter: 1 },
    );
    expect(sim.run().samplesDone).toBe(1);
    expect(sim.isFinished).toBe(false);
    expect(sim.outputs).toEqual([]);
    expect(sim.step()).toBe(true);
    expect(sim.step()).toBe(false);
    expect(sim.outputs).toEqual([]);
    sim.finish();
    expect(sim.outputs.map((o) => o.value)).toEqual([101, 102]);
  });
});
