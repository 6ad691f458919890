/**
 * OrderedSender (server/src/kafka/ordered-sender.ts): sends that fit, several at a time, never two of one partition at
 * once, so that each partition's records arrive in the order they were added.
 */
import { describe, expect, it } from 'vitest';
import type { Message } from 'kafkajs';
import { OrderedSender, type OrderedSenderOptions } from '../../server/src/kafka/ordered-sender.ts';

interface Probe {
  sends: Message[][];
  written: Map<number, number[]>;
  maxInFlight: number;
  overlapping: number;
}

/** A sender whose sends finish after a few pseudo-random milliseconds, checking what is in flight. */
function sender(
  options: Partial<OrderedSenderOptions> = {},
  fail?: (send: number) => Error | undefined,
): { sender: OrderedSender; probe: Probe } {
  const probe: Probe = { sends: [], written: new Map(), maxInFlight: 0, overlapping: 0 };
  const busy = new Set<number>();
  let inFlight = 0;
  let seed = 7;
  const sender = new OrderedSender({
    chunkBytes: 1000,
    chunkMessages: 10,
    sendBytes: 2500,
    maxInFlight: 3,
    maxBufferedBytes: 4000,
    ...options,
    send: async (messages) => {
      const index = probe.sends.push(messages) - 1;
      const partitions = new Set(messages.map((m) => m.partition!));
      for (const p of partitions) if (busy.has(p)) probe.overlapping++;
      for (const p of partitions) busy.add(p);
      probe.maxInFlight = Math.max(probe.maxInFlight, ++inFlight);
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      await new Promise((resolve) => setTimeout(resolve, seed % 4));
      inFlight--;
      for (const p of partitions) busy.delete(p);
      const error = fail?.(index);
      if (error) throw error;
      for (const m of messages) {
        const list = probe.written.get(m.partition!) ?? [];
        list.push(Number(m.value));
        probe.written.set(m.partition!, list);
      }
    },
  });
  return { sender, probe };
}

describe('OrderedSender', () => {
  it('writes every record once, in order within each partition, in chunks that fit, never two sends of a partition at once', async () => {
    const { sender: s, probe } = sender();
    const partitions = 5;
    for (let i = 0; i < 2000; i++) {
      s.add({ value: String(i), partition: i % partitions }, 90, i % partitions);
      if (i % 100 === 99) await s.room();
    }
    await s.flush();

    for (let p = 0; p < partitions; p++)
      expect(probe.written.get(p)).toEqual(Array.from({ length: 400 }, (_, k) => k * partitions + p));
    expect(probe.overlapping).toBe(0);
    expect(probe.maxInFlight).toBeGreaterThan(1);
    expect(probe.maxInFlight).toBeLessThanOrEqual(3);
    for (const send of probe.sends) {
      const perPartition = new Map<number, number>();
      for (const m of send) perPartition.set(m.partition!, (perPartition.get(m.partition!) ?? 0) + 1);
      for (const n of perPartition.values()) expect(n * 90).toBeLessThanOrEqual(1000);
      for (const n of perPartition.values()) expect(n).toBeLessThanOrEqual(10);
      if (perPartition.size > 1) expect(send.length * 90).toBeLessThanOrEqual(2500);
    }
  });

  it('lets room() go on when only partly filled chunks hold the buffered records', async () => {
    // 40 partitions of 3 records: over maxBufferedBytes, yet no chunk is full.
    const { sender: s, probe } = sender({ chunkMessages: 100, chunkBytes: 100_000, maxBufferedBytes: 1000 });
    for (let i = 0; i < 120; i++) s.add({ value: String(i), partition: i % 40 }, 90, i % 40);
    await s.room();
    await s.flush();
    expect([...probe.written.values()].flat().length).toBe(120);
  });

  it('rejects with the error of a failed send once the sends in flight are done, and starts no more', async () => {
    const { sender: s, probe } = sender({}, (send) => (send === 3 ? new Error('broker says no') : undefined));
    let error: unknown;
    try {
      for (let i = 0; i < 1000; i++) {
        s.add({ value: String(i), partition: i % 2 }, 90, i % 2);
        if (i % 50 === 49) await s.room();
      }
      await s.flush();
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toBe('broker says no');
    const started = probe.sends.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(probe.sends.length).toBe(started);
    expect(started).toBeLessThan(1000 / 10);
  });
});
