/**
 * Weir pipelines on Apache Flink against Kafka, beside the Weir server on the same events (issue item 6): the
 * tumbling-count workload and the page-views example deployed exactly-once with 1 s checkpoints on a local Flink
 * cluster at parallelism 1 and 2 (bench/kafka/flink.ts) and on the Weir server (bench/kafka.ts's measureWeir), and
 * the cost of one UDF node per record on each: `count-all` without a UDF against `count-all-udf`, the same job
 * behind a filter UDF that keeps every event (bench/kafka/jobs.ts).
 *
 * Every run reads the same input topic of the session (the generator's events, seed 42, 4 partitions, then one
 * flush record per partition) and must commit the engine's output count and checksum for every sink, or the bench
 * fails. 500 000 events per run, median of 3 runs (`--quick`: 20 000, one run): the Flink runner hosts every node in
 * GraalJS, which runs interpreted on a stock JDK, so it moves a few thousand events a second on this machine, and
 * 3 runs of each of the six Flink measurements over the 2 million events of the Kafka section would take hours.
 */
import { kafkaBenchSession, type KafkaBenchSession } from './kafka/cluster.ts';
import { benchFlink, measureFlink, type FlinkRun } from './kafka/flink.ts';
import { expectedOutput, KAFKA_JOBS, type JobOutput, type KafkaJobName } from './kafka/jobs.ts';
import { FLINK_KAFKA_SYSTEMS, type FlinkKafkaSystem } from './kafka/flink-report.ts';
import { measureWeir } from './kafka.ts';
import { median } from './stats.ts';
import type { Measurement, RunOptions, Workload } from './measurement.ts';

export const FLINK_KAFKA_FULL_EVENTS = 500_000;
export const FLINK_KAFKA_QUICK_EVENTS = 20_000;
export const FLINK_KAFKA_FULL_RUNS = 3;

const expectedBySession = new WeakMap<KafkaBenchSession, Map<KafkaJobName, JobOutput>>();

/** What the engine computes for `job` over the session's events (once per session and job). */
function expectedFor(session: KafkaBenchSession, job: KafkaJobName): JobOutput {
  let byJob = expectedBySession.get(session);
  if (byJob === undefined) expectedBySession.set(session, (byJob = new Map()));
  let expected = byJob.get(job);
  if (expected === undefined) byJob.set(job, (expected = expectedOutput(KAFKA_JOBS[job], session.input.events)));
  return expected;
}

/** One run of `job` on `system` over the session's input. */
export async function measureOn(
  session: KafkaBenchSession,
  job: KafkaJobName,
  system: FlinkKafkaSystem,
): Promise<FlinkRun> {
  const expected = expectedFor(session, job);
  if (system === 'weir-server') return measureWeir(session, 'exactly-once', KAFKA_JOBS[job], expected);
  return measureFlink(session, KAFKA_JOBS[job], expected, system === 'flink-p1' ? 1 : 2);
}

function flinkKafkaWorkload(job: KafkaJobName, system: FlinkKafkaSystem): Workload {
  return {
    workload: job,
    system,
    description: `${FLINK_KAFKA_SYSTEMS[system]}: ${KAFKA_JOBS[job].description}`,
    async run(options: RunOptions): Promise<Measurement> {
      const session = await kafkaBenchSession(options.quick ? FLINK_KAFKA_QUICK_EVENTS : FLINK_KAFKA_FULL_EVENTS);
      const runs: FlinkRun[] = [];
      try {
        for (let i = 0; i < (options.quick ? 1 : FLINK_KAFKA_FULL_RUNS); i++)
          runs.push(await measureOn(session, job, system));
        // A fresh cluster (and warm-up) for every Flink measurement: the TaskManager ran out of Metaspace on the
        // 14th job of one cluster (every job loads the runner jar, Kafka client included, in a class loader of its
        // own, and they are not all collected), and no measurement then depends on what ran before it.
        if (system !== 'weir-server') await (await benchFlink()).close();
      } catch (err) {
        // The bench ends with this error, and beforeExit (which closes both otherwise) does not run.
        await session.close().catch(() => {});
        await (await benchFlink().catch(() => null))?.close({ keep: true }).catch(() => {});
        throw err;
      }
      const records = session.input.records;
      const perCpu = runs.map((r) => (records / r.cpuMs) * 1000);
      return {
        workload: job,
        system,
        eventsPerSec: Math.round(median(runs.map((r) => r.eventsPerSec))),
        events: records,
        outputs: runs[0]!.outputs,
        checksum: runs[0]!.checksum,
        runsPerSec: runs.map((r) => r.eventsPerSec),
        eventsPerCpuSec: Math.round(median(perCpu)),
        notes: [
          `${records.toLocaleString('en')} records in 4 partitions, median of ${runs.length} run${runs.length === 1 ? '' : 's'} (${runs.map((r) => `${r.eventsPerSec.toLocaleString('en')}/s in ${(r.elapsedMs / 1000).toFixed(1)} s`).join(', ')})`,
          `${Math.round(median(perCpu)).toLocaleString('en')} events per CPU second (${system === 'weir-server' ? 'the bench process, the deployment’s worker thread included' : 'the JobManager and TaskManager JVMs'}; ${runs.map((r) => `${(r.cpuMs / 1000).toFixed(1)} s`).join(', ')})`,
          `output checked: ${runs[0]!.outputs.toLocaleString('en')} window results, checksum ${runs[0]!.checksum}`,
          ...runs[0]!.notes,
        ],
      };
    },
  };
}

export const flinkKafkaWorkloads: Workload[] = [
  flinkKafkaWorkload('tumbling-count', 'weir-server'),
  flinkKafkaWorkload('tumbling-count', 'flink-p1'),
  flinkKafkaWorkload('tumbling-count', 'flink-p2'),
  flinkKafkaWorkload('page-views', 'weir-server'),
  flinkKafkaWorkload('page-views', 'flink-p1'),
  flinkKafkaWorkload('page-views', 'flink-p2'),
  flinkKafkaWorkload('count-all', 'weir-server'),
  flinkKafkaWorkload('count-all-udf', 'weir-server'),
  flinkKafkaWorkload('count-all', 'flink-p1'),
  flinkKafkaWorkload('count-all-udf', 'flink-p1'),
];
