import { describe, it, expect, beforeAll } from 'vitest';
import { createWeirStore, type WeirStore } from '../../web/src/store/index.ts';
import { setSimulationWorkerFactory, changesResults } from '../../web/src/store/simulation-slice.ts';
import { sinkOutputs } from '../../web/src/simulation/results.ts';
import { inProcessWorkerFactory, readExample, settled } from './simulation-support.ts';

beforeAll(() => setSimulationWorkerFactory(inProcessWorkerFactory()));

function pageViewsStore(): WeirStore {
  const store = createWeirStore(readExample('page-views.weir.json'));
  return store;
}

describe('the simulation slice', () => {
  it('runs the document and keeps per-node results, port counts and error counts', async () => {
    const store = pageViewsStore();
    store.getState().runSimulation();
    expect(store.getState().simulationStatus).toBe('running');
    await settled(store.getState);
    const s = store.getState();
    expect(s.simulationStatus).toBe('done');
    expect(s.simulationProgress).toEqual({ done: 13, total: 13 });
    // 13 samples, 11 of them page views; one (ts 55000) arrives when the watermark is 61999, past its window [0, 60000).
    expect(s.portCounts.events).toEqual({ out: 13 });
    expect(s.portCounts.views).toEqual({ out: 11 });
    expect(s.portCounts.perMinute).toEqual({ out: 6, late: 1 });
    expect(s.nodeErrorCounts).toEqual({});
    const expected = readExample('page-views.weir.json').tests![0]!.expect;
    const written = sinkOutputs(s.simulatedDocument!, s.nodeResults);
    expect(
      written
        .filter((w) => w.sink === 'page_view_counts')
        .map(({ key, value, timestamp }) => ({ key, value, timestamp })),
    ).toEqual(expected.page_view_counts);
    expect(
      written
        .filter((w) => w.sink === 'late_page_views')
        .map(({ key, value, timestamp }) => ({ key, value, timestamp })),
    ).toEqual(expected.late_page_views);
  });

  it('opens the Simulation panel when a run starts, whichever panel was open', async () => {
    const store = pageViewsStore();
    expect(store.getState().bottomPanel).toBe('problems');
    store.getState().runSimulation();
    expect(store.getState().bottomPanel).toBe('simulation');
    await settled(store.getState);
    store.getState().showPanel(null);
    store.getState().stepForward();
    expect(store.getState().bottomPanel).toBe('simulation');
    await settled(store.getState);
  });

  it('gives every node a port count after a run, so edges that carried nothing read 0', async () => {
    const store = pageViewsStore();
    store.getState().setNodeValue('events', ['samples'], []);
    store.getState().runSimulation();
    await settled(store.getState);
    expect(store.getState().portCounts.views).toEqual({});
    expect(Object.keys(store.getState().portCounts).sort()).toEqual([
      'byUser',
      'events',
      'late_page_views',
      'page_view_counts',
      'perMinute',
      'views',
    ]);
  });

  it('drops results when the document changes what a run would do, but not when a node only moves', async () => {
    const store = pageViewsStore();
    store.getState().runSimulation();
    await settled(store.getState);
    store.getState().moveNodes(new Map([['views', { x: 500, y: 500 }]]));
    expect(store.getState().simulationStatus).toBe('done');
    expect(store.getState().portCounts.views).toEqual({ out: 11 });
    store.getState().setNodeValue('views', ['params', 'code'], ['export default () => true;']);
    expect(store.getState().simulationStatus).toBe('idle');
    expect(store.getState().portCounts).toEqual({});
    expect(store.getState().nodeResults).toEqual({});
  });

  it('counts records that failed per node', async () => {
    const store = pageViewsStore();
    store.getState().setNodeValue('views', ['onError'], 'skip');
    store
      .getState()
      .setNodeValue(
        'views',
        ['params', 'code'],
        ['export default (e) => { if (e.user_id === 2) throw new Error("no"); return true; };'],
      );
    store.getState().runSimulation();
    await settled(store.getState);
    // Samples of user 2: ts 2500, 12000, 59000, 66000.
    expect(store.getState().nodeErrorCounts).toEqual({ views: 4 });
  });

  it('steps forward one sample at a time, back by rerunning to the previous one, and on to end of input', async () => {
    const store = pageViewsStore();
    const s = () => store.getState();
    s().stepForward();
    await settled(s);
    expect(s().simulationStatus).toBe('paused');
    expect(s().simulationStep).toBe(1);
    expect(s().portCounts.events).toEqual({ out: 1 });
    s().stepForward();
    await settled(s);
    s().stepForward();
    await settled(s);
    expect(s().simulationStep).toBe(3);
    expect(s().portCounts.events).toEqual({ out: 3 });
    s().stepBack();
    await settled(s);
    expect(s().simulationStep).toBe(2);
    expect(s().portCounts.events).toEqual({ out: 2 });
    for (let i = 0; i < 11; i++) {
      s().stepForward();
      await settled(s);
    }
    expect(s().simulationStep).toBe(13);
    // All samples are in, but end of input has not fired the last windows yet.
    expect(s().portCounts.perMinute?.out).toBe(3);
    s().stepForward();
    await settled(s);
    expect(s().simulationStatus).toBe('done');
    expect(s().portCounts.perMinute?.out).toBe(6);
    s().stepBack();
    await settled(s);
    expect(s().simulationStatus).toBe('paused');
    expect(s().simulationStep).toBe(13);
    expect(s().portCounts.perMinute?.out).toBe(3);
  });

  it('cancels a run and keeps what arrived', async () => {
    const store = pageViewsStore();
    store.getState().runSimulation();
    store.getState().cancelSimulation();
    expect(store.getState().simulationStatus).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 20));
    expect(store.getState().simulationStatus).toBe('cancelled');
  });

  it('tells a layout change from one that changes results', () => {
    const doc = readExample('page-views.weir.json');
    const moved = { ...doc, nodes: doc.nodes.map((n, i) => (i === 0 ? { ...n, ui: { x: 1, y: 2 } } : n)) };
    const relabelled = { ...doc, nodes: doc.nodes.map((n, i) => (i === 1 ? { ...n, label: 'Views' } : n)) };
    const retuned = { ...doc, nodes: doc.nodes.map((n, i) => (i === 2 ? { ...n, params: { field: 'page_url' } } : n)) };
    const rewired = { ...doc, edges: doc.edges.slice(0, 4) };
    expect(changesResults(doc, moved)).toBe(false);
    expect(changesResults(doc, relabelled)).toBe(false);
    expect(changesResults(doc, retuned)).toBe(true);
    expect(changesResults(doc, rewired)).toBe(true);
  });
});
