import { describe, it, expect } from 'vitest';
import { Simulation } from '../../../shared/engine/simulation.ts';
import { Engine, RestoreError, type EngineSnapshot } from '../../../shared/engine/engine.ts';
import { keyGroupOf } from '../../../shared/engine/keyed.ts';
import { keyIdOf } from '../../../shared/engine/record.ts';
import type { NodeDoc, PipelineDoc, Sample } from '../../../shared/pipeline/types.ts';
import { chain, node, pipeline, records, runWithCheckpoints, sink, source } from './pipelines.ts';
import { OPERATORS } from '../../../shared/operators/registry.ts';

const counter = (id: string) =>
  node(id, 'process', {
    code: `
      export function processElement(value: unknown, ctx: ProcessContext) {
        const n = ctx.state.value('n', 0);
        n.set(n.get() + 1);
        ctx.emit(\`${id} \${ctx.key} #\${n.get()}\`);
      }`,
  });

/** Runs `doc` for `samples` samples and returns a JSON round-trip of its snapshot. */
function snapshotAfter(doc: PipelineDoc, samples: number): EngineSnapshot {
  const sim = new Simulation(doc, { operators: OPERATORS, stopAfter: samples });
  sim.run();
  return JSON.parse(JSON.stringify(sim.engine.snapshot())) as EngineSnapshot;
}

/** A fresh simulation of `doc` restored from `snapshot`, run to the end; its sink values. */
function resume(
  doc: PipelineDoc,
  snapshot: EngineSnapshot,
  options: { dropUnknownState?: boolean; adopt?: boolean } = {},
): unknown[] {
  const sim = new Simulation(doc, { operators: OPERATORS });
  sim.engine.restore(snapshot, options);
  while (sim.step());
  sim.finish();
  return sim.outputs.map((o) => o.value);
}

const samples = records([1, 'a', 'k'], [2, 'b', 'k'], [3, 'c', 'k'], [4, 'd', 'j']);

describe('snapshot and restore', () => {
  it('gives the same output with checkpoints every 1, 2 and 3 samples for a pipeline of state, timers and side outputs', () => {
    const sessions = `
      export function processElement(click: { page: string }, ctx: ProcessContext) {
        const pages = ctx.state.list<string>('pages');
        const perPage = ctx.state.map<number, string>('perPage');
        const end = ctx.state.value<number | undefined>('end');
        pages.add(click.page);
        perPage.set(click.page, (perPage.get(click.page) ?? 0) + 1);
        if (end.get() !== undefined) ctx.timers.deleteEventTime(end.get()!);
        end.set(ctx.timestamp + 1000);
        ctx.timers.registerEventTime(ctx.timestamp + 1000);
        ctx.timers.registerProcessingTime(ctx.timestamp + 1500);
        if ((perPage.get(click.page) ?? 0) > 1) ctx.emit({ repeat: click.page }, 'repeats');
      }
      export function onTimer(timestamp: number, ctx: ProcessContext) {
        if (ctx.timeDomain === 'processing') return ctx.emit({ heartbeat: timestamp }, 'beats');
        ctx.emit({ pages: ctx.state.list('pages').get(), perPage: ctx.state.map('perPage').entries(), closedAt: timestamp });
        ctx.state.list('pages').clear();
        ctx.state.map('perPage').clear();
        ctx.state.value('end').clear();
      }`;
    const web: Sample[] = [
      { timestamp: 0, value: { user: 'u1', page: 'home' }, partition: 0 },
      { timestamp: 300, value: { user: 'u2', page: 'home' }, partition: 1 },
      { timestamp: 500, value: { user: 'u1', page: 'cart' }, partition: 0 },
      { timestamp: 800, value: { user: 'u1', page: 'home' }, partition: 1 },
      { watermark: 1200, partition: 0 },
      { timestamp: 2500, value: { user: 'u2', page: 'cart' }, partition: 1 },
      { timestamp: 2600, value: { user: 'u2', page: 'cart' }, partition: 0 },
      { watermark: 5000, partition: 0 },
    ];
    const app: Sample[] = [
      { timestamp: 100, value: { user: 'u3', page: 'settings' } },
      { timestamp: 1900, value: { user: 'u1', page: 'home' } },
      { timestamp: 4000, value: { user: 'u3', page: 'settings' } },
    ];
    const doc = pipeline(
      [
        source('web', web, { watermark: { strategy: 'bounded', maxOutOfOrdernessMs: 200 } }),
        source('app', app),
        node('byUser', 'keyBy', { field: 'user' }),
        node('sessions', 'process', { code: sessions, outputs: ['repeats', 'beats'] }),
        node('pages', 'flatMap', { code: 'export function* f(s) { if (s.pages) yield* s.pages; }\nexport default f;' }),
        sink('closed'),
        sink('repeats'),
        sink('beats'),
        sink('pageViews'),
      ],
      [
        { from: 'web', to: 'byUser' },
        { from: 'app', to: 'byUser' },
        { from: 'byUser', to: 'sessions' },
        { from: 'sessions', to: 'closed' },
        { from: 'sessions', fromPort: 'repeats', to: 'repeats' },
        { from: 'sessions', fromPort: 'beats', to: 'beats' },
        { from: 'sessions', to: 'pages' },
        { from: 'pages', to: 'pageViews' },
      ],
    );
    const outputs = runWithCheckpoints(doc);
    // Every session closes by the end, so each of the 9 clicks comes out once as a page view. u1's session is still
    // open (the node watermark is 599) when its click at 1900 arrives, so "home" repeats twice; u3's first session
    // closed at 1100 before its second click.
    expect(outputs.filter((o) => o.sink === 'beats').length).toBeGreaterThan(0);
    expect(outputs.filter((o) => o.sink === 'pageViews')).toHaveLength(9);
    expect(outputs.filter((o) => o.sink === 'repeats').map((o) => [o.key, o.value, o.timestamp])).toEqual([
      ['u1', { repeat: 'home' }, 800],
      ['u1', { repeat: 'home' }, 1900],
      ['u2', { repeat: 'cart' }, 2600],
    ]);
    expect(outputs.filter((o) => o.sink === 'closed').map((o) => [o.key, o.timestamp])).toEqual([
      ['u3', 1100],
      ['u1', 2900],
      ['u2', 3600],
      ['u3', 5000],
    ]);
    const sim = new Simulation(doc, { operators: OPERATORS });
    sim.run();
    expect(sim.engine.stateSize().sessions).toEqual({ keys: 0, timers: 0 });
  });

  it('is JSON-serializable, infinite watermarks and clocks included, and a restored engine snapshots the same', () => {
    const doc = chain(source('s', samples), counter('p'), sink());
    const sim = new Simulation(doc, { operators: OPERATORS });
    sim.run();
    const snapshot = sim.engine.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    const restored = new Engine(doc, { operators: OPERATORS });
    restored.restore(JSON.parse(JSON.stringify(snapshot)) as EngineSnapshot);
    expect(restored.snapshot()).toEqual(snapshot);
    expect(restored.operator('p')!.watermark).toBe(Infinity);
  });

  it('serialises a transient snapshot to the JSON of a copied one, and resumes the same from an adopted snapshot', () => {
    const doc = chain(source('s', samples), counter('p'), sink());
    const sim = new Simulation(doc, { operators: OPERATORS, stopAfter: 2 });
    sim.run();
    const transient = JSON.stringify(sim.engine.snapshot({ transient: true }));
    expect(transient).toBe(JSON.stringify(sim.engine.snapshot()));
    const copied = resume(doc, JSON.parse(transient) as EngineSnapshot);
    const adopted = resume(doc, JSON.parse(transient) as EngineSnapshot, { adopt: true });
    // k was counted twice before the snapshot, so the restored state goes on from #2 whichever way it was restored.
    expect(adopted).toEqual(['p k #3', 'p j #1']);
    expect(adopted).toEqual(copied);
  });

  it('keeps keyed state under the key group of its key', () => {
    const snapshot = snapshotAfter(chain(source('s', samples), counter('p'), sink()), 4);
    const groups = (snapshot.nodes.p!.state as { keys: { groups: Record<string, Array<[unknown]>> } }).keys.groups;
    const where = Object.entries(groups).flatMap(([group, entries]) => entries.map(([key]) => [key, Number(group)]));
    expect(where).toEqual(
      expect.arrayContaining([
        ['k', keyGroupOf(keyIdOf('k'), 128)],
        ['j', keyGroupOf(keyIdOf('j'), 128)],
      ]),
    );
    expect(where).toHaveLength(2);
  });

  it('refuses state of a node the new pipeline does not have, unless told to drop it', () => {
    const snapshot = snapshotAfter(chain(source('s', samples), counter('p'), sink()), 2);
    const without = chain(source('s', samples), sink());
    expect(() => resume(without, snapshot)).toThrow(RestoreError);
    expect(() => resume(without, snapshot)).toThrow(/nodes this pipeline does not have: p/);
    expect(resume(without, snapshot, { dropUnknownState: true })).toEqual(['c', 'd']);
  });

  it('starts a node id new to the pipeline empty while the others keep their state', () => {
    const snapshot = snapshotAfter(chain(source('s', samples), counter('p'), sink()), 2);
    const withNew: NodeDoc[] = [
      source('s', samples),
      counter('p'),
      node('tag', 'map', { code: 'export default (v) => v;' }),
      counter('q'),
      sink(),
    ];
    const doc = pipeline(withNew, [
      { from: 's', to: 'p' },
      { from: 'p', to: 'tag' },
      { from: 'tag', to: 'q' },
      { from: 'q', to: 'out' },
    ]);
    expect(resume(doc, snapshot)).toEqual(['q k #1', 'q j #1']);
    const direct = pipeline(
      [source('s', samples), counter('p'), counter('q'), sink(), sink('raw')],
      [
        { from: 's', to: 'p' },
        { from: 'p', to: 'raw' },
        { from: 's', to: 'q' },
        { from: 'q', to: 'out' },
      ],
    );
    expect(resume(direct, snapshot)).toEqual(['p k #3', 'q k #1', 'p j #1', 'q j #1']);
  });

  it('refuses a node whose type changed and a snapshot of another format', () => {
    const snapshot = snapshotAfter(chain(source('s', samples), counter('p'), sink()), 2);
    const retyped = chain(source('s', samples), node('p', 'map', { code: 'export default (v) => v;' }), sink());
    expect(() => resume(retyped, snapshot)).toThrow(/changed type.*p \(process → map\)/);
    expect(() =>
      new Engine(retyped, { operators: OPERATORS }).restore({
        ...snapshot,
        format: 'other' as EngineSnapshot['format'],
      }),
    ).toThrow(RestoreError);
  });

  it('leaves no state behind in stateless operators and in a process that clears what it keeps', () => {
    const code = `
      export function processElement(value: number, ctx: ProcessContext) {
        ctx.state.list('seen').add(value);
        ctx.timers.registerEventTime(ctx.timestamp + 10);
        ctx.timers.registerProcessingTime(ctx.timestamp + 10);
      }
      export function onTimer(timestamp: number, ctx: ProcessContext) {
        if (ctx.timeDomain === 'processing') return;
        ctx.emit(ctx.state.list('seen').get());
        ctx.state.list('seen').clear();
      }`;
    const doc = chain(
      source('s', records([1, 1, 'a'], [2, 2, 'b'], [30, 3, 'c'])),
      node('f', 'filter', { code: 'export default (v) => v > 0;' }),
      node('m', 'map', { code: 'export default (v) => v * 10;' }),
      node('fm', 'flatMap', { code: 'export default (v) => [v];' }),
      node('k', 'keyBy', { code: 'export default (v, ctx) => ctx.key;' }),
      node('p', 'process', { code }),
      sink(),
    );
    const sim = new Simulation(doc, { operators: OPERATORS });
    sim.run();
    for (const [id, size] of Object.entries(sim.engine.stateSize())) expect(size, id).toEqual({ keys: 0, timers: 0 });
    expect(sim.outputs.map((o) => [o.key, o.value, o.timestamp])).toEqual([
      ['a', [10], 11],
      ['b', [20], 12],
      ['c', [30], 40],
    ]);
  });
});
