/**
 * Restore of a large state: `keys` events, one per user, all inside one one-minute window that stays open (the
 * latest event time is 50 s into it, the watermark 5 s behind), so the window node holds `keys` panes and as many
 * timers. The deployment (exactly-once, 1 s checkpoints) reads them all, then is stopped with a savepoint and
 * resumed, `runs` times. Each restore is timed from the resume call to the consumer running again: a new worker
 * thread loading its modules, the Kafka clients connecting, the transactional producer fencing its predecessor,
 * the changelog read to its end and decoded, the engine restored, and the consumer group joined with the input
 * positions sought.
 *
 * Afterwards one flush record per partition moves the watermark past the window: the restored state must fire
 * every pane with a count of one.
 */
import type { Kafka } from 'kafkajs';
import { OutputChecksum } from '../checksum.ts';
import { WORKLOADS } from '../workloads.ts';
import { DEFAULT_GENERATOR } from '../data/generate.ts';
import { createTopics, endOffsets, PARTITIONS, topicChecksum, type KafkaBenchSession } from './cluster.ts';
import { WeirJob } from './deploy.ts';

const WINDOW_MS = 60_000;
const SEND_BATCH = 16_000;

export interface RestoreRun {
  keys: number;
  restoresMs: number[];
  notes: string[];
}

function keyEvent(user: number, ts: number): string {
  return JSON.stringify({ user_id: user, event_type: 'page_view', page_url: '/', ts, duration_ms: 0 });
}

async function produceKeys(kafka: Kafka, topic: string, keys: number, windowStart: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    const timestamp = String(Date.now());
    for (let from = 0; from < keys; from += SEND_BATCH) {
      const messages = [];
      for (let user = from; user < Math.min(keys, from + SEND_BATCH); user++) {
        messages.push({
          key: String(user),
          value: keyEvent(user, windowStart + Math.floor((user * 50_000) / keys)),
          partition: user % PARTITIONS,
          timestamp,
        });
      }
      await producer.send({ topic, acks: 1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

async function produceFlush(kafka: Kafka, topic: string, ts: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    const messages = Array.from({ length: PARTITIONS }, (_, p) => ({
      key: String(p),
      value: JSON.stringify({ user_id: p, event_type: 'flush', page_url: '/', ts, duration_ms: 0 }),
      partition: p,
    }));
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

/** The log lines of one run that time its phases, as offsets from `started`. */
function phases(logs: readonly string[], from: number, started: number): string {
  const restored = logs.slice(from).find((l) => / restored checkpoint /.test(l));
  return restored === undefined
    ? 'no restore logged'
    : `engine restored ${Number(restored.split(' ')[0]) - started} ms after the start`;
}

/**
 * The deployment's heap limit for this run: a million panes and timers, the snapshot's copy of them and its JSON
 * text do not fit the default 512 MB (the worker ran out of memory while checkpointing).
 */
export const RESTORE_WORKER_MEMORY_MB = 2048;

export async function measureRestore(
  session: KafkaBenchSession,
  keys: number,
  runs: number,
  workerMemoryMb = RESTORE_WORKER_MEMORY_MB,
): Promise<RestoreRun> {
  const { kafka } = session;
  const windowStart = DEFAULT_GENERATOR.startTs;
  const input = session.topicName('restore-in');
  const output = session.topicName('restore-out');
  await createTopics(kafka, [input, output]);
  await produceKeys(kafka, input, keys, windowStart);
  const ends = await endOffsets(kafka, input);
  const job = new WeirJob({
    brokers: session.brokers,
    id: session.topicName('restore'),
    input,
    output,
    delivery: 'exactly-once',
    checkpointIntervalMs: 1000,
    workerMemoryMb,
  });
  const notes: string[] = [];
  const restoresMs: number[] = [];
  try {
    const loadStarted = Date.now();
    await job.start();
    await job.checkpointCovering(ends, 600_000);
    const c = job.metrics!.checkpoints;
    notes.push(
      `${keys.toLocaleString('en')} keys read and checkpointed in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s; state ${(c.lastSizeBytes! / 2 ** 20).toFixed(1)} MiB as JSON, ${c.completed} checkpoints, the last took ${c.lastDurationMs} ms`,
    );
    for (let r = 0; r < runs; r++) {
      await job.stop();
      const logFrom = job.logs.length;
      const started = Date.now();
      const ms = await job.resume();
      await job.waitFor(() => job.metrics !== null, 30_000, 'metrics of the resumed deployment');
      if (job.consumed() !== keys)
        throw new Error(
          `restore-1m-keys: the resumed deployment counts ${job.consumed()} records read, expected ${keys}`,
        );
      restoresMs.push(ms);
      notes.push(`restore ${r + 1}: ${ms} ms to running (${phases(job.logs, logFrom, started)})`);
    }
    await produceFlush(kafka, input, windowStart + 3 * WINDOW_MS);
    await job.checkpointCovering(await endOffsets(kafka, input), 600_000);
  } finally {
    await job.close();
  }
  const want = new OutputChecksum();
  for (let user = 0; user < keys; user++)
    want.add(
      WORKLOADS['tumbling-count'].hash({
        key: user,
        window: { start: windowStart, end: windowStart + WINDOW_MS },
        result: 1,
      }),
    );
  const got = await topicChecksum(kafka, output, (v) =>
    WORKLOADS['tumbling-count'].hash(JSON.parse(v.toString('utf8'))),
  );
  if (got.count !== want.count || got.checksum !== want.checksum)
    throw new Error(
      `restore-1m-keys: after the restores the window fired ${got.count} results (checksum ${got.checksum}), expected ${want.count} (${want.checksum})`,
    );
  notes.push(
    `after the restores the window fired all ${got.count.toLocaleString('en')} panes, each with its one event (checksum ${got.checksum})`,
  );
  return { keys, restoresMs, notes };
}
