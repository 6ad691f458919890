/**
 * The changelog layout (server/src/kafka/changelog.ts) without a broker: what each checkpoint writes, in which order,
 * and what a reader rebuilds from the latest value of each key — including after a torn at-least-once write.
 */
import { describe, expect, it } from 'vitest';
import type { Message } from 'kafkajs';
import { Changelog, MARKER_KEY, PIECE_BYTES, decodeChangelog, pieceKey } from '../../server/src/kafka/changelog.ts';
import { planSends } from '../../server/src/kafka/sends.ts';
import { SNAPSHOT_FORMAT, type EngineSnapshot, type NodeSnapshot } from '../../shared/engine/engine.ts';
import type { Json } from '../../shared/pipeline/types.ts';

function node(state: Json): NodeSnapshot {
  return { type: 'window', watermark: 5, channels: {}, state };
}

function snapshot(nodes: Record<string, NodeSnapshot>): EngineSnapshot {
  return { format: SNAPSHOT_FORMAT, pipelineId: 'p', maxParallelism: 128, processingTime: 7, nodes };
}

/** Applies messages as a compacted topic would end up: the latest value per key, tombstones removing keys. */
function apply(log: Map<string, Buffer>, messages: Message[]): void {
  for (const m of messages) {
    const key = String(m.key);
    if (m.value === null) log.delete(key);
    else log.set(key, typeof m.value === 'string' ? Buffer.from(m.value) : m.value);
  }
}

const keys = (messages: Message[]) => messages.map((m) => `${m.key}${m.value === null ? ' ✝' : ''}`);

describe('the changelog of a deployment', () => {
  it('writes changed nodes only, then the marker, then tombstones for the pieces it replaced', () => {
    const changelog = new Changelog('p');
    const first = changelog.plan(snapshot({ a: node(1), b: node(2) }), { in: { 0: 10 } }, { src: 'in' }, {}, 1000);
    expect(keys(first.messages)).toEqual([pieceKey(1, 'a', 0), pieceKey(1, 'b', 0), MARKER_KEY]);
    changelog.committed(first);

    const second = changelog.plan(snapshot({ a: node(1), b: node(3) }), { in: { 0: 20 } }, { src: 'in' }, {}, 2000);
    expect(keys(second.messages)).toEqual([pieceKey(2, 'b', 0), MARKER_KEY, `${pieceKey(1, 'b', 0)} ✝`]);
    expect(second.marker.nodes.a!.checkpoint).toBe(1);
    expect(second.writtenBytes).toBeLessThan(first.writtenBytes);
    changelog.committed(second);

    const log = new Map<string, Buffer>();
    apply(log, first.messages);
    apply(log, second.messages);
    const { restored } = decodeChangelog(log);
    expect(restored!.marker).toMatchObject({ id: 2, offsets: { in: { 0: 20 } } });
    expect(restored!.snapshot).toEqual(snapshot({ a: node(1), b: node(3) }));
  });

  it('splits a node larger than a piece and rebuilds it byte for byte', () => {
    const big = 'x'.repeat(PIECE_BYTES * 2 + 17);
    const changelog = new Changelog('p');
    const plan = changelog.plan(snapshot({ w: node({ big, text: 'ünïcödé' }) }), {}, {}, {}, 0);
    expect(plan.marker.nodes.w!.pieces).toBe(3);
    const log = new Map<string, Buffer>();
    apply(log, plan.messages);
    expect(decodeChangelog(log).restored!.snapshot.nodes.w!.state).toEqual({ big, text: 'ünïcödé' });
  });

  it('restores the last complete checkpoint after a torn write and deletes the torn pieces with the next one', () => {
    const writer = new Changelog('p');
    const first = writer.plan(snapshot({ a: node('one') }), {}, {}, {}, 0);
    writer.committed(first);
    const torn = writer.plan(snapshot({ a: node('two') }), {}, {}, {}, 0);
    const log = new Map<string, Buffer>();
    apply(log, first.messages);
    apply(
      log,
      torn.messages.filter((m) => m.key !== MARKER_KEY && m.value !== null),
    ); // crashed before its marker

    const found = decodeChangelog(log);
    expect(found.restored!.marker.id).toBe(1);
    expect(found.restored!.snapshot.nodes.a!.state).toBe('one');
    expect(found.maxCheckpointSeen).toBe(2);

    const resumed = new Changelog('p');
    resumed.resume(found, new Set(['a']));
    const next = resumed.plan(snapshot({ a: node('three') }), {}, {}, {}, 0);
    expect(next.id).toBe(3);
    expect(keys(next.messages)).toEqual([
      pieceKey(3, 'a', 0),
      MARKER_KEY,
      `${pieceKey(2, 'a', 0)} ✝`,
      `${pieceKey(1, 'a', 0)} ✝`,
    ]);
    apply(log, next.messages);
    expect([...log.keys()].sort()).toEqual([MARKER_KEY, pieceKey(3, 'a', 0)].sort());
  });

  it('tombstones the state of nodes a new version dropped', () => {
    const writer = new Changelog('p');
    const first = writer.plan(snapshot({ a: node(1), gone: node(2) }), {}, {}, {}, 0);
    const log = new Map<string, Buffer>();
    apply(log, first.messages);
    const resumed = new Changelog('p');
    resumed.resume(decodeChangelog(log), new Set(['a']));
    const next = resumed.plan(snapshot({ a: node(1) }), {}, {}, {}, 0);
    expect(keys(next.messages)).toEqual([MARKER_KEY, `${pieceKey(1, 'gone', 0)} ✝`]);
  });

  it('refuses a marker whose pieces are missing instead of restoring part of the state', () => {
    const writer = new Changelog('p');
    const plan = writer.plan(snapshot({ a: node(1) }), {}, {}, {}, 0);
    const log = new Map<string, Buffer>();
    apply(
      log,
      plan.messages.filter((m) => m.key === MARKER_KEY),
    );
    expect(() => decodeChangelog(log)).toThrow(/checkpoint 1 is incomplete: piece 0 of node "a"/);
  });

  it('groups sends so that no send carries more than its byte limit, keeping the order of messages', () => {
    const messages = (topic: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ key: `${topic}${i}`, value: 'v'.repeat(1000) }));
    const sends = planSends(
      [
        { topic: 'a', messages: messages('a', 30) },
        { topic: 'b', messages: messages('b', 30) },
      ],
      10_000,
    );
    for (const send of sends) expect(send.reduce((n, g) => n + g.messages.length, 0)).toBeLessThanOrEqual(9);
    const flat = sends.flatMap((send) => send.flatMap((g) => g.messages.map((m) => `${g.topic}:${m.key}`)));
    expect(flat).toEqual([
      ...messages('a', 30).map((m) => `a:${m.key}`),
      ...messages('b', 30).map((m) => `b:${m.key}`),
    ]);
  });
});
