import { describe, it, expect } from 'vitest';
import { node, pipeline, runWithCheckpoints, sink, source } from '../engine/pipelines.ts';
import type { Sample } from '../../../shared/pipeline/types.ts';

describe('window in a simulated pipeline', () => {
  it('counts page views per user per minute with bounded out-of-orderness, late data on its own sink, the same with checkpoints', () => {
    const views = (user: number, ts: number): Sample => ({ value: { user_id: user, ts } });
    const samples = [
      views(1, 1000),
      views(2, 30000),
      views(1, 59000),
      views(1, 64999),
      views(2, 65000),
      views(1, 59999),
      views(1, 120000),
    ];
    const doc = pipeline(
      [
        source('events', samples, {
          timestamp: { from: 'field', field: 'ts' },
          watermark: { strategy: 'bounded', maxOutOfOrdernessMs: 5000 },
        }),
        node('byUser', 'keyBy', { field: 'user_id' }),
        node('perMinute', 'window', { assigner: { kind: 'tumbling', sizeMs: 60000 }, aggregate: { kind: 'count' } }),
        sink('out'),
        sink('late'),
      ],
      [
        { from: 'events', to: 'byUser' },
        { from: 'byUser', to: 'perMinute' },
        { from: 'perMinute', to: 'out' },
        { from: 'perMinute', fromPort: 'late', to: 'late' },
      ],
    );
    const minute = (user: number, start: number, result: number) => ({
      sink: 'out',
      key: user,
      value: { key: user, window: { start, end: start + 60000 }, result },
      timestamp: start + 59999,
    });
    // The watermark is maxTimestamp - 5000 - 1: 59999 arrives with the record at 65000, and [0, 60000) fires.
    expect(runWithCheckpoints(doc)).toEqual([
      minute(1, 0, 2),
      minute(2, 0, 1),
      { sink: 'late', key: 1, value: { user_id: 1, ts: 59999 }, timestamp: 59999 },
      minute(1, 60000, 1),
      minute(2, 60000, 1),
      minute(1, 120000, 1),
    ]);
  });
});
