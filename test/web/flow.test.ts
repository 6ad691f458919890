import { describe, it, expect } from 'vitest';
import { createWeirStore } from '../../web/src/store/index.ts';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';

const doc: PipelineDoc = {
  format: 'weir/v1',
  id: 'flow',
  name: 'Flow',
  nodes: [
    { id: 'events', type: 'source.kafka', params: { topic: 'events' }, ui: { x: 0, y: 0 } },
    {
      id: 'perMinute',
      type: 'window',
      label: 'Per minute',
      params: { assigner: { kind: 'tumbling', sizeMs: 60000 }, aggregate: { kind: 'count' } },
    },
    {
      id: 'both',
      type: 'join.window',
      params: { assigner: { kind: 'tumbling', sizeMs: 1000 }, code: 'export default (l, r) => l;' },
    },
    { id: 'out', type: 'sink.kafka', params: { topic: 'out' } },
    { id: 'mystery', type: 'no.such.type', params: {} },
  ],
  edges: [
    { from: 'events', to: 'perMinute' },
    { from: 'perMinute', fromPort: 'late', to: 'both', toPort: 'left' },
    { from: 'both', to: 'out' },
    { from: 'events', to: 'mystery', toPort: 'side' },
  ],
};

describe('React Flow nodes and edges derived from the document', () => {
  it('give each node its type’s port names: window out/late/error, join left/right, sinks no outputs', () => {
    const store = createWeirStore(doc);
    const ports = Object.fromEntries(store.getState().flowNodes.map((n) => [n.id, [n.data.inputs, n.data.outputs]]));
    expect(ports.events).toEqual([[], ['out', 'error']]);
    expect(ports.perMinute).toEqual([['in'], ['out', 'late', 'error']]);
    expect(ports.both).toEqual([
      ['left', 'right'],
      ['out', 'error'],
    ]);
    expect(ports.out).toEqual([['in'], []]);
  });

  it('keep a node of an unknown type drawable with the ports its edges name', () => {
    const node = createWeirStore(doc)
      .getState()
      .flowNodes.find((n) => n.id === 'mystery')!;
    expect(node.data.inputs).toEqual(['in', 'side']);
    expect(node.data.typeLabel).toBe('no.such.type');
  });

  it('carry the accessible label, the data attributes and the stored position', () => {
    const [events, perMinute] = createWeirStore(doc).getState().flowNodes;
    expect(events!.position).toEqual({ x: 0, y: 0 });
    expect(events!.ariaLabel).toBe('events');
    expect(perMinute!.ariaLabel).toBe('Per minute');
    expect(perMinute!.domAttributes).toEqual({ 'data-node-id': 'perMinute', 'data-node-type': 'window' });
  });

  it('lay out nodes without a stored position left to right, without writing positions into the document', () => {
    const store = createWeirStore(doc);
    const x = Object.fromEntries(store.getState().flowNodes.map((n) => [n.id, n.position.x]));
    expect(x.perMinute).toBeGreaterThan(x.events!);
    expect(x.both).toBeGreaterThan(x.perMinute!);
    expect(x.out).toBeGreaterThan(x.both!);
    expect(store.getState().document.nodes[1]!.ui).toBeUndefined();
  });

  it('map edges to handles by port, with unique ids', () => {
    const edges = createWeirStore(doc).getState().flowEdges;
    expect(edges.map((e) => [e.id, e.source, e.sourceHandle, e.target, e.targetHandle])).toEqual([
      ['events.out->perMinute.in', 'events', 'out', 'perMinute', 'in'],
      ['perMinute.late->both.left', 'perMinute', 'late', 'both', 'left'],
      ['both.out->out.in', 'both', 'out', 'out', 'in'],
      ['events.out->mystery.side', 'events', 'out', 'mystery', 'side'],
    ]);
  });

  it('reuse the objects of nodes that did not change, and mark selection without touching the document', () => {
    const store = createWeirStore(doc);
    const before = store.getState().flowNodes;
    store.getState().setNodeValue('out', ['label'], 'Renamed');
    const after = store.getState().flowNodes;
    expect(after[0]).toBe(before[0]);
    expect(after[3]).not.toBe(before[3]);
    expect(after[3]!.data.label).toBe('Renamed');
    expect(after[3]!.ariaLabel).toBe('Renamed');
    const document = store.getState().document;
    store.getState().select(['events']);
    expect(store.getState().flowNodes[0]!.selected).toBe(true);
    expect(store.getState().flowNodes[1]).toBe(after[1]);
    expect(store.getState().document).toBe(document);
  });

  it('keep nodes, edges and both lists as they were when an edit changes nothing the canvas draws (typing code)', () => {
    const store = createWeirStore(doc);
    const { flowNodes, flowEdges } = store.getState();
    store.getState().setNodeValue('both', ['params', 'code'], ['export default (l, r) => r;']);
    store.getState().setNodeValue('out', ['params', 'topic'], 'renamed');
    expect(store.getState().document).not.toBe(doc);
    expect(store.getState().flowNodes).toBe(flowNodes);
    expect(store.getState().flowEdges).toBe(flowEdges);
    store.getState().setNodeValue('out', ['label'], 'Out');
    expect(store.getState().flowNodes).not.toBe(flowNodes);
    expect(store.getState().flowNodes[4]).toBe(flowNodes[4]);
    expect(store.getState().flowEdges).toBe(flowEdges);
  });

  it('hand measured sizes back to React Flow and keep them out of the document', () => {
    const store = createWeirStore(doc);
    const document = store.getState().document;
    store.getState().applyNodeChanges([{ type: 'dimensions', id: 'events', dimensions: { width: 220, height: 110 } }]);
    expect(store.getState().flowNodes[0]!.measured).toEqual({ width: 220, height: 110 });
    expect(store.getState().document).toBe(document);
    expect(store.getState().past).toHaveLength(0);
  });

  it('apply React Flow’s selection changes to the selection slice', () => {
    const store = createWeirStore(doc);
    store.getState().applyNodeChanges([
      { type: 'select', id: 'events', selected: true },
      { type: 'select', id: 'out', selected: true },
    ]);
    store.getState().applyEdgeChanges([{ type: 'select', id: 'both.out->out.in', selected: true }]);
    expect(store.getState().selectedNodeIds).toEqual(['events', 'out']);
    expect(store.getState().selectedEdgeIds).toEqual(['both.out->out.in']);
    store.getState().applyNodeChanges([{ type: 'select', id: 'events', selected: false }]);
    expect(store.getState().selectedNodeIds).toEqual(['out']);
  });

  it('skip revalidation while nodes are only dragged', () => {
    const store = createWeirStore(doc);
    const problems = store.getState().problems;
    store.getState().applyNodeChanges([{ type: 'position', id: 'events', position: { x: 50, y: 60 }, dragging: true }]);
    expect(store.getState().problems).toBe(problems);
    store.getState().setNodeValue('events', ['params', 'topic'], 'bad topic');
    expect(store.getState().problems).not.toBe(problems);
  });
});

describe('ports that params declare', () => {
  it('follow a process node’s extra outputs as they are edited', () => {
    const store = createWeirStore();
    const id = store.getState().addNode('process', { x: 0, y: 0 });
    expect(store.getState().flowNodes[0]!.data.outputs).toEqual(['out', 'error']);
    store.getState().setNodeValue(id, ['params', 'outputs'], ['alerts', 'audit']);
    expect(store.getState().flowNodes[0]!.data.outputs).toEqual(['out', 'alerts', 'audit', 'error']);
    store.getState().addNode('sink.kafka', { x: 300, y: 0 });
    expect(store.getState().connect({ from: id, fromPort: 'audit', to: 'sink1', toPort: 'in' })).toBeNull();
    expect(store.getState().flowEdges[0]!.sourceHandle).toBe('audit');
  });
});
