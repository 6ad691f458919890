/**
 * The Flink-on-Kafka benchmark's own code on a small input (bench/flink-kafka.ts): the tumbling-count job on Flink
 * at parallelism 1, the page-views example at parallelism 2 and on the Weir server, and the UDF variant on Flink,
 * each committing exactly the output the engine computes over the same events (measureFlink and measureWeir
 * compare count and checksum of every sink and throw otherwise). No figure is asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBenchSession, type KafkaBenchSession } from '../../bench/kafka/cluster.ts';
import { benchFlink } from '../../bench/kafka/flink.ts';
import { expectedOutput, KAFKA_JOBS } from '../../bench/kafka/jobs.ts';
import { measureOn } from '../../bench/flink-kafka.ts';

// 20 000 events: 20 s of event time over 100 000 users, so thousands of window results, in a minute or so on Flink.
const EVENTS = 20_000;

describe('the Flink-on-Kafka benchmark', () => {
  let session: KafkaBenchSession;

  beforeAll(async () => {
    session = await kafkaBenchSession(EVENTS);
    await benchFlink();
  }, 600_000);

  afterAll(async () => {
    await (await benchFlink().catch(() => null))?.close();
    await session?.close();
  }, 180_000);

  it('the count-all jobs with and without a UDF compute the same output, and page-views has no late records', () => {
    const all = expectedOutput(KAFKA_JOBS['count-all'], session.input.events);
    expect(all.out!.count).toBeGreaterThan(1000);
    expect(expectedOutput(KAFKA_JOBS['count-all-udf'], session.input.events)).toEqual(all);
    const pageViews = expectedOutput(KAFKA_JOBS['page-views'], session.input.events);
    expect(pageViews.late_page_views!.count).toBe(0);
    expect(pageViews.page_view_counts).toEqual({
      count: session.expected.outputs,
      checksum: session.expected.checksum,
    });
  });

  it.each([
    ['tumbling-count', 'flink-p1'],
    ['page-views', 'flink-p2'],
    ['page-views', 'weir-server'],
    ['count-all-udf', 'flink-p1'],
  ] as const)(
    '%s on %s commits the count and checksum the engine computes',
    async (job, system) => {
      const run = await measureOn(session, job, system);
      expect(run.outputs).toBe(expectedOutput(KAFKA_JOBS[job], session.input.events)[KAFKA_JOBS[job].sinks[0]!]!.count);
      expect(run.eventsPerSec).toBeGreaterThan(0);
    },
    900_000,
  );
});
