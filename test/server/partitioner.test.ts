import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { keyPartitioner, murmur2 } from '../../server/src/kafka/partitioner.ts';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;
const { Partitioners } = require('kafkajs') as typeof import('kafkajs');

function keys(): Buffer[] {
  const list = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', '12345', 'user-42', 'ünïcödé', '\u{1F600}'].map((s) =>
    Buffer.from(s),
  );
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    const bytes = Buffer.alloc(i % 23);
    for (let b = 0; b < bytes.length; b++) bytes[b] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    list.push(bytes);
  }
  return list;
}

describe('the deployment producers’ partitioner', () => {
  it('hashes every key to the value kafkajs’s murmur2 gives, empty and multi-byte keys included', () => {
    for (const key of keys()) expect(murmur2(key)).toBe(kafkajsMurmur2(key));
  });

  it('sends a keyed record to the partition kafkajs’s default partitioner picks, and keeps an explicit partition', () => {
    const partitionMetadata = Array.from({ length: 7 }, (_, p) => ({
      partitionId: p,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    const ours = keyPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    for (const key of keys()) {
      const args = {
        topic: 't',
        partitionMetadata,
        message: { key: key.toString('latin1') === key.toString('utf8') ? key.toString('utf8') : key, value: null },
      };
      expect(ours(args)).toBe(theirs(args));
    }
    expect(ours({ topic: 't', partitionMetadata, message: { key: 'x', value: null, partition: 5 } })).toBe(5);
  });

  it('spreads records without a key over every partition in turn', () => {
    const partitionMetadata = Array.from({ length: 3 }, (_, p) => ({
      partitionId: p,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    const partition = keyPartitioner();
    const seen = Array.from({ length: 6 }, () => partition({ topic: 't', partitionMetadata, message: { value: 'v' } }));
    expect(new Set(seen)).toEqual(new Set([0, 1, 2]));
  });
});
