import { describe, it, expect } from 'vitest';
import { checkSteps, emitted, endOfInput, OperatorHarness, record, watermark } from '../harness.ts';
import { pane, windowSpec } from './support.ts';

const tumbling10 = { kind: 'tumbling', sizeMs: 10 };
const sumV = { kind: 'sum', field: 'v' };

describe('allowed lateness', () => {
  it('fires a pane again at once with its full result for each record within lateness, then drops it at maxTimestamp + lateness', () => {
    checkSteps(
      windowSpec(tumbling10, sumV, { params: { allowedLatenessMs: 5 } }),
      [
        [record('a', { v: 1 }, 1), [], { keys: 1, timers: 2 }],
        [watermark(9), [pane('a', 0, 10, 1)], { keys: 1, timers: 1 }],
        [record('a', { v: 2 }, 2), [pane('a', 0, 10, 3)]],
        [watermark(13), []],
        [record('a', { v: 4 }, 9), [pane('a', 0, 10, 7)], { keys: 1, timers: 1 }],
        [watermark(14), [], { keys: 0, timers: 0 }],
        [record('a', { v: 8 }, 4), [emitted('late', 'a', { v: 8 }, 4)], { keys: 0, timers: 0 }],
        [record('a', { v: 16 }, 15), []],
        [endOfInput(), [pane('a', 10, 20, 16)]],
      ],
      { leakCheck: true },
    );
  });

  it('fires at once a pane first opened by a record that arrives after its end but within lateness', () => {
    checkSteps(
      windowSpec(tumbling10, sumV, { params: { allowedLatenessMs: 100 } }),
      [
        [watermark(50), []],
        [record('b', { v: 5 }, 3), [pane('b', 0, 10, 5)], { keys: 1, timers: 1 }],
        [record('b', { v: 6 }, 45), [pane('b', 40, 50, 6)], { keys: 1, timers: 2 }],
        [watermark(108), [], { keys: 1, timers: 2 }],
        [watermark(109), [], { keys: 1, timers: 1 }],
        [record('b', { v: 1 }, 9), [emitted('late', 'b', { v: 1 }, 9)]],
        [record('b', { v: 1 }, 49), [pane('b', 40, 50, 7)]],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('drops late records silently when the late port has no edge', () => {
    const harness = checkSteps(
      windowSpec(tumbling10, sumV, { connect: ['out', 'error'] }),
      [
        [record('a', { v: 1 }, 1), []],
        [watermark(9), [pane('a', 0, 10, 1)]],
        [record('a', { v: 2 }, 2), []],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
    expect(harness.engine.metrics().op!.errors).toBe(0);
  });

  it('tells the observer when panes open, fire and purge, and when a record is late', () => {
    const harness = new OperatorHarness(windowSpec(tumbling10, sumV, { params: { allowedLatenessMs: 5 } }), {
      observeWindows: true,
    });
    harness.push(record('a', { v: 1 }, 3));
    harness.push(watermark(9));
    harness.push(record('a', { v: 1 }, 4));
    harness.push(watermark(14));
    harness.push(record('a', { v: 1 }, 5));
    const window = { start: 0, end: 10 };
    expect(harness.events).toEqual([
      { kind: 'open', key: 'a', window, timestamp: 3 },
      { kind: 'fire', key: 'a', window, timestamp: 9 },
      { kind: 'fire', key: 'a', window, timestamp: 9 },
      { kind: 'purge', key: 'a', window, timestamp: 14 },
      { kind: 'late', key: 'a', window, timestamp: 5 },
    ]);
  });
});
