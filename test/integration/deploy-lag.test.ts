/**
 * The consumer lag a deployment reports, held against what Kafka's own tools say while a backlog drains: 200 000
 * small records wait in a two-partition topic before a pipeline with a deliberately slow map is deployed, and the
 * reported lag is compared with the log end offsets (`fetchTopicOffsets`) and the group's committed offsets
 * (`fetchOffsets` of `weir-<id>`), the figures `kafka-consumer-groups.sh --describe` prints.
 *
 * What the two measure differs by design: Weir's lag is the log end minus the engine's position (the next record it
 * processes); kafka-consumer-groups' LAG is the log end minus the group's committed offset, which moves only when a
 * checkpoint commits. So at any moment Weir's lag ≤ consumer-groups' lag, and the gap is the records processed since
 * the last checkpoint. A reading is bracketed by the metrics event before the admin reads and the one after them;
 * the tolerance is exactly what those two readings say was processed and committed around the admin reads.
 *
 * Its own broker, on port 19592, so that its load does not disturb the suites sharing 19092.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeploymentManager } from '../../server/src/deployments/manager.ts';
import type { DeploymentMetrics, PartitionMetrics } from '../../shared/api/deployments.ts';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';
import { PATIENCE_MS } from '../patience.ts';
import { createInputTopic, deleteTestTopics, sleep, uniqueSuffix, waitFor } from './support/deploy-fixtures.ts';
import { kafkaClient, startKafka, type RunningKafka } from './support/kafka.ts';

const PORT = 19592;
const PARTITIONS = 2;
const RECORDS = 200_000;

/** A map that spends some microseconds of CPU on each record, so that the backlog takes several seconds to drain. */
function slowPipeline(id: string, input: string, output: string): PipelineDoc {
  return {
    format: 'weir/v1',
    id,
    name: 'Slow drain',
    settings: { checkpointIntervalMs: 500 },
    nodes: [
      { id: 'events', type: 'source.kafka', params: { topic: input, valueFormat: 'text' } },
      {
        id: 'slow',
        type: 'map',
        params: {
          code: [
            'export default (value) => {',
            '  let h = 0;',
            '  for (let i = 0; i < 6000; i++) h = (h * 31 + i) | 0;',
            '  return h & 1;',
            '};',
          ],
        },
      },
      { id: 'out', type: 'sink.kafka', params: { topic: output } },
    ],
    edges: [
      { from: 'events', to: 'slow' },
      { from: 'slow', to: 'out' },
    ],
  };
}

/** 200 000 one-byte records, half on each partition, sent in large batches. */
async function produceBacklog(brokers: string[], topic: string): Promise<void> {
  const producer = kafkaClient(brokers, 'weir-lag-producer').producer();
  await producer.connect();
  try {
    const batch = 10_000;
    for (let i = 0; i < RECORDS; i += batch) {
      const messages = Array.from({ length: batch }, (_, n) => ({ partition: (i + n) % PARTITIONS, value: 'x' }));
      await producer.send({ topic, messages, acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/** What kafka-consumer-groups.sh --describe shows for one partition. */
interface GroupRow {
  partition: number;
  /** LOG-END-OFFSET */
  end: number;
  /** CURRENT-OFFSET; null for "-" (nothing committed yet). */
  committed: number | null;
}

interface Bracketed {
  before: DeploymentMetrics;
  rows: GroupRow[];
  after: DeploymentMetrics;
}

describe('consumer lag while a backlog drains', () => {
  let kafka: RunningKafka;
  let dataDir: string;
  let manager: DeploymentManager;

  beforeAll(async () => {
    kafka = await startKafka({ port: PORT });
    dataDir = mkdtempSync(join(tmpdir(), 'weir-lag-'));
    manager = new DeploymentManager({
      dataDir,
      kafka: { brokers: kafka.brokers },
      sessionTimeoutMs: 6000,
      log: () => {},
      metricsIntervalMs: 250,
    });
    await manager.start();
  });

  afterAll(async () => {
    await manager?.shutdown();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (kafka) await deleteTestTopics(kafka.brokers).catch(() => {});
    await kafka?.stop();
  });

  it('reports a lag above 0 that falls to 0, and that agrees with the log end and the group offsets Kafka reports', async () => {
    const suffix = uniqueSuffix();
    const id = `lag-${suffix}`;
    const input = `lag-${suffix}-in`;
    await createInputTopic(kafka.brokers, input, PARTITIONS);
    await produceBacklog(kafka.brokers, input);

    const readings: DeploymentMetrics[] = [];
    await manager.deploy(slowPipeline(id, input, `lag-${suffix}-out`));
    const unsubscribe = manager.subscribe(id, (event) => {
      if (event.type === 'metrics') readings.push(event.data);
    });
    const admin = kafkaClient(kafka.brokers, 'weir-lag-admin').admin();
    await admin.connect();
    const bracketed: Bracketed[] = [];
    const started = Date.now();
    try {
      const drained = () => {
        const last = readings.at(-1);
        return (
          last !== undefined &&
          last.partitions.length === PARTITIONS &&
          last.partitions.every((p) => p.position === RECORDS / PARTITIONS && p.lag === 0)
        );
      };
      // kafka-consumer-groups' view, read again and again while the backlog drains, each time between two readings.
      while (!drained()) {
        const before = readings.at(-1);
        const read = await Promise.all([
          admin.fetchTopicOffsets(input),
          admin.fetchOffsets({ groupId: `weir-${id}`, topics: [input] }),
        ]).catch((err: unknown) => {
          // The group's coordinator moves while a fresh broker loads __consumer_offsets: ask again.
          if ((err as { retriable?: boolean }).retriable) return null;
          throw err;
        });
        if (read === null) {
          await sleep(100);
          continue;
        }
        const [ends, groups] = read;
        const count = readings.length;
        await waitFor(() => readings.length > count, 'the next metrics reading');
        if (before !== undefined) {
          const committed = new Map(groups[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
          const rows = ends.map((e) => ({
            partition: e.partition,
            end: Number(e.high),
            committed: (committed.get(e.partition) ?? -1) < 0 ? null : committed.get(e.partition)!,
          }));
          bracketed.push({ before, rows, after: readings.at(-1)! });
        }
        if (Date.now() - started > PATIENCE_MS) throw new Error(`the backlog did not drain within ${PATIENCE_MS} ms`);
      }
    } finally {
      unsubscribe();
      await admin.disconnect();
    }

    const lagOf = (m: DeploymentMetrics, partition: number): PartitionMetrics | undefined =>
      m.partitions.find((p) => p.partition === partition);
    const END = RECORDS / PARTITIONS;
    const listed = readings.filter((m) => m.partitions.length > 0);
    const positive = listed.filter((m) => m.lag.events! > 0);
    console.log(
      `source lag of ${positive.length} readings above 0, one in four: ${positive
        .filter((_, i) => i % 4 === 0)
        .map((m) => m.lag.events)
        .join(', ')}`,
    );
    expect(positive.length).toBeGreaterThan(2);
    expect(readings.at(-1)!.lag.events).toBe(0);
    for (const m of listed) {
      // The source's lag is the sum over its partitions; a partition read from is as far behind as the log end is
      // ahead of the next record the engine processes.
      expect(m.lag.events).toBe(m.partitions.reduce((n, p) => n + p.lag, 0));
      for (const p of m.partitions) if (p.position !== null) expect(p.lag).toBe(END - p.position);
    }
    // kafkajs hands over one partition's batch at a time, so the other partition waits for its first one for seconds:
    // meanwhile it counts from where reading starts (offset 0: no checkpoint yet), as kafka-consumer-groups does.
    expect(listed.some((m) => m.partitions.some((p) => p.position === null && p.lag === END))).toBe(true);
    // Nothing is produced after the backlog, so once a partition's lag is counted it only falls.
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const lags = listed.map((m) => lagOf(m, partition)?.lag ?? 0);
      const from = lags.findIndex((lag) => lag > 0);
      expect(from).toBeGreaterThanOrEqual(0);
      for (let i = from + 1; i < lags.length; i++) expect(lags[i]).toBeLessThanOrEqual(lags[i - 1]!);
    }

    // Against Kafka: the partitions read mid-drain, once the group had committed an offset for them.
    const midDrain = bracketed.flatMap(({ before, rows, after }) =>
      rows.flatMap((row) => {
        const [b, a] = [lagOf(before, row.partition), lagOf(after, row.partition)];
        return row.committed !== null && a !== undefined && a.lag > 0 ? [{ row, before: b, after: a }] : [];
      }),
    );
    expect(midDrain.length).toBeGreaterThan(0);
    for (const { row, before, after } of midDrain) {
      // LOG-END-OFFSET is the end of what was produced, and the high watermark the lag is counted from: not stale.
      expect(row.end).toBe(END);
      expect(after.lag).toBe(row.end - after.position!);
      // CURRENT-OFFSET is what the last checkpoint committed: between what the readings before and after report.
      const committedBefore = before?.committedOffset ?? 0;
      expect(row.committed!).toBeGreaterThanOrEqual(committedBefore);
      expect(row.committed!).toBeLessThanOrEqual(after.committedOffset!);
      // LAG = LOG-END-OFFSET - CURRENT-OFFSET, which also counts the records processed since the last checkpoint: at
      // least Weir's lag after the reads, at most the log end minus what was committed before them.
      const consumerGroupsLag = row.end - row.committed!;
      expect(consumerGroupsLag).toBeGreaterThanOrEqual(after.lag);
      expect(consumerGroupsLag).toBeLessThanOrEqual(row.end - committedBefore);
    }
    const { row, after } = midDrain[Math.floor(midDrain.length / 2)]!;
    console.log(
      `mid-drain, partition ${row.partition}: log end ${row.end}, group offset ${row.committed}, consumer-groups lag ${row.end - row.committed!}; ` +
        `Weir: position ${after.position}, committed ${after.committedOffset}, lag ${after.lag} (${midDrain.length} such reads)`,
    );
  });
});
