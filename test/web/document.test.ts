import { describe, it, expect } from 'vitest';
import { createWeirStore } from '../../web/src/store/index.ts';
import { emptyDocument } from '../../web/src/store/operations.ts';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';

function storeWithLinearPipeline() {
  const store = createWeirStore();
  const s = store.getState();
  const source = s.addNode('source.kafka', { x: 0, y: 0 });
  const filter = s.addNode('filter', { x: 300, y: 0 });
  const sink = s.addNode('sink.kafka', { x: 600, y: 0 });
  s.connect({ from: source, fromPort: 'out', to: filter, toPort: 'in' });
  s.connect({ from: filter, fromPort: 'out', to: sink, toPort: 'in' });
  return { store, source, filter, sink };
}

describe('the document slice', () => {
  it('gives new nodes readable unique ids and the initial params of their type', () => {
    const store = createWeirStore();
    const a = store.getState().addNode('filter', { x: 10.4, y: 20.6 });
    const b = store.getState().addNode('filter', { x: 0, y: 0 });
    const src = store.getState().addNode('source.kafka', { x: 0, y: 0 });
    expect([a, b, src]).toEqual(['filter1', 'filter2', 'source1']);
    const node = store.getState().document.nodes[0]!;
    expect(node.params.code).toEqual([
      'export default (value: Value, ctx: Context): boolean => {',
      '  return true;',
      '};',
    ]);
    expect(node.ui).toEqual({ x: 10, y: 21 });
    const source = store.getState().document.nodes[2]!;
    expect(source.params).toEqual({
      valueFormat: 'json',
      keyFormat: 'text',
      startFrom: 'earliest',
      timestamp: { from: 'kafka' },
      watermark: { strategy: 'bounded', maxOutOfOrdernessMs: 0 },
    });
  });

  it('selects a node that was just added', () => {
    const store = createWeirStore();
    const id = store.getState().addNode('map', { x: 0, y: 0 });
    expect(store.getState().selectedNodeIds).toEqual([id]);
  });

  it('stores edges with default ports left out, as writers emit them', () => {
    const { store } = storeWithLinearPipeline();
    expect(store.getState().document.edges).toEqual([
      { from: 'source1', to: 'filter1' },
      { from: 'filter1', to: 'sink1' },
    ]);
    store.getState().addNode('sink.kafka', { x: 600, y: 200 });
    expect(store.getState().connect({ from: 'filter1', fromPort: 'error', to: 'sink2', toPort: 'in' })).toBeNull();
    expect(store.getState().document.edges[2]).toEqual({ from: 'filter1', fromPort: 'error', to: 'sink2' });
  });

  it('refuses self-loops, cycles, unknown ports, output-to-output and repeated connections, saying why with node labels', () => {
    const { store } = storeWithLinearPipeline();
    const s = store.getState();
    s.addNode('map', { x: 0, y: 300 });
    s.setNodeValue('map1', ['label'], 'Enrich');
    const before = store.getState().document;
    expect(s.connect({ from: 'filter1', fromPort: 'out', to: 'filter1', toPort: 'in' })).toBe(
      'That edge would make a cycle: filter1 → filter1. Weir pipelines are acyclic.',
    );
    s.connect({ from: 'filter1', fromPort: 'out', to: 'map1', toPort: 'in' });
    expect(s.connect({ from: 'map1', fromPort: 'out', to: 'filter1', toPort: 'in' })).toBe(
      'That edge would make a cycle: Enrich → filter1 → Enrich. Weir pipelines are acyclic.',
    );
    expect(s.connect({ from: 'map1', fromPort: 'out', to: 'source1', toPort: 'in' })).toBe(
      '"source1" is a source and takes no input.',
    );
    expect(s.connect({ from: 'map1', fromPort: 'late', to: 'sink1', toPort: 'in' })).toBe(
      '"Enrich" has no output port "late".',
    );
    expect(s.connect({ from: 'map1', fromPort: 'out', to: 'filter1', toPort: 'out' })).toBe(
      '"filter1" has no input port "out".',
    );
    expect(s.connect({ from: 'source1', fromPort: 'out', to: 'filter1', toPort: 'in' })).toBe(
      'These ports are already connected: "source1" out → "filter1" in.',
    );
    expect(store.getState().document.edges).toEqual([...before.edges, { from: 'filter1', to: 'map1' }]);
  });

  it('names the shortest way back when an edge would close a cycle through several nodes', () => {
    const { store } = storeWithLinearPipeline();
    const s = store.getState();
    for (const y of [300, 400, 500]) s.addNode('map', { x: 0, y });
    s.connect({ from: 'filter1', fromPort: 'out', to: 'map1', toPort: 'in' });
    s.connect({ from: 'map1', fromPort: 'out', to: 'map2', toPort: 'in' });
    s.connect({ from: 'map2', fromPort: 'out', to: 'map3', toPort: 'in' });
    s.connect({ from: 'map1', fromPort: 'out', to: 'map3', toPort: 'in' });
    expect(s.connect({ from: 'map3', fromPort: 'out', to: 'filter1', toPort: 'in' })).toBe(
      'That edge would make a cycle: map3 → filter1 → map1 → map3. Weir pipelines are acyclic.',
    );
  });

  it('deletes the selected nodes together with their edges in one undo step', () => {
    const { store } = storeWithLinearPipeline();
    store.getState().select(['filter1']);
    store.getState().deleteSelection();
    expect(store.getState().document.nodes.map((n) => n.id)).toEqual(['source1', 'sink1']);
    expect(store.getState().document.edges).toEqual([]);
    expect(store.getState().selectedNodeIds).toEqual([]);
    store.getState().undo();
    expect(store.getState().document.nodes.map((n) => n.id)).toEqual(['source1', 'filter1', 'sink1']);
    expect(store.getState().document.edges).toHaveLength(2);
  });

  it('deletes a selected edge by its React Flow id', () => {
    const { store } = storeWithLinearPipeline();
    const edgeId = store.getState().flowEdges[1]!.id;
    store.getState().select([], [edgeId]);
    store.getState().deleteSelection();
    expect(store.getState().document.edges).toEqual([{ from: 'source1', to: 'filter1' }]);
    expect(store.getState().selectedEdgeIds).toEqual([]);
  });

  it('undoes and redoes each edit, and a new edit clears what could be redone', () => {
    const { store } = storeWithLinearPipeline();
    const s = store.getState();
    const full = store.getState().document;
    s.undo();
    expect(store.getState().document.edges).toHaveLength(1);
    s.undo();
    s.undo();
    expect(store.getState().document.nodes.map((n) => n.id)).toEqual(['source1', 'filter1']);
    s.redo();
    s.redo();
    s.redo();
    expect(store.getState().document).toBe(full);
    s.undo();
    s.setNodeValue('sink1', ['params', 'topic'], 'out');
    expect(store.getState().future).toEqual([]);
    s.redo();
    expect(store.getState().document.edges).toHaveLength(1);
  });

  it('folds a drag into one undo step, but not two separate drags', () => {
    const { store } = storeWithLinearPipeline();
    const s = store.getState();
    const steps = store.getState().past.length;
    s.beginDrag();
    for (let x = 1; x <= 20; x++)
      s.applyNodeChanges([{ type: 'position', id: 'filter1', position: { x: 300 + x, y: 5 }, dragging: true }]);
    expect(store.getState().past.length).toBe(steps + 1);
    expect(store.getState().document.nodes[1]!.ui).toEqual({ x: 320, y: 5 });
    s.beginDrag();
    s.applyNodeChanges([{ type: 'position', id: 'filter1', position: { x: 400, y: 5 }, dragging: true }]);
    expect(store.getState().past.length).toBe(steps + 2);
    s.undo();
    expect(store.getState().document.nodes[1]!.ui).toEqual({ x: 320, y: 5 });
    s.undo();
    expect(store.getState().document.nodes[1]!.ui).toEqual({ x: 300, y: 0 });
  });

  it('starts a new undo step for moves after the selection changed on the canvas', () => {
    const { store } = storeWithLinearPipeline();
    const s = store.getState();
    s.select(['filter1']);
    const steps = store.getState().past.length;
    s.applyNodeChanges([{ type: 'position', id: 'filter1', position: { x: 310, y: 0 } }]);
    s.applyNodeChanges([
      { type: 'select', id: 'filter1', selected: false },
      { type: 'select', id: 'sink1', selected: true },
    ]);
    s.applyNodeChanges([{ type: 'position', id: 'sink1', position: { x: 610, y: 0 } }]);
    expect(store.getState().past.length).toBe(steps + 2);
  });

  it('folds typing into one field into one undo step when the edits share a key', () => {
    const { store } = storeWithLinearPipeline();
    const s = store.getState();
    const steps = store.getState().past.length;
    for (const topic of ['o', 'or', 'ord', 'orders'])
      s.setNodeValue('source1', ['params', 'topic'], topic, { coalesce: 'source1.topic' });
    expect(store.getState().past.length).toBe(steps + 1);
    s.sealHistory();
    s.setNodeValue('source1', ['params', 'topic'], 'orders2', { coalesce: 'source1.topic' });
    expect(store.getState().past.length).toBe(steps + 2);
    s.undo();
    s.undo();
    expect(store.getState().document.nodes[0]!.params.topic).toBeUndefined();
  });

  it('renames a node and every edge, selection and test that names it', () => {
    const { store } = storeWithLinearPipeline();
    store.getState().updateDocument((doc) => ({
      ...doc,
      tests: [{ name: 'passes through', inputs: { source1: [] }, expect: { sink1: [] } }],
    }));
    store.getState().select(['source1']);
    expect(store.getState().renameNode('source1', 'orders')).toBeNull();
    const doc = store.getState().document;
    expect(doc.nodes[0]!.id).toBe('orders');
    expect(doc.edges[0]).toEqual({ from: 'orders', to: 'filter1' });
    expect(doc.tests![0]!.inputs).toEqual({ orders: [] });
    expect(store.getState().selectedNodeIds).toEqual(['orders']);
    expect(store.getState().renameNode('orders', 'sink1')).toMatch(/already/);
    expect(store.getState().renameNode('orders', '1bad')).toMatch(/starts with a letter/);
  });

  it('keeps the problems of the document current, by node', () => {
    const { store } = storeWithLinearPipeline();
    const topicProblems = () => store.getState().problems.filter((p) => p.path.endsWith('.topic'));
    expect(topicProblems().map((p) => p.path)).toEqual(['nodes[0].params.topic', 'nodes[2].params.topic']);
    expect(store.getState().problemsByNode.source1!.map((p) => p.code)).toContain('E_REQUIRED');
    store.getState().setNodeValue('source1', ['params', 'topic'], 'orders');
    store.getState().setNodeValue('sink1', ['params', 'topic'], 'bad topic!');
    expect(topicProblems().map((p) => `${p.path}: ${p.code}`)).toEqual(['nodes[2].params.topic: E_PATTERN']);
    expect(store.getState().problemsByNode.source1).toBeUndefined();
  });

  it('loads a document with fresh history and selection', () => {
    const { store } = storeWithLinearPipeline();
    store.getState().select(['filter1']);
    const doc: PipelineDoc = { ...emptyDocument('other', 'Other'), nodes: [{ id: 'a', type: 'filter', params: {} }] };
    store.getState().loadDocument(doc);
    const s = store.getState();
    expect(s.document).toBe(doc);
    expect([s.past.length, s.future.length, s.selectedNodeIds.length]).toEqual([0, 0, 0]);
    expect(s.flowNodes.map((n) => n.id)).toEqual(['a']);
    expect(s.problemsByNode.a!.map((p) => p.path)).toContain('nodes[0].params.code');
  });
});
