/**
 * React Flow's nodes and edges, derived from the document plus session data (selection, measured sizes). The
 * derivation reuses the previous object for every node and edge whose inputs did not change: React Flow skips
 * unchanged nodes by identity, and memo'ed node components skip re-rendering. A node's data holds only what the
 * canvas draws (label, type, ports), not the node's document, so an edit the canvas does not show (typing code, a
 * param) keeps its object, and when no node or edge changed the lists themselves are the previous ones: the canvas
 * does not render again for a keystroke in the inspector.
 */
import type { Edge, Node } from '@xyflow/react';
import type { EdgeDoc, NodeDoc, PipelineDoc } from '../../../shared/pipeline/types.ts';
import { edgeFromPort, edgeToPort } from '../../../shared/pipeline/types.ts';
import { operatorFor } from '../../../shared/operators/registry.ts';
import { edgeIds, portsOf } from './graph.ts';
import { drawnPositions, type Size } from './layout.ts';
import type { Position } from './operations.ts';

export interface OperatorNodeData extends Record<string, unknown> {
  /** The node's own label (`node.label`), if it has one. */
  label: string | undefined;
  /** The node's type (`filter`). */
  type: string;
  /** The operator's label (`Filter`), or the raw type when the type is unknown. */
  typeLabel: string;
  category: string | null;
  inputs: readonly string[];
  outputs: readonly string[];
}

export type OperatorFlowNode = Node<OperatorNodeData, 'operator'>;

export interface PortEdgeData extends Record<string, unknown> {
  fromPort: string;
}

export type PortFlowEdge = Edge<PortEdgeData, 'port'>;

export interface FlowInputs {
  document: PipelineDoc;
  selectedNodeIds: readonly string[];
  selectedEdgeIds: readonly string[];
  measured: Readonly<Record<string, Size>>;
}

export interface FlowCache {
  nodes: Map<string, OperatorFlowNode>;
  edges: Map<string, PortFlowEdge>;
  /** Each node's ports, with the node and edges they were read from (params rarely change them). */
  ports: Map<
    string,
    { node: NodeDoc; edges: readonly EdgeDoc[]; inputs: readonly string[]; outputs: readonly string[] }
  >;
  /** The lists last returned, handed out again while every node (edge) in them is the same. */
  flowNodes: OperatorFlowNode[];
  flowEdges: PortFlowEdge[];
  layoutKey: { edges: readonly EdgeDoc[]; ids: string; measured: Readonly<Record<string, Size>> } | null;
  positions: Map<string, Position>;
}

export function emptyFlowCache(): FlowCache {
  return {
    nodes: new Map(),
    edges: new Map(),
    ports: new Map(),
    flowNodes: [],
    flowEdges: [],
    layoutKey: null,
    positions: new Map(),
  };
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The node's ports, read again only when the node or the edges changed, and the previous lists when equal. */
function portsFor(node: NodeDoc, edges: readonly EdgeDoc[], cache: FlowCache, next: FlowCache['ports']) {
  const previous = cache.ports.get(node.id);
  let entry = previous;
  if (!previous || previous.node !== node || previous.edges !== edges) {
    const { inputs, outputs } = portsOf(node, edges);
    entry = {
      node,
      edges,
      inputs: previous && sameList(previous.inputs, inputs) ? previous.inputs : inputs,
      outputs: previous && sameList(previous.outputs, outputs) ? previous.outputs : outputs,
    };
  }
  next.set(node.id, entry!);
  return entry!;
}

function positionsFor(inputs: FlowInputs, cache: FlowCache): Map<string, Position> {
  const { document: doc, measured } = inputs;
  const ids = doc.nodes.map((n) => n.id).join('\n');
  const key = cache.layoutKey;
  const allStored = doc.nodes.every((n) => typeof n.ui?.x === 'number' && typeof n.ui?.y === 'number');
  // Nodes with stored positions are cheap to read; only a layout for unplaced nodes is worth caching.
  if (allStored || !key || key.edges !== doc.edges || key.ids !== ids || key.measured !== measured) {
    cache.positions = drawnPositions(doc, measured);
    cache.layoutKey = allStored ? null : { edges: doc.edges, ids, measured };
    return cache.positions;
  }
  for (const node of doc.nodes) {
    if (typeof node.ui?.x === 'number' && typeof node.ui?.y === 'number')
      cache.positions.set(node.id, { x: node.ui.x, y: node.ui.y });
  }
  return cache.positions;
}

export function deriveFlow(
  inputs: FlowInputs,
  cache: FlowCache,
): { flowNodes: OperatorFlowNode[]; flowEdges: PortFlowEdge[] } {
  const { document: doc, measured } = inputs;
  const selectedNodes = new Set(inputs.selectedNodeIds);
  const selectedEdges = new Set(inputs.selectedEdgeIds);
  const positions = positionsFor(inputs, cache);
  const nodeCache = new Map<string, OperatorFlowNode>();
  const portCache: FlowCache['ports'] = new Map();

  const flowNodes = doc.nodes.map((node) => {
    const previous = cache.nodes.get(node.id);
    const { inputs: ins, outputs: outs } = portsFor(node, doc.edges, cache, portCache);
    const position = positions.get(node.id)!;
    const size = measured[node.id];
    const selected = selectedNodes.has(node.id);
    const sameData =
      previous &&
      previous.data.label === node.label &&
      previous.data.type === node.type &&
      previous.data.inputs === ins &&
      previous.data.outputs === outs;
    let flowNode: OperatorFlowNode;
    if (
      sameData &&
      previous.selected === selected &&
      previous.position.x === position.x &&
      previous.position.y === position.y &&
      previous.measured === size
    ) {
      flowNode = previous;
    } else {
      const definition = operatorFor(node.type);
      const data: OperatorNodeData = sameData
        ? previous.data
        : {
            label: node.label,
            type: node.type,
            typeLabel: definition?.label ?? node.type,
            category: definition?.category ?? null,
            inputs: ins,
            outputs: outs,
          };
      flowNode = {
        id: node.id,
        type: 'operator',
        position:
          previous && previous.position.x === position.x && previous.position.y === position.y
            ? previous.position
            : position,
        data,
        selected,
        ariaLabel: node.label ?? node.id,
        domAttributes: { 'data-node-id': node.id, 'data-node-type': node.type } as OperatorFlowNode['domAttributes'],
        ...(size ? { measured: size } : {}),
      };
    }
    nodeCache.set(node.id, flowNode);
    return flowNode;
  });

  const ids = edgeIds(doc.edges);
  const edgeCache = new Map<string, PortFlowEdge>();
  const flowEdges = doc.edges.map((edge, i) => {
    const id = ids[i]!;
    const selected = selectedEdges.has(id);
    const previous = cache.edges.get(id);
    const fromPort = edgeFromPort(edge);
    const flowEdge: PortFlowEdge =
      previous && previous.selected === selected
        ? previous
        : {
            id,
            type: 'port',
            source: edge.from,
            sourceHandle: fromPort,
            target: edge.to,
            targetHandle: edgeToPort(edge),
            selected,
            data: { fromPort },
            ariaLabel: `${edge.from} ${fromPort} to ${edge.to} ${edgeToPort(edge)}`,
            ...(fromPort === 'error' || fromPort === 'late' ? { className: `port-edge--${fromPort}` } : {}),
          };
    edgeCache.set(id, flowEdge);
    return flowEdge;
  });

  cache.nodes = nodeCache;
  cache.edges = edgeCache;
  cache.ports = portCache;
  if (!sameList(flowNodes, cache.flowNodes)) cache.flowNodes = flowNodes;
  if (!sameList(flowEdges, cache.flowEdges)) cache.flowEdges = flowEdges;
  return { flowNodes: cache.flowNodes, flowEdges: cache.flowEdges };
}
