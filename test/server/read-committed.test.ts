/**
 * The read_committed filter installed into kafkajs (server/src/kafka/read-committed.ts): records of aborted
 * transactions are dropped whatever order the broker lists the aborted transactions in.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { filterAbortedMessages } from '../../server/src/kafka/read-committed.ts';
import '../../server/src/kafka/config.ts';

interface Fetched {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  isControlRecord?: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}

const record = (offset: number, producerId: number, value = `r${offset}`): Fetched => ({
  offset: String(offset),
  key: null,
  value: Buffer.from(value),
  batchContext: { producerId: String(producerId), inTransaction: true },
});
const marker = (offset: number, producerId: number, commit: boolean): Fetched => ({
  offset: String(offset),
  key: Buffer.from([0, 0, 0, commit ? 1 : 0]),
  value: null,
  isControlRecord: true,
  batchContext: { producerId: String(producerId), inTransaction: true },
});
const plain = (offset: number): Fetched => ({
  offset: String(offset),
  key: null,
  value: Buffer.from(`p${offset}`),
  batchContext: { producerId: '-1', inTransaction: false },
});

/**
 * What a KafkaSink at parallelism 2 leaves in one partition when its job is restarted: producers 1130 and 1131 had
 * transactions open at once (1130 first), recovery aborted 1131's first (marker at 10), then 1130's (marker at 11);
 * producer 1254 committed after that. The broker lists aborted transactions in marker order: 1131, then 1130.
 */
const partition: Fetched[] = [
  record(0, 1126),
  record(1, 1130),
  record(2, 1130),
  record(3, 1131),
  record(4, 1130),
  record(5, 1131),
  plain(6),
  record(7, 1131),
  record(8, 1130),
  marker(9, 1126, true),
  marker(10, 1131, false),
  marker(11, 1130, false),
  record(12, 1254),
  marker(13, 1254, true),
];
const abortedInMarkerOrder = [
  { producerId: '1131', firstOffset: '3' },
  { producerId: '1130', firstOffset: '1' },
];
const kept = (messages: Fetched[]) => messages.filter((m) => !m.isControlRecord).map((m) => m.value!.toString());

describe("kafkajs's read_committed filter", () => {
  it('drops every record of both aborted transactions, listed in the order of their markers', () => {
    expect(kept(filterAbortedMessages({ messages: partition, abortedTransactions: abortedInMarkerOrder }))).toEqual([
      'r0',
      'p6',
      'r12',
    ]);
  });

  it('drops them when the fetch starts inside both transactions', () => {
    const fromFour = partition.filter((m) => Number(m.offset) >= 4);
    expect(kept(filterAbortedMessages({ messages: fromFour, abortedTransactions: abortedInMarkerOrder }))).toEqual([
      'p6',
      'r12',
    ]);
  });

  it('keeps a later transaction of a producer whose earlier one was aborted', () => {
    const messages = [record(0, 7), marker(1, 7, false), record(2, 7), marker(3, 7, true)];
    expect(
      kept(filterAbortedMessages({ messages, abortedTransactions: [{ producerId: '7', firstOffset: '0' }] })),
    ).toEqual(['r2']);
  });

  it("is the filter kafkajs's Batch uses once server/src/kafka/config.ts is loaded", () => {
    const require = createRequire(import.meta.url);
    const Batch = require('kafkajs/src/consumer/batch.js') as new (
      topic: string,
      fetchedOffset: string,
      data: unknown,
    ) => { messages: Fetched[] };
    const batch = new Batch('t', '0', {
      partition: 0,
      highWatermark: '14',
      abortedTransactions: abortedInMarkerOrder,
      messages: partition,
    });
    expect(batch.messages.map((m) => m.value!.toString())).toEqual(['r0', 'p6', 'r12']);
  });
});
