/**
 * A run's start from the last checkpoint: the changelog read back with read_committed, the engine restored by node id,
 * and every input partition's position set to the one stored with that state; records below it that the consumer
 * still delivers (the group's offsets can be older under at-least-once) are skipped, so no record is counted twice in
 * state. State the new version cannot keep is a permanent failure unless the deploy allowed the loss.
 */
import type { Kafka } from 'kafkajs';
import type { NodeMetrics } from '../../../shared/engine/engine.ts';
import { ChangelogError, decodeChangelog, type ChangelogContents, type InputOffsets } from '../kafka/changelog.ts';
import { readToEnd } from '../kafka/read-topic.ts';
import { GuestCallError } from '../isolate/engine-isolate.ts';
import type { KafkaInput } from './kafka-input.ts';
import type { NodeCounts } from './node-counts.ts';
import { keepableSnapshot, stateProblems, type DeploymentPlan } from './pipeline-plan.ts';
import type { RunEngine } from './run-engine.ts';
import { PermanentFailure } from './run-failures.ts';

/** The changelog's latest value of every key, decoded; one that cannot be decoded is a permanent failure. */
export async function readChangelog(kafka: Kafka, topic: string, groupId: string): Promise<ChangelogContents> {
  const latest = new Map<string, Buffer>();
  await readToEnd(kafka, topic, groupId, (_partition, message) => {
    const key = message.key?.toString('utf8');
    if (key === undefined) return;
    if (message.value === null) latest.delete(key);
    else latest.set(key, message.value);
  });
  try {
    return decodeChangelog(latest);
  } catch (err) {
    if (err instanceof ChangelogError) throw new PermanentFailure(err.message);
    throw err;
  }
}

export interface Restored {
  /** The node ids whose stored state lives on. */
  keep: Set<string>;
  /** The input positions of the checkpoint restored from; null when there was none. */
  offsets: InputOffsets | null;
  /** What the run's log says about it; null when there was nothing to restore. */
  note: string | null;
}

/**
 * Restores `engine`, `counts` and `input`'s positions from the last checkpoint in `contents`, if any. `counts` is
 * restored first, so that metrics read while the engine restores show the totals it goes on from.
 */
export async function restoreRun(
  plan: DeploymentPlan,
  allowStateLoss: boolean,
  contents: ChangelogContents,
  target: { engine: RunEngine; input: Pick<KafkaInput, 'restorePositions'>; counts: NodeCounts },
): Promise<Restored> {
  const keep = new Set(plan.pipeline.nodes.map((n) => n.id));
  if (!contents.restored) return { keep, offsets: null, note: null };
  const { marker, snapshot } = contents.restored;
  const problems = stateProblems(plan.pipeline, snapshot);
  const lost = [...problems.removed.map((id) => `${id} (removed)`), ...problems.retyped];
  if (lost.length > 0 && !allowStateLoss)
    throw new PermanentFailure(
      `the last checkpoint holds state this version cannot keep: ${lost.join(', ')}; deploy with allowStateLoss to drop it`,
    );
  const kept = keepableSnapshot(plan.pipeline, snapshot, marker.sources);
  for (const id of keep) if (!(id in kept.nodes)) keep.delete(id);
  target.counts.restore((marker.counts ?? {}) as unknown as Record<string, NodeMetrics>);
  try {
    await target.engine.restore(kept);
  } catch (err) {
    if (err instanceof GuestCallError && err.error.kind === 'restore') throw new PermanentFailure(err.message);
    throw err;
  }
  const keptTopics = new Set(
    plan.sources.filter((s) => s.id in kept.nodes || !(s.id in marker.sources)).map((s) => s.topic),
  );
  target.input.restorePositions(marker.offsets, keptTopics);
  return {
    keep,
    offsets: marker.offsets,
    note: `restored checkpoint ${marker.id} (${Object.keys(kept.nodes).length} nodes)`,
  };
}
