/** Where a node added from the keyboard goes: right of the selected node, or in free space in the visible canvas. */
import type { OperatorFlowNode } from '../store/flow.ts';
import type { Position } from '../store/operations.ts';

const GAP = 60;
const DEFAULT_WIDTH = 180;

interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

function overlaps(nodes: readonly OperatorFlowNode[], p: Position): boolean {
  return nodes.some((n) => Math.abs(n.position.x - p.x) < DEFAULT_WIDTH && Math.abs(n.position.y - p.y) < 90);
}

export function placementForNewNode(
  nodes: readonly OperatorFlowNode[],
  selected: readonly string[],
  viewport: Viewport,
  canvas: { width: number; height: number } | undefined,
): Position {
  const anchor = nodes.find((n) => n.id === selected[selected.length - 1]);
  let p: Position;
  if (anchor) {
    p = { x: anchor.position.x + (anchor.measured?.width ?? DEFAULT_WIDTH) + GAP, y: anchor.position.y };
  } else {
    const width = canvas?.width ?? 800;
    const height = canvas?.height ?? 600;
    p = { x: (width * 0.3 - viewport.x) / viewport.zoom, y: (height * 0.35 - viewport.y) / viewport.zoom };
  }
  for (let i = 0; i < 20 && overlaps(nodes, p); i++) p = { x: p.x, y: p.y + 110 };
  return p;
}
