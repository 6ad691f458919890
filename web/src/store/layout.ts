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

/** The node component's width (`.op-node` in app.css): five in a row fit the canvas beside palette and inspector. */
export const NODE_WIDTH = 152;

/** A node's size before the browser has measured it: the node component is this wide, one row per port. */
export function estimatedSize(inputs: number, outputs: number): Size {
  return { width: NODE_WIDTH, height: 52 + 22 * Math.max(inputs, outputs, 1) };
}

/** The space kept free around a node placed by {@link freeSpot}. */
export const NODE_GAP = 16;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The free top-left position nearest to `wanted` for a box of `size`: one whose box, grown by `gap` on every side,
 * overlaps none of `taken`. Deterministic: among spots equally near, the one higher up, then further left.
 *
 * The nearest free point is `wanted` itself or lies on the edge of some grown box, where it is either straight
 * across from `wanted` or at a corner of that box; so each coordinate is `wanted`'s own or one of the boxes' edges.
 */
export function freeSpot(wanted: Position, size: Size, taken: readonly Box[], gap = NODE_GAP): Position {
  const p = { x: Math.round(wanted.x), y: Math.round(wanted.y) };
  const clashes = (x: number, y: number) =>
    taken.some(
      (b) =>
        x < b.x + b.width + gap &&
        x + size.width + gap > b.x &&
        y < b.y + b.height + gap &&
        y + size.height + gap > b.y,
    );
  if (!clashes(p.x, p.y)) return p;
  const xs = new Set([p.x]);
  const ys = new Set([p.y]);
  for (const b of taken) {
    xs.add(Math.ceil(b.x + b.width + gap));
    xs.add(Math.floor(b.x - size.width - gap));
    ys.add(Math.ceil(b.y + b.height + gap));
    ys.add(Math.floor(b.y - size.height - gap));
  }
  let best: Position | null = null;
  let bestDistance = Infinity;
  for (const y of ys) {
    for (const x of xs) {
      const distance = (x - p.x) ** 2 + (y - p.y) ** 2;
      if (distance > bestDistance) continue;
      if (distance === bestDistance && best && (y > best.y || (y === best.y && x > best.x))) continue;
      if (clashes(x, y)) continue;
      best = { x, y };
      bestDistance = distance;
    }
  }
  // There always is one: right of every box.
  return best ?? p;
}

/** Top-left positions of every node, laid out left to right along the edges. */
export function layoutPositions(
  doc: PipelineDoc,
  measured: Readonly<Record<string, Size>> = {},
): Map<string, Position> {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 56, marginx: 0, marginy: 0 });
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
