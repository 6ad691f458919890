import { describe, it } from 'vitest';
import { checkSteps, endOfInput, processingTime, record, watermark } from '../harness.ts';
import { pane, VALUES, windowSpec } from './support.ts';

const processing = { params: { time: 'processing' } };

describe('processing-time windows', () => {
  it('assign by the processing clock, fire when it passes end - 1, ignore watermarks and never call a record late', () => {
    checkSteps(
      windowSpec({ kind: 'tumbling', sizeMs: 10 }, VALUES, processing),
      [
        [processingTime(0), []],
        [record('a', 'first', 1000), [], { keys: 1, timers: 1 }],
        [processingTime(5), []],
        [watermark(5000), []],
        [record('a', 'old event time', -50), []],
        [record('b', 'b', 7), []],
        [processingTime(8), []],
        [
          processingTime(9),
          [pane('a', 0, 10, ['first', 'old event time']), pane('b', 0, 10, ['b'])],
          { keys: 0, timers: 0 },
        ],
        [processingTime(12), []],
        [record('a', 'second', 0), [], { keys: 1, timers: 1 }],
        [endOfInput(), [pane('a', 10, 20, ['second'])]],
      ],
      { leakCheck: true },
    );
  });

  it('clean processing-time panes when they fire, whatever the allowed lateness', () => {
    checkSteps(
      windowSpec(
        { kind: 'sliding', sizeMs: 10, slideMs: 5 },
        { kind: 'count' },
        { params: { time: 'processing', allowedLatenessMs: 1000 } },
      ),
      [
        [processingTime(7), []],
        [record('a', 'x', 0), [], { keys: 1, timers: 2 }],
        [processingTime(9), [pane('a', 0, 10, 1)], { keys: 1, timers: 1 }],
        [processingTime(20), [pane('a', 5, 15, 1)], { keys: 0, timers: 0 }],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('merge processing-time sessions', () => {
    checkSteps(
      windowSpec({ kind: 'session', gapMs: 10 }, { kind: 'count' }, processing),
      [
        [processingTime(0), []],
        [record('a', 'x', 0), []],
        [processingTime(8), []],
        [record('a', 'x', 0), [], { keys: 1, timers: 1 }],
        [processingTime(16), []],
        [processingTime(17), [pane('a', 0, 18, 2)]],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });
});
