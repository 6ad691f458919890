/** Topics a deployment owns or needs: created when missing, checked when they must exist already. */
import type { Admin, ITopicConfig } from 'kafkajs';

export function changelogTopic(pipelineId: string): string {
  return `${pipelineId}.changelog`;
}

export function deadLetterTopic(pipelineId: string): string {
  return `${pipelineId}.dlq`;
}

/**
 * Compacted, one partition (one writer, read in order), with small segments so the cleaner can compact something:
 * the active segment is never compacted.
 */
export function changelogTopicConfig(pipelineId: string): ITopicConfig {
  return {
    topic: changelogTopic(pipelineId),
    numPartitions: 1,
    configEntries: [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'segment.bytes', value: String(16 * 1024 * 1024) },
      { name: 'min.cleanable.dirty.ratio', value: '0.2' },
    ],
  };
}

/** Creates the topics that do not exist yet (the broker's default partitions and replication otherwise). */
export async function ensureTopics(admin: Admin, topics: ITopicConfig[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true, timeout: 30_000 });
  } catch (err) {
    // Another instance may have created them in between; anything else is real.
    if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
  }
}

/** The topics of `topics` the cluster does not have. */
export async function missingTopics(admin: Admin, topics: string[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  return topics.filter((t) => !existing.has(t));
}
