import { describe, it, expect } from 'vitest';
import { freeSpot, NODE_GAP } from '../../web/src/store/layout.ts';
import { createWeirStore } from '../../web/src/store/index.ts';

const size = { width: 152, height: 96 };
const overlaps = (a: { x: number; y: number }, b: { x: number; y: number }) =>
  a.x < b.x + size.width && b.x < a.x + size.width && a.y < b.y + size.height && b.y < a.y + size.height;

describe('freeSpot', () => {
  it('keeps a spot that is free', () => {
    expect(freeSpot({ x: 500.4, y: 10 }, size, [{ x: 0, y: 0, ...size }])).toEqual({ x: 500, y: 10 });
  });

  it('moves a box off another to the nearest side, the same way every time', () => {
    const taken = [{ x: 0, y: 0, ...size }];
    // Nearer the bottom edge than any other: straight down, clear of the gap.
    expect(freeSpot({ x: 0, y: 40 }, size, taken)).toEqual({ x: 0, y: size.height + NODE_GAP });
    // Equally near above and below: above.
    expect(freeSpot({ x: 0, y: 0 }, size, taken)).toEqual({ x: 0, y: -size.height - NODE_GAP });
  });

  it('finds room between several boxes without overlapping any', () => {
    const taken = [0, 1, 2].flatMap((row) => [0, 1, 2].map((col) => ({ x: col * 170, y: row * 112, ...size })));
    const spot = freeSpot({ x: 170, y: 112 }, size, taken);
    for (const box of taken) expect(overlaps(spot, box)).toBe(false);
  });
});

describe('addNode', () => {
  it('puts a node added on top of another beside it, and a third beside both', () => {
    const store = createWeirStore();
    const s = store.getState();
    const a = s.addNode('map', { x: 100, y: 100 });
    const b = s.addNode('map', { x: 100, y: 100 });
    const c = s.addNode('map', { x: 100, y: 100 });
    const at = (id: string) => store.getState().document.nodes.find((n) => n.id === id)!.ui as { x: number; y: number };
    expect(at(a)).toEqual({ x: 100, y: 100 });
    expect(overlaps(at(a), at(b))).toBe(false);
    expect(overlaps(at(a), at(c)) || overlaps(at(b), at(c))).toBe(false);
    // Deterministic: the same adds give the same places.
    const again = createWeirStore();
    for (let i = 0; i < 3; i++) again.getState().addNode('map', { x: 100, y: 100 });
    expect(again.getState().document.nodes.map((n) => n.ui)).toEqual(store.getState().document.nodes.map((n) => n.ui));
  });
});
