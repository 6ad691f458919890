import { describe, it, expect } from 'vitest';
import { Simulation, simulate } from '../../../shared/engine/simulation.ts';
import { PipelineFailure } from '../../../shared/engine/operator.ts';
import { PipelineBuildError } from '../../../shared/engine/engine.ts';
import type { ErrorPolicy, NodeDoc, Sample } from '../../../shared/pipeline/types.ts';
import type { ValidationProblem } from '../../../shared/pipeline/errors.ts';
import { keyedProcess } from '../../../shared/operators/process.ts';
import { MAX_TIMER_CHAIN_AT_END } from '../../../shared/engine/process-state.ts';
import { validateField } from '../../../shared/pipeline/schema.ts';
import { chain, node, pipeline, records, run, runWithCheckpoints, sink, source, triples } from '../engine/pipelines.ts';
import { OPERATORS } from '../../../shared/operators/registry.ts';

function processNode(code: string, params: Record<string, unknown> = {}, onError?: ErrorPolicy, id = 'p'): NodeDoc {
  return node(id, 'process', { code, ...params }, onError);
}

/** source → process → sink, with the error port routed to a second sink named `errors`. */
function withErrors(samples: ReturnType<typeof records>, code: string, onError: ErrorPolicy = 'route') {
  return pipeline(
    [source('s', samples), processNode(code, {}, onError), sink('out'), sink('errors')],
    [
      { from: 's', to: 'p' },
      { from: 'p', to: 'out' },
      { from: 'p', fromPort: 'error', to: 'errors' },
    ],
  );
}

describe('process: keyed state', () => {
  it('keeps a value state per key, and keys 1 and "1" are different keys', () => {
    const code = `
      export function processElement(value: string, ctx: ProcessContext) {
        const count = ctx.state.value<number>('count', 0);
        count.set(count.get() + 1);
        ctx.emit(\`\${value}:\${count.get()}\`);
      }`;
    const samples = records([1, 'a', 'u1'], [2, 'b', 'u2'], [3, 'c', 'u1'], [4, 'd', 1], [5, 'e', '1'], [6, 'f', 1]);
    const outputs = runWithCheckpoints(chain(source('s', samples), processNode(code), sink()));
    expect(triples(outputs)).toEqual([
      ['u1', 'a:1', 1],
      ['u2', 'b:1', 2],
      ['u1', 'c:2', 3],
      [1, 'd:1', 4],
      ['1', 'e:1', 5],
      [1, 'f:2', 6],
    ]);
  });

  it('returns the initial value while a value state is unset, and again after clear()', () => {
    const code = `
      export function processElement(value: string, ctx: ProcessContext) {
        const last = ctx.state.value('last', 'none');
        ctx.emit(last.get());
        if (value === 'clear') last.clear(); else last.set(value);
      }`;
    const outputs = run(
      chain(
        source('s', records([1, 'x', 'k'], [2, 'clear', 'k'], [3, 'y', 'k'], [4, 'z', 'k'])),
        processNode(code),
        sink(),
      ),
    );
    expect(outputs.map((o) => o.value)).toEqual(['none', 'x', 'none', 'y']);
  });

  it('keeps state values as copies, so mutating an object after set() or an initial object changes nothing', () => {
    const code = `
      export function processElement(value: string, ctx: ProcessContext) {
        const state = ctx.state.value('obj', { items: [] as string[] });
        const obj = state.get();
        obj.items.push(value);
        if (value !== 'unsaved') state.set(obj);
        obj.items.push('after-set');
        ctx.emit(state.get());
      }`;
    const samples = records([1, 'x', 'a'], [2, 'y', 'b'], [3, 'unsaved', 'a'], [4, 'z', 'a']);
    const outputs = runWithCheckpoints(chain(source('s', samples), processNode(code), sink()));
    expect(outputs.map((o) => o.value)).toEqual([
      { items: ['x'] },
      { items: ['y'] },
      { items: ['x'] },
      { items: ['x', 'z'] },
    ]);
  });

  it('appends to a list state per key and clears it', () => {
    const code = `
      export function processElement(value: string, ctx: ProcessContext) {
        const seen = ctx.state.list<string>('seen');
        if (value === 'flush') {
          ctx.emit(seen.get());
          seen.clear();
        } else {
          seen.add(value);
        }
      }`;
    const samples = records(
      [1, 'a', 'k'],
      [2, 'x', 'j'],
      [3, 'b', 'k'],
      [4, 'flush', 'k'],
      [5, 'flush', 'k'],
      [6, 'flush', 'j'],
    );
    const outputs = runWithCheckpoints(chain(source('s', samples), processNode(code), sink()));
    expect(triples(outputs)).toEqual([
      ['k', ['a', 'b'], 4],
      ['k', [], 5],
      ['j', ['x'], 6],
    ]);
  });

  it('keeps a map state per key with get, has, set, delete, entries and clear; map keys 1 and "1" differ', () => {
    const code = `
      export function processElement(value: { op: string; k?: any; v?: any }, ctx: ProcessContext) {
        const m = ctx.state.map('m');
        if (value.op === 'set') m.set(value.k, value.v);
        else if (value.op === 'delete') m.delete(value.k);
        else if (value.op === 'clear') m.clear();
        ctx.emit({ entries: m.entries(), one: m.get(1) ?? null, hasOne: m.has(1) });
      }`;
    const samples = records(
      [1, { op: 'set', k: 1, v: 'number' }, 'k'],
      [2, { op: 'set', k: '1', v: 'string' }, 'k'],
      [3, { op: 'set', k: 1, v: 'number again' }, 'k'],
      [4, { op: 'get' }, 'other'],
      [5, { op: 'delete', k: 1 }, 'k'],
      [6, { op: 'clear' }, 'k'],
    );
    const outputs = runWithCheckpoints(chain(source('s', samples), processNode(code), sink()));
    expect(outputs.map((o) => o.value)).toEqual([
      { entries: [[1, 'number']], one: 'number', hasOne: true },
      {
        entries: [
          [1, 'number'],
          ['1', 'string'],
        ],
        one: 'number',
        hasOne: true,
      },
      {
        entries: [
          [1, 'number again'],
          ['1', 'string'],
        ],
        one: 'number again',
        hasOne: true,
      },
      { entries: [], one: null, hasOne: false },
      { entries: [['1', 'string']], one: null, hasOne: false },
      { entries: [], one: null, hasOne: false },
    ]);
  });

  it('fails the record when state is given something that is not JSON, or a name is used for two kinds of state', () => {
    const code = `
      export function processElement(value: string, ctx: ProcessContext) {
        if (value === 'undefined') ctx.state.value('v').set(undefined);
        if (value === 'nan') ctx.state.list('l').add(NaN);
        if (value === 'kinds') { ctx.state.value('x'); ctx.state.list('x'); }
        if (value === 'objkey') ctx.state.map('m').set({ a: 1 }, 1);
        ctx.emit(value);
      }`;
    const samples = records(
      [1, 'undefined', 'k'],
      [2, 'nan', 'k'],
      [3, 'kinds', 'k'],
      [4, 'objkey', 'k'],
      [5, 'fine', 'k'],
    );
    const outputs = run(withErrors(samples, code));
    expect(triples(outputs, 'out')).toEqual([['k', 'fine', 5]]);
    const errors = outputs.filter((o) => o.sink === 'errors').map((o) => (o.value as { error: string }).error);
    expect(errors).toHaveLength(4);
    expect(errors[0]).toMatch(/must be a JSON value.*clear\(\)/);
    expect(errors[1]).toMatch(/must be a JSON value, got NaN/);
    expect(errors[2]).toMatch(/state "x" is value state/);
    expect(errors[3]).toMatch(/map state keys must be JSON scalars/);
  });

  it('removes a key whose state is all cleared and has no timers, and counts keys that still hold state', () => {
    const code = `
      export function processElement(value: string, ctx: ProcessContext) {
        if (value === 'stateless') return;
        const v = ctx.state.value('v');
        const l = ctx.state.list('l');
        const m = ctx.state.map('m');
        if (value === 'fill') { v.set(1); l.add(1); m.set('a', 1); ctx.timers.registerEventTime(1_000_000); }
        if (value === 'empty') { v.clear(); l.clear(); m.delete('a'); ctx.timers.deleteEventTime(1_000_000); }
      }`;
    const samples = records([1, 'fill', 'a'], [2, 'fill', 'b'], [3, 'stateless', 'c'], [4, 'empty', 'a']);
    const sim = new Simulation(chain(source('s', samples), processNode(code), sink()), { operators: OPERATORS });
    sim.run();
    // End of input fired b's timer, which did not clear b's value, list and map state.
    expect(sim.engine.stateSize().p).toEqual({ keys: 1, timers: 0 });

    const stepped = new Simulation(chain(source('s', samples), processNode(code), sink()), {
      operators: OPERATORS,
      stopAfter: 3,
    });
    stepped.run();
    expect(stepped.engine.stateSize().p).toEqual({ keys: 2, timers: 2 });
    stepped.step();
    expect(stepped.engine.stateSize().p).toEqual({ keys: 1, timers: 1 });
  });
});

describe('process: event-time timers', () => {
  const timerCode = `
    export function processElement(value: { at?: number; del?: number }, ctx: ProcessContext) {
      if (value.at !== undefined) ctx.timers.registerEventTime(value.at);
      if (value.del !== undefined) ctx.timers.deleteEventTime(value.del);
      ctx.emit(\`seen \${ctx.timestamp}\`);
    }
    export function onTimer(timestamp: number, ctx: ProcessContext) {
      ctx.emit(\`timer \${timestamp} wm \${ctx.watermark} \${ctx.timeDomain}\`);
    }`;

  it('fires a timer when the watermark reaches its timestamp (ts <= watermark), with the timer timestamp and key', () => {
    // Bounded with B = 0: the watermark after a record at t is t - 1.
    const samples = records([0, { at: 10 }, 'k'], [10, {}, 'k'], [11, {}, 'j']);
    const outputs = runWithCheckpoints(chain(source('s', samples), processNode(timerCode), sink()));
    expect(triples(outputs)).toEqual([
      ['k', 'seen 0', 0],
      ['k', 'seen 10', 10],
      ['j', 'seen 11', 11],
      ['k', 'timer 10 wm 10 event', 10],
    ]);
  });

  it('fires due timers in order of timestamp, then of the order their keys were first seen; one timer per key and time', () => {
    const samples = records(
      [1, { at: 100 }, 'b'],
      [2, { at: 100 }, 'a'],
      [3, { at: 100 }, 'c'],
      [4, { at: 50 }, 'c'],
      [5, { at: 100 }, 'a'],
    );
    const outputs = runWithCheckpoints(chain(source('s', samples), processNode(timerCode), sink()));
    expect(triples(outputs).filter(([, v]) => String(v).startsWith('timer'))).toEqual([
      ['c', 'timer 50 wm Infinity event', 50],
      ['b', 'timer 100 wm Infinity event', 100],
      ['a', 'timer 100 wm Infinity event', 100],
      ['c', 'timer 100 wm Infinity event', 100],
    ]);
  });

  it('does not fire a deleted timer, and deleting a timer that does not exist is harmless', () => {
    const samples = records(
      [1, { at: 20 }, 'k'],
      [2, { at: 30 }, 'k'],
      [3, { del: 20 }, 'k'],
      [4, { del: 999 }, 'j'],
      [5, { del: 20 }, 'k'],
    );
    const outputs = runWithCheckpoints(chain(source('s', samples), processNode(timerCode), sink()));
    expect(triples(outputs).filter(([, v]) => String(v).startsWith('timer'))).toEqual([
      ['k', 'timer 30 wm Infinity event', 30],
    ]);
  });

  it('fires a timer registered at or below the current watermark on the next watermark advance, as Flink does', () => {
    const samples = records([1000, {}, 'k'], [1001, { at: 500 }, 'k'], [1002, {}, 'k']);
    const outputs = runWithCheckpoints(chain(source('s', samples), processNode(timerCode), sink()));
    expect(triples(outputs)).toEqual([
      ['k', 'seen 1000', 1000],
      ['k', 'seen 1001', 1001],
      ['k', 'timer 500 wm 1000 event', 500],
      ['k', 'seen 1002', 1002],
    ]);
  });

  it('fires in the same watermark advance a timer that onTimer registers for a time already reached', () => {
    const code = `
      export function processElement(value: unknown, ctx: ProcessContext) {
        if (ctx.timestamp === 0) ctx.timers.registerEventTime(1000);
      }
      export function onTimer(timestamp: number, ctx: ProcessContext) {
        ctx.emit(timestamp);
        ctx.timers.registerEventTime(timestamp + 1000);
      }`;
    const samples = records([0, 'start', 'k'], [3500, 'later', 'k'], [9000, 'not fed', 'k']);
    const sim = new Simulation(chain(source('s', samples), processNode(code), sink()), {
      operators: OPERATORS,
      stopAfter: 2,
    });
    sim.run();
    expect(sim.outputs.map((o) => [o.value, o.timestamp])).toEqual([
      [1000, 1000],
      [2000, 2000],
      [3000, 3000],
    ]);
    expect(sim.engine.stateSize().p).toEqual({ keys: 1, timers: 1 });
  });

  it('at end of input also fires, in timestamp order, the event-time timers that onTimer registers while the +∞ watermark fires', () => {
    // Each timer of k registers the next one 1000 later, three in all, then one in the past; j has one timer at 2500.
    const code = `
      export function processElement(value: number, ctx: ProcessContext) {
        ctx.timers.registerEventTime(value);
      }
      export function onTimer(timestamp: number, ctx: ProcessContext) {
        ctx.emit(\`\${timestamp} wm \${ctx.watermark}\`);
        if (ctx.key !== 'k') return;
        if (timestamp === 1000 || timestamp === 2000) ctx.timers.registerEventTime(timestamp + 1000);
        if (timestamp === 3000) ctx.timers.registerEventTime(100);
      }`;
    const samples = records([0, 1000, 'k'], [1, 2500, 'j']);
    const outputs = runWithCheckpoints(chain(source('s', samples), processNode(code), sink()));
    expect(triples(outputs)).toEqual([
      ['k', '1000 wm Infinity', 1000],
      ['k', '2000 wm Infinity', 2000],
      ['j', '2500 wm Infinity', 2500],
      ['k', '3000 wm Infinity', 3000],
      ['k', '100 wm Infinity', 100],
    ]);
    const sim = new Simulation(chain(source('s', samples), processNode(code), sink()), { operators: OPERATORS });
    sim.run();
    expect(sim.engine.stateSize().p).toEqual({ keys: 0, timers: 0 });
  });

  it('at end of input fires the processing-time timers pending when the clock reaches +∞, not the ones their onTimer registers', () => {
    const code = `
      export function processElement(value: unknown, ctx: ProcessContext) {
        ctx.timers.registerEventTime(ctx.timestamp + 1000);
      }
      export function onTimer(timestamp: number, ctx: ProcessContext) {
        ctx.emit(\`\${ctx.timeDomain} \${timestamp}\`);
        ctx.timers.registerProcessingTime(timestamp + 500);
      }`;
    const result = simulate(chain(source('s', records([0, 'x', 'k'])), processNode(code), sink()), {
      operators: OPERATORS,
    });
    // The event-time timer registers the processing-time timer at 1500, which fires; the one it registers stays.
    expect(result.outputs.map((o) => o.value)).toEqual(['event 1000', 'processing 1500']);
    expect(result.engine.stateSize().p).toEqual({ keys: 1, timers: 1 });
  });

  it(`fails, under the node's onError, the onTimer that would make a chain of more than ${MAX_TIMER_CHAIN_AT_END} timers at end of input`, () => {
    const forever = `
      export function processElement(value: unknown, ctx: ProcessContext) {
        ctx.timers.registerEventTime(ctx.timestamp + 1000);
        ctx.timers.registerProcessingTime(ctx.timestamp + 1);
      }
      export function onTimer(timestamp: number, ctx: ProcessContext) {
        if (ctx.timeDomain === 'event') ctx.timers.registerEventTime(timestamp + 1000);
        ctx.emit(timestamp);
      }`;
    const result = simulate(withErrors(records([0, 'x', 'k']), forever), { operators: OPERATORS });
    // Timers 1000, 2000, … fire; the one at MAX * 1000 fails as it registers the next, and emits nothing.
    const fired = triples(result.outputs, 'out');
    const failed = MAX_TIMER_CHAIN_AT_END * 1000;
    expect(fired).toHaveLength(MAX_TIMER_CHAIN_AT_END);
    expect(fired[MAX_TIMER_CHAIN_AT_END - 2]).toEqual(['k', failed - 1000, failed - 1000]);
    // The processing-time timer still fires after the failed chain.
    expect(fired[MAX_TIMER_CHAIN_AT_END - 1]).toEqual(['k', 1, 1]);
    expect(triples(result.outputs, 'errors')).toEqual([
      [
        'k',
        { error: expect.stringMatching(/watermark is \+∞.*re-registers itself/), node: 'p', input: { timer: failed } },
        failed,
      ],
    ]);
    expect(result.engine.stateSize().p).toEqual({ keys: 0, timers: 0 });
    let failure: unknown;
    try {
      simulate(withErrors(records([0, 'x', 'k']), forever, 'fail'), { operators: OPERATORS });
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(PipelineFailure);
    expect((failure as PipelineFailure).input).toEqual({ timer: failed });
    expect((failure as PipelineFailure).reason).toContain(
      `after a chain of ${MAX_TIMER_CHAIN_AT_END} timers that each registered the next`,
    );
  });

  it('raises an alert when a user has had no activity for 30 s (inactivity timer pattern)', () => {
    const code = `
      export function processElement(event: { user: string; ts: number }, ctx: ProcessContext) {
        const deadline = ctx.state.value<number | undefined>('deadline');
        const previous = deadline.get();
        if (previous !== undefined) ctx.timers.deleteEventTime(previous);
        const next = ctx.timestamp + 30_000;
        ctx.timers.registerEventTime(next);
        deadline.set(next);
      }
      export function onTimer(timestamp: number, ctx: ProcessContext) {
        ctx.emit({ user: ctx.key, inactiveSince: timestamp - 30_000 });
        ctx.state.value('deadline').clear();
      }`;
    const events = [
      ['u1', 0],
      ['u2', 10_000],
      ['u1', 25_000],
      ['u3', 42_000],
      ['u1', 50_000],
      ['u3', 70_000],
      ['u2', 85_000],
    ].map(([user, ts]) => ({ value: { user, ts } }));
    const doc = chain(
      source('events', events, { timestamp: { from: 'field', field: 'ts' } }),
      node('byUser', 'keyBy', { field: 'user' }),
      processNode(code),
      sink(),
    );
    const outputs = runWithCheckpoints(doc);
    // u2 is idle 10 s → 40 s (seen when u3's event at 42 s moves the watermark to 41 999); u1 is idle from 50 s and
    // u2's event at 85 s moves the watermark past 80 s; u3 (70 s) and u2 (85 s) fire at end of input.
    expect(triples(outputs)).toEqual([
      ['u2', { user: 'u2', inactiveSince: 10_000 }, 40_000],
      ['u1', { user: 'u1', inactiveSince: 50_000 }, 80_000],
      ['u3', { user: 'u3', inactiveSince: 70_000 }, 100_000],
      ['u2', { user: 'u2', inactiveSince: 85_000 }, 115_000],
    ]);
    const sim = new Simulation(doc, { operators: OPERATORS });
    sim.run();
    expect(sim.engine.stateSize().p).toEqual({ keys: 0, timers: 0 });
  });
});

describe('process: processing-time timers', () => {
  const code = `
    export function processElement(value: { at?: number; del?: number }, ctx: ProcessContext) {
      if (value.at !== undefined) ctx.timers.registerProcessingTime(value.at);
      if (value.del !== undefined) ctx.timers.deleteProcessingTime(value.del);
      ctx.emit(\`seen \${ctx.timestamp} at \${ctx.timers.currentProcessingTime()}\`);
    }
    export function onTimer(timestamp: number, ctx: ProcessContext) {
      ctx.emit(\`\${ctx.timeDomain} timer \${timestamp} at \${ctx.timers.currentProcessingTime()}\`);
    }`;

  it('fires when the virtual clock (the event time of the record being processed) reaches the timer, before that record', () => {
    const samples = records([0, { at: 1500 }, 'k'], [1000, {}, 'k'], [2000, {}, 'k']);
    const outputs = runWithCheckpoints(chain(source('s', samples), processNode(code), sink()));
    expect(triples(outputs)).toEqual([
      ['k', 'seen 0 at 0', 0],
      ['k', 'seen 1000 at 1000', 1000],
      ['k', 'processing timer 1500 at 2000', 1500],
      ['k', 'seen 2000 at 2000', 2000],
    ]);
  });

  it('keeps processing time from going backwards and does not move it on watermark markers', () => {
    const samples: Sample[] = [
      { timestamp: 2000, value: { at: 2500 }, key: 'k' },
      { watermark: 9000 },
      { timestamp: 500, value: {}, key: 'k' },
      { timestamp: 3000, value: {}, key: 'k' },
    ];
    const outputs = run(chain(source('s', samples), processNode(code), sink()));
    expect(outputs.map((o) => o.value)).toEqual([
      'seen 2000 at 2000',
      'seen 500 at 2000',
      'processing timer 2500 at 3000',
      'seen 3000 at 3000',
    ]);
  });

  it('fires a processing-time timer registered in the past right after the record, and not a deleted one', () => {
    const samples = records([2000, { at: 100 }, 'k'], [2001, { at: 5000 }, 'k'], [2002, { del: 5000 }, 'k']);
    const outputs = runWithCheckpoints(chain(source('s', samples), processNode(code), sink()));
    expect(outputs.map((o) => o.value)).toEqual([
      'seen 2000 at 2000',
      'processing timer 100 at 2000',
      'seen 2001 at 2001',
      'seen 2002 at 2002',
    ]);
  });

  it('at end of input fires event-time timers first, in timestamp order, then processing-time timers', () => {
    const both = `
      export function processElement(value: { event: number; processing: number }, ctx: ProcessContext) {
        ctx.timers.registerEventTime(value.event);
        ctx.timers.registerProcessingTime(value.processing);
      }
      export function onTimer(timestamp: number, ctx: ProcessContext) {
        ctx.emit(\`\${ctx.timeDomain} \${timestamp}\`);
      }`;
    const samples = records([0, { event: 5000, processing: 1000 }, 'k'], [10, { event: 3000, processing: 2000 }, 'j']);
    const outputs = runWithCheckpoints(chain(source('s', samples), processNode(both), sink()));
    expect(triples(outputs)).toEqual([
      ['j', 'event 3000', 3000],
      ['k', 'event 5000', 5000],
      ['k', 'processing 1000', 1000],
      ['j', 'processing 2000', 2000],
    ]);
  });
});

describe('process: context and outputs', () => {
  it('gives processElement the key, timestamp, watermark, node id and clocks of the record', () => {
    const code = `
      export function processElement(value: unknown, ctx: ProcessContext) {
        ctx.emit({ key: ctx.key, ts: ctx.timestamp, wm: ctx.watermark, current: ctx.timers.currentWatermark(),
                   clock: ctx.timers.currentProcessingTime(), node: ctx.nodeId, domain: ctx.timeDomain });
      }`;
    const outputs = run(
      chain(source('s', records([100, 'a', 'k'], [200, 'b', null])), processNode(code, {}, undefined, 'proc'), sink()),
    );
    expect(outputs.map((o) => o.value)).toEqual([
      { key: 'k', ts: 100, wm: -Infinity, current: -Infinity, clock: 100, node: 'proc', domain: null },
      { key: null, ts: 200, wm: 99, current: 99, clock: 200, node: 'proc', domain: null },
    ]);
  });

  it('sends records to the named extra outputs, keeping key and timestamp', () => {
    const code = `
      export function processElement(value: number, ctx: ProcessContext) {
        ctx.emit(value, value < 10 ? 'small' : 'large');
        ctx.emit(value * 2);
      }`;
    const doc = pipeline(
      [
        source('s', records([1, 5, 'a'], [2, 50, 'b'])),
        processNode(code, { outputs: ['small', 'large'] }),
        sink('all'),
        sink('smalls'),
        sink('larges'),
      ],
      [
        { from: 's', to: 'p' },
        { from: 'p', to: 'all' },
        { from: 'p', fromPort: 'small', to: 'smalls' },
        { from: 'p', fromPort: 'large', to: 'larges' },
      ],
    );
    const outputs = run(doc);
    expect(outputs.map((o) => [o.sink, o.key, o.value, o.timestamp])).toEqual([
      ['smalls', 'a', 5, 1],
      ['all', 'a', 10, 1],
      ['larges', 'b', 50, 2],
      ['all', 'b', 100, 2],
    ]);
  });

  it('fails the record when emitting to a port the node does not have, naming the port', () => {
    const code = `export function processElement(value: unknown, ctx: ProcessContext) { ctx.emit('ok'); ctx.emit(value, 'nope'); }`;
    const outputs = run(withErrors(records([1, 'v', 'k']), code));
    expect(triples(outputs, 'out')).toEqual([]);
    expect(triples(outputs, 'errors')).toHaveLength(1);
    expect((outputs[0]!.value as { error: string }).error).toMatch(/unknown port "nope".*out, error/);
  });

  it('lists its ports as out, each extra output, then error', () => {
    expect(keyedProcess.outputs({ outputs: ['alerts', 'late_ones'] })).toEqual(['out', 'alerts', 'late_ones', 'error']);
    expect(keyedProcess.outputs({ outputs: [] })).toEqual(['out', 'error']);
    expect(keyedProcess.outputs({ outputs: ['a', 'out', 'a', 'error', 'b'] })).toEqual(['out', 'a', 'b', 'error']);
  });
});

describe('process: errors in user code', () => {
  const code = `
    export function processElement(value: string, ctx: ProcessContext) {
      ctx.emit('before the throw');
      if (value === 'bad') throw new Error('bad input');
      ctx.timers.registerEventTime(ctx.timestamp + 10);
    }
    export function onTimer(timestamp: number, ctx: ProcessContext) {
      ctx.emit('timer output before the throw');
      throw new Error(\`timer \${timestamp} broke\`);
    }`;

  it('routes a throwing processElement with the input value and a throwing onTimer with { timer }, emitting nothing from either', () => {
    const outputs = runWithCheckpoints(withErrors(records([1, 'bad', 'k'], [2, 'good', 'j']), code));
    expect(outputs.map((o) => [o.sink, o.key, o.value, o.timestamp])).toEqual([
      ['errors', 'k', { error: 'bad input', node: 'p', input: 'bad' }, 1],
      ['out', 'j', 'before the throw', 2],
      ['errors', 'j', { error: 'timer 12 broke', node: 'p', input: { timer: 12 } }, 12],
    ]);
  });

  it('skips failing calls and counts them', () => {
    const result = simulate(withErrors(records([1, 'bad', 'k'], [2, 'good', 'j']), code, 'skip'), {
      operators: OPERATORS,
    });
    expect(triples(result.outputs)).toEqual([['j', 'before the throw', 2]]);
    expect(result.engine.metrics().p!.errors).toBe(2);
    expect(result.engine.stateSize().p).toEqual({ keys: 0, timers: 0 });
  });

  it('stops the simulation under fail with a PipelineFailure naming the node and the timer', () => {
    let failure: unknown;
    try {
      simulate(withErrors(records([2, 'good', 'j']), code, 'fail'), { operators: OPERATORS });
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(PipelineFailure);
    expect((failure as PipelineFailure).nodeId).toBe('p');
    expect((failure as PipelineFailure).input).toEqual({ timer: 12 });
    expect((failure as PipelineFailure).message).toContain('timer 12 broke');
  });

  it('fails a record whose processElement loops forever once the UDF budget has passed on its clock', () => {
    const endless = `export function processElement(value: unknown, ctx: ProcessContext) { while (true) {} }`;
    let now = 0;
    const outputs = run(withErrors(records([1, 'x', 'k']), endless), { udfBudgetMs: 100, budgetClock: () => now++ });
    expect(triples(outputs, 'errors')).toEqual([
      ['k', { error: expect.stringMatching(/budget of 100 ms/), node: 'p', input: 'x' }, 1],
    ]);
    expect(now).toBe(102);
  });

  it('rejects a module without processElement, or with an onTimer that is not a function, when the engine is built', () => {
    const build = (code: string) => () =>
      simulate(chain(source('s', records([1, 'x'])), processNode(code), sink()), { operators: OPERATORS });
    expect(build('export function onTimer() {}')).toThrow(PipelineBuildError);
    expect(build('export function onTimer() {}')).toThrow(/nodes\[1\]\.params\.code: E_UDF_EXPORT: .*processElement/);
    expect(build('export function processElement() {}\nexport const onTimer = 5;')).toThrow(/E_UDF_EXPORT: .*onTimer/);
  });

  it('rejects timer timestamps that are not integers', () => {
    const bad = `export function processElement(value: unknown, ctx: ProcessContext) { ctx.timers.registerEventTime(ctx.timestamp + 0.5); }`;
    const outputs = run(withErrors(records([1, 'x', 'k']), bad));
    expect((outputs[0]!.value as { error: string }).error).toMatch(/integer timestamp.*1\.5/);
  });
});

describe('process: validation of extra outputs', () => {
  it('rejects reserved, duplicate and malformed port names', () => {
    const problems: ValidationProblem[] = [];
    const ctx = { pipeline: pipeline([], []), nodeIndex: 2, path: 'nodes[2].params', problems };
    keyedProcess.validate!({ code: '', outputs: ['alerts', 'out', 'alerts', 'error', 'in', 'ok'] }, ctx);
    expect(problems.map((p) => [p.path, p.code])).toEqual([
      ['nodes[2].params.outputs[1]', 'E_PATTERN'],
      ['nodes[2].params.outputs[2]', 'E_DUPLICATE_ID'],
      ['nodes[2].params.outputs[3]', 'E_PATTERN'],
      ['nodes[2].params.outputs[4]', 'E_PATTERN'],
    ]);
    const patternProblems: ValidationProblem[] = [];
    validateField(
      ['1st', 'has space', 'fine-name_2'],
      keyedProcess.params.outputs,
      'nodes[2].params.outputs',
      patternProblems,
    );
    expect(patternProblems.map((p) => [p.path, p.code])).toEqual([
      ['nodes[2].params.outputs[0]', 'E_PATTERN'],
      ['nodes[2].params.outputs[1]', 'E_PATTERN'],
    ]);
  });
});
