/**
 * The partitioner of a deployment's producers: the partitions kafkajs's DefaultPartitioner (the Java client's
 * murmur2) picks for keyed records, computed for less. kafkajs's own filters the partition list for available
 * leaders and hashes through 64-bit `Long` objects, a few allocations per record on the sink's hot path (about 5 %
 * of a deployment's CPU in the Kafka benchmark); only the low 32 bits of that arithmetic reach the result, so
 * `Math.imul` gives the same hash.
 */
import type { ICustomPartitioner } from 'kafkajs';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 of the bytes (signed 32-bit), as the Java client and kafkajs compute it. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= data[whole + 2]! << 16;
  if (rest >= 2) h ^= data[whole + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ data[whole]!, M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  return h ^ (h >>> 15);
}

/**
 * An explicit partition as given; a key by its murmur2 hash (the partition every Kafka client picks for it); no key:
 * round-robin over the topic's partitions.
 */
export const keyPartitioner: ICustomPartitioner = () => {
  let next = 0;
  return ({ partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const key = message.key;
    if (key !== null && key !== undefined)
      return (murmur2(typeof key === 'string' ? Buffer.from(key) : key) & 0x7fffffff) % partitionMetadata.length;
    next = (next + 1) & 0x7fffffff;
    return partitionMetadata[next % partitionMetadata.length]!.partitionId;
  };
};
