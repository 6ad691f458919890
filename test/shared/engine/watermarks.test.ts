import { describe, it, expect } from 'vitest';
import type { PipelineDoc, Sample } from '../../../shared/pipeline/types.ts';
import { chain, node, pipeline, run, sink, source, type RunOptions } from './pipelines.ts';

/** Every watermark each node reached, in order. */
function watermarksOf(doc: PipelineDoc, options: RunOptions = {}): Record<string, number[]> {
  const seen: Record<string, number[]> = {};
  run(doc, { ...options, observer: { watermark: (id, wm) => (seen[id] ??= []).push(wm) } });
  return seen;
}

const identity = node('m', 'map', { code: 'export default (v) => v;' });

describe('watermarks', () => {
  it('under the bounded strategy follow maxTimestamp - B - 1 and ignore out-of-order records', () => {
    const samples: Sample[] = [
      { timestamp: 100, value: 1 },
      { timestamp: 90, value: 2 },
      { timestamp: 120, value: 3 },
      { timestamp: 120, value: 4 },
    ];
    const seen = watermarksOf(
      chain(source('s', samples, { watermark: { strategy: 'bounded', maxOutOfOrdernessMs: 5 } }), identity, sink()),
    );
    expect(seen.s).toEqual([94, 114, Infinity]);
    expect(seen.m).toEqual([94, 114, Infinity]);
  });

  it('default to bounded with B = 0: the watermark trails the largest timestamp by 1 ms', () => {
    const seen = watermarksOf(
      chain(
        source('s', [
          { timestamp: 10, value: 1 },
          { timestamp: 20, value: 2 },
        ]),
        sink(),
      ),
    );
    expect(seen.s).toEqual([9, 19, Infinity]);
  });

  it('of a source are the minimum over its partitions, and a partition before its first record holds it at −∞', () => {
    const samples: Sample[] = [
      { timestamp: 100, value: 'a', partition: 0 },
      { timestamp: 300, value: 'b', partition: 0 },
      { timestamp: 50, value: 'c', partition: 1 },
      { timestamp: 400, value: 'd', partition: 0 },
      { timestamp: 350, value: 'e', partition: 1 },
    ];
    const seen = watermarksOf(chain(source('s', samples), sink()));
    // p1 holds the source at −∞ until its first record (50 → 49); then min(399, 349).
    expect(seen.s).toEqual([49, 349, Infinity]);
  });

  it('under the explicit strategy move only on markers, never backwards, per partition', () => {
    const samples: Sample[] = [
      { timestamp: 100, value: 'a' },
      { watermark: 50 },
      { timestamp: 200, value: 'b' },
      { watermark: 150 },
      { watermark: 120 },
      { watermark: 500, partition: 1 },
      { watermark: 180 },
    ];
    const seen = watermarksOf(chain(source('s', samples, { watermark: { strategy: 'explicit' } }), sink()));
    // Partition 1 appears in the samples, so it holds the source at −∞ until its marker.
    expect(seen.s).toEqual([150, 180, Infinity]);
  });

  it('honour markers under the bounded strategy too, and a later record cannot pull them back', () => {
    const samples: Sample[] = [
      { timestamp: 100, value: 'a' },
      { watermark: 500 },
      { timestamp: 300, value: 'b' },
      { timestamp: 700, value: 'c' },
    ];
    const seen = watermarksOf(chain(source('s', samples), sink()));
    expect(seen.s).toEqual([99, 500, 699, Infinity]);
  });

  it('of a node are the minimum over its input edges (a union of two sources)', () => {
    const a: Sample[] = [
      { timestamp: 100, value: 'a1' },
      { timestamp: 300, value: 'a2' },
    ];
    const b: Sample[] = [
      { timestamp: 200, value: 'b1' },
      { timestamp: 400, value: 'b2' },
    ];
    const doc = pipeline(
      [source('A', a), source('B', b), identity, sink()],
      [
        { from: 'A', to: 'm' },
        { from: 'B', to: 'm' },
        { from: 'm', to: 'out' },
      ],
    );
    const seen = watermarksOf(doc);
    expect(seen.A).toEqual([99, 299, Infinity]);
    expect(seen.B).toEqual([199, 399, Infinity]);
    // A stays at −∞ for m until B's first record; at end of input A reaches +∞ first, so m passes through 399.
    expect(seen.m).toEqual([99, 199, 299, 399, Infinity]);
  });

  it('never go backwards at any node, whatever the order of records and markers', () => {
    const samples: Sample[] = [
      { timestamp: 500, value: 1, partition: 0 },
      { timestamp: 20, value: 2, partition: 1 },
      { watermark: 10, partition: 1 },
      { timestamp: 5, value: 3, partition: 0 },
      { timestamp: 900, value: 4, partition: 1 },
      { watermark: 100, partition: 0 },
      { timestamp: 450, value: 5, partition: 1 },
    ];
    const seen = watermarksOf(
      chain(source('s', samples, { watermark: { strategy: 'bounded', maxOutOfOrdernessMs: 50 } }), identity, sink()),
    );
    for (const [id, list] of Object.entries(seen)) {
      for (let i = 1; i < list.length; i++) expect(list[i], `${id} watermark #${i}`).toBeGreaterThan(list[i - 1]!);
    }
    // p0: 449 from its first record on; p1: -∞ → 20 - 50 - 1 = -31 → marker 10 → 849. Source: the minimum.
    expect(seen.s).toEqual([-31, 10, 449, Infinity]);
  });
});
