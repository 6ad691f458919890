/**
 * Offsets by topic and partition, as both deployment inputs (kafkajs and librdkafka) keep them: the next offset to
 * read per partition, the log ends and where reading started.
 */
import type { InputOffsets } from '../kafka/changelog.ts';

export type OffsetTable = Map<string, Map<number, number>>;

/** The partitions of `topic`, made empty on first use. */
export function topicOffsets(table: OffsetTable, topic: string): Map<number, number> {
  let partitions = table.get(topic);
  if (partitions === undefined) table.set(topic, (partitions = new Map()));
  return partitions;
}

/** Offsets stored with a restored checkpoint, for the topics whose sources kept their state. */
export function restoreOffsets(table: OffsetTable, offsets: InputOffsets, topics: ReadonlySet<string>): void {
  for (const [topic, partitions] of Object.entries(offsets)) {
    if (!topics.has(topic)) continue;
    const positions = topicOffsets(table, topic);
    for (const [partition, offset] of Object.entries(partitions)) positions.set(Number(partition), offset);
  }
}

/** The table as a checkpoint stores it; topics without a partition are left out. */
export function offsetsOf(table: OffsetTable): InputOffsets {
  const offsets: InputOffsets = {};
  for (const [topic, partitions] of table) {
    if (partitions.size === 0) continue;
    const entry: Record<string, number> = (offsets[topic] = {});
    for (const [partition, next] of partitions) entry[partition] = next;
  }
  return offsets;
}
