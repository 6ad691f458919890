import { describe, it, expect } from 'vitest';
import { byTime, clampView, initialView, marksIn, zoomView } from '../../web/src/simulation/views/timeline-view.ts';

const marks = (timestamps: number[]) => timestamps.map((timestamp, step) => ({ keyId: 'k', timestamp, step }));

describe('the part of a timeline that is drawn', () => {
  it('shows a small run whole, and a large one from its first records', () => {
    const small = marks([5, 1, 3]);
    expect(initialView(byTime(small), { start: 1, end: 5 })).toEqual({ start: 1, end: 5 });
    const large = byTime(marks(Array.from({ length: 100_000 }, (_, i) => i * 10)));
    const view = initialView(large, { start: 0, end: 999_990 }, 500);
    expect(view.start).toBe(0);
    // Records kept from late in a run (panes reach further back): the view opens on the first record.
    const late = byTime(marks(Array.from({ length: 2000 }, (_, i) => 1_000_000 + i)));
    const lateView = initialView(late, { start: 0, end: 1_002_000 }, 500);
    expect(marksIn(late, lateView)[0]!.timestamp).toBe(1_000_000);
    expect(lateView.start).toBeGreaterThan(990_000);
    expect(marksIn(large, view).length).toBeGreaterThanOrEqual(500);
    expect(marksIn(large, view).length).toBeLessThan(550);
  });

  it('finds the marks in a range by binary search, ends included, in time order', () => {
    const sorted = byTime(marks([30, 10, 20, 20, 40]));
    expect(sorted.map((m) => m.step)).toEqual([1, 2, 3, 0, 4]);
    expect(marksIn(sorted, { start: 20, end: 30 }).map((m) => m.timestamp)).toEqual([20, 20, 30]);
    expect(marksIn(sorted, { start: 41, end: 50 })).toEqual([]);
  });

  it('zooms about the middle and keeps the view inside the whole range', () => {
    const full = { start: 0, end: 100 };
    expect(zoomView(full, full, 0.5)).toEqual({ start: 25, end: 75 });
    expect(zoomView({ start: 0, end: 10 }, full, 4)).toEqual({ start: 0, end: 40 });
    expect(zoomView({ start: 25, end: 75 }, full, 4)).toEqual(full);
    expect(clampView({ start: 95, end: 105 }, full)).toEqual({ start: 90, end: 100 });
  });
});
