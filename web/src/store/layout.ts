/**
 * Left-to-right layered layout (dagre) — the Auto-layout button, and the place a node without a stored position is
 * drawn. Files written by hand or by other tools often have no `ui`; drawing them must not add one, or an import and
 * export would no longer give back the same bytes.
 */
import dagre from '@dagrejs/dagre';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import { portsOf, storedPosition } from './graph.ts';
import type { Position } from './operations.ts';

export interface Size {
  width: number;
  height: number;
}

/** A node's size before the browser has measured it: the node component is this wide, one row per port. */
export function estimatedSize(inputs: number, outputs: number): Size {
  return { width: 180, height: 64 + 24 * Math.max(inputs, outputs, 1) };
}

/** Top-left positions of every node, laid out left to right along the edges. */
export function layoutPositions(doc: PipelineDoc, measured: Readonly<Record<string, Size>> = {}): Map<string, Position> {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 36, ranksep: 90, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  const sizes = new Map<string, Size>();
  for (const node of doc.nodes) {
    const ports = portsOf(node, doc.edges);
    const size = measured[node.id] ?? estimatedSize(ports.inputs.length, ports.outputs.length);
    sizes.set(node.id, size);
    graph.setNode(node.id, { width: size.width, height: size.height });
  }
  for (const edge of doc.edges) {
    if (sizes.has(edge.from) && sizes.has(edge.to) && edge.from !== edge.to) graph.setEdge(edge.from, edge.to);
  }
  dagre.layout(graph);
  const positions = new Map<string, Position>();
  for (const [id, size] of sizes) {
    const { x, y } = graph.node(id) as { x: number; y: number };
    positions.set(id, { x: Math.round(x - size.width / 2), y: Math.round(y - size.height / 2) });
  }
  return positions;
}

/** Where each node is drawn: its stored position, or (for nodes without one) its place in a layout of the graph. */
export function drawnPositions(doc: PipelineDoc, measured: Readonly<Record<string, Size>> = {}): Map<string, Position> {
  const positions = new Map<string, Position>();
  let missing = false;
  for (const node of doc.nodes) {
    const p = storedPosition(node);
    if (p) positions.set(node.id, p);
    else missing = true;
  }
  if (!missing) return positions;
  const laidOut = layoutPositions(doc, measured);
  for (const node of doc.nodes) if (!positions.has(node.id)) positions.set(node.id, laidOut.get(node.id)!);
  return positions;
}
