import { describe, it, expect } from 'vitest';
import { keyGroupOf } from '../../../shared/engine/keyed.ts';
import type { Json } from '../../../shared/pipeline/types.ts';
import { OP, OperatorHarness, record, watermark } from '../harness.ts';
import { pane, windowSpec } from './support.ts';

/**
 * The window state's snapshot form: `{ keys: { nextSeq, groups: { [keyGroup]: [[key, seq, [[start, end, acc]]]] } },
 * timers: [[time, key, keySeq, namespace]], arrival }`, the key group hashed from the key's JSON text and the
 * namespace the window's start as text. Checkpoints taken by one version are restored by the next, so this form
 * is fixed here by hand rather than by a round trip.
 */
function groups(entries: Array<[keyText: string, entry: [Json, number, Json]]>): Record<string, Json[]> {
  const result: Record<string, Json[]> = {};
  for (const [keyText, entry] of entries) (result[String(keyGroupOf(keyText, 128))] ??= []).push(entry);
  return result;
}

const tumbling = windowSpec({ kind: 'tumbling', sizeMs: 10 });

describe('window state in snapshots', () => {
  it('files a number key under the key group of its JSON text and a window timer under its start as text', () => {
    const harness = new OperatorHarness(tumbling);
    harness.push(record(7, 'x', 1));
    harness.push(record('7', 'x', 2));
    harness.push(record(7, 'x', 3));
    expect(harness.snapshot().nodes[OP]!.state).toEqual({
      keys: {
        nextSeq: 2,
        groups: groups([
          ['7', [7, 0, [[0, 10, 2]]]],
          ['"7"', ['7', 1, [[0, 10, 1]]]],
        ]),
      },
      timers: [
        [9, 7, 0, '0'],
        [9, '7', 1, '0'],
      ],
      arrival: 3,
    });
  });

  it('restores that form written by hand and fires its panes in the order the keys were first seen', () => {
    const harness = new OperatorHarness(tumbling);
    const snapshot = harness.snapshot();
    snapshot.nodes[OP]!.state = {
      keys: {
        nextSeq: 2,
        groups: groups([
          ['"7"', ['7', 0, [[0, 10, 4]]]],
          ['7', [7, 1, [[0, 10, 5]]]],
        ]),
      },
      timers: [
        [9, '7', 0, '0'],
        [9, 7, 1, '0'],
      ],
      arrival: 9,
    };
    harness.engine.restore(snapshot);
    expect(harness.stateSize()).toEqual({ keys: 2, timers: 2 });
    expect(harness.push(watermark(8))).toEqual([]);
    expect(harness.push(watermark(9))).toEqual([pane('7', 0, 10, 4), pane(7, 0, 10, 5)]);
    expect(harness.stateSize()).toEqual({ keys: 0, timers: 0 });
  });
});
