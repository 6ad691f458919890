/**
 * Kafka end to end on the local broker: the tumbling-count job deployed exactly-once (1 s checkpoints) and
 * at-least-once, against plain consume → produce pass-throughs reading the same topic with the same consumer
 * settings (the client's own limit), on kafkajs and on librdkafka (@confluentinc/kafka-javascript's low-level API),
 * each copying with committed offsets and exactly-once (records and offsets in one transaction per batch). Events/s over the whole input, end-to-end latency at half of each
 * system's measured rate, and the time a deployment takes to restore a million keys of window state.
 *
 * Every run checks its output: the pass-through's copy must hold every input value once; a deployment's committed
 * output (read_committed) must have the count and order-independent checksum of the engine's own run over the same
 * events, or the run fails.
 */
import type { Delivery } from '../shared/pipeline/types.ts';
import { OutputChecksum } from './checksum.ts';
import {
  createTopics,
  flushMessages,
  flushTime,
  kafkaBenchSession,
  PARTITIONS,
  topicChecksum,
  type KafkaBenchSession,
} from './kafka/cluster.ts';
import { WeirJob } from './kafka/deploy.ts';
import { checkOutput } from './kafka/flink.ts';
import { jobPipeline, KAFKA_JOBS, windowValueHash, type JobOutput, type KafkaJob } from './kafka/jobs.ts';
import { LatencyReader, percentile, producePaced, waitUntil, WindowCauses } from './kafka/latency.ts';
import { CpuSampler } from './kafka/cpu.ts';
import { PassthroughJob, type PassthroughClient } from './kafka/passthrough.ts';
import { measureRestore, type RestoreRun } from './kafka/restore.ts';
import { median } from './stats.ts';
import { DEFAULT_SEED, generateEvents, runWorkload, type EventInput } from './workloads.ts';
import type { Measurement, RunOptions, Workload } from './measurement.ts';

/** `WEIR_BENCH_KAFKA_EVENTS` overrides the full runs' input size (e.g. 1000000 for a shorter full run). */
export const KAFKA_FULL_EVENTS = Number(process.env.WEIR_BENCH_KAFKA_EVENTS) || 2_000_000;
export const KAFKA_QUICK_EVENTS = 200_000;
export const KAFKA_FULL_RUNS = 3;
export const LATENCY_FULL_SECONDS = 20;
export const LATENCY_QUICK_SECONDS = 8;
export const RESTORE_FULL_KEYS = 1_000_000;
export const RESTORE_QUICK_KEYS = 100_000;
const CHECKPOINT_INTERVAL_MS = 1000;

/** The pass-throughs: which client, and whether each batch is one transaction with its offsets. */
export const PASSTHROUGHS = {
  'kafkajs-passthrough': { client: 'kafkajs', mode: 'copy' },
  'kafkajs-passthrough-eos': { client: 'kafkajs', mode: 'eos' },
  'librdkafka-passthrough': { client: 'librdkafka', mode: 'copy' },
  'librdkafka-passthrough-eos': { client: 'librdkafka', mode: 'eos' },
} as const satisfies Record<string, { client: PassthroughClient; mode: 'copy' | 'eos' }>;
export type PassthroughSystem = keyof typeof PASSTHROUGHS;
/** Deployments of the tumbling-count job: delivery, and the client of the deployment's consumer and producer. */
export const DEPLOYMENTS = {
  'weir-kafka-eos': { delivery: 'exactly-once', client: 'kafkajs' },
  'weir-kafka-alo': { delivery: 'at-least-once', client: 'kafkajs' },
  'weir-librdkafka-eos': { delivery: 'exactly-once', client: 'librdkafka' },
  'weir-librdkafka-alo': { delivery: 'at-least-once', client: 'librdkafka' },
} as const satisfies Record<string, { delivery: Delivery; client: 'kafkajs' | 'librdkafka' }>;
export type DeploymentSystem = keyof typeof DEPLOYMENTS;
export type KafkaSystem = PassthroughSystem | DeploymentSystem;

function isPassthrough(system: string): system is PassthroughSystem {
  return system in PASSTHROUGHS;
}

export interface ThroughputRun {
  eventsPerSec: number;
  elapsedMs: number;
  /** CPU time of the bench process over the same interval (the job's thread and everything else in the process). */
  cpuMs: number;
  /** Records the output topic holds, and their checksum (checked against the expected ones before returning). */
  outputs: number;
  checksum: number;
  notes: string[];
}

export interface LatencyRun {
  ratePerSec: number;
  events: number;
  outputs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** How long the paced production took: close to events / rate unless the producer fell behind. */
  productionMs: number;
}

/** FNV-1a of bytes: the pass-through's output is checked as the sum of these over its values. */
function bytesHash(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h;
}

function valuesChecksum(events: EventInput): { count: number; checksum: number } {
  const sum = new OutputChecksum();
  for (let i = 0; i < events.count; i++) sum.add(bytesHash(events.bytes, events.offsets[i]!, events.offsets[i + 1]!));
  for (const m of flushMessages(events, '0'))
    sum.add(bytesHash(Buffer.from(m.value as string), 0, Buffer.byteLength(m.value as string)));
  return { count: sum.count, checksum: sum.checksum };
}

export async function measurePassthrough(
  session: KafkaBenchSession,
  system: PassthroughSystem = 'kafkajs-passthrough',
): Promise<ThroughputRun> {
  const { kafka, input } = session;
  const { client, mode } = PASSTHROUGHS[system];
  const output = session.topicName('passthrough-out');
  await createTopics(kafka, [output]);
  const cpu = new CpuSampler();
  const job = new PassthroughJob(client, {
    brokers: session.brokers,
    input: input.topic,
    output,
    groupId: session.topicName('passthrough'),
    ends: input.ends,
    mode,
  });
  let done;
  try {
    done = await job.done;
  } finally {
    cpu.stop();
    await job.stop();
  }
  const elapsedMs = done.committedAt - done.firstBatchAt;
  const cpuMs = cpu.between(done.firstBatchAt, done.committedAt);
  const got = await topicChecksum(kafka, output, (v) => bytesHash(v, 0, v.length));
  const want = valuesChecksum(input.events);
  if (got.count !== want.count || got.checksum !== want.checksum)
    throw new Error(
      `${system}: the output topic holds ${got.count} records (checksum ${got.checksum}), the input ${want.count} (${want.checksum})`,
    );
  return throughputRun(input.records, elapsedMs, cpuMs, got, []);
}

/**
 * A Weir server deployment of `job` (tumbling-count unless given) over the session's input: from the source's last
 * idle moment to the checkpoint that covers the whole input. Every sink's committed output must have the count
 * and checksum of the engine's own run over the same events (`expected`; the session's for tumbling-count).
 */
export async function measureWeir(
  session: KafkaBenchSession,
  delivery: Delivery,
  job: KafkaJob = KAFKA_JOBS['tumbling-count'],
  expected?: JobOutput,
  client: 'kafkajs' | 'librdkafka' = 'kafkajs',
): Promise<ThroughputRun> {
  const { kafka, input } = session;
  const want: JobOutput = expected ?? { out: { count: session.expected.outputs, checksum: session.expected.checksum } };
  const outputs = Object.fromEntries(
    job.sinks.map((sink, i) => [sink, session.topicName(i === 0 ? 'out' : `out-${sink}`)]),
  );
  await createTopics(kafka, Object.values(outputs));
  const id = session.topicName(delivery === 'exactly-once' ? 'eos' : 'alo');
  const main = job.sinks[0]!;
  const deployment = new WeirJob({
    brokers: session.brokers,
    id,
    input: input.topic,
    output: outputs[main]!,
    delivery,
    checkpointIntervalMs: CHECKPOINT_INTERVAL_MS,
    pipeline: jobPipeline(job, {
      id,
      input: input.topic,
      outputs,
      checkpointIntervalMs: CHECKPOINT_INTERVAL_MS,
      delivery,
    }),
    client,
  });
  let elapsedMs;
  let cpuMs;
  let checkpoints;
  const cpu = new CpuSampler();
  try {
    await deployment.start();
    const coveredAt = await deployment.checkpointCovering(input.ends, 60_000 + input.records);
    cpu.stop();
    elapsedMs = coveredAt - deployment.idleAt;
    cpuMs = cpu.between(deployment.idleAt, coveredAt);
    checkpoints = deployment.metrics!.checkpoints;
  } finally {
    cpu.stop();
    await deployment.close();
  }
  const got: JobOutput = {};
  for (const sink of job.sinks) got[sink] = await topicChecksum(kafka, outputs[sink]!, windowValueHash);
  checkOutput(
    `weir-${client === 'kafkajs' ? 'kafka' : client}-${delivery === 'exactly-once' ? 'eos' : 'alo'} ${job.name}`,
    got,
    want,
  );
  return throughputRun(input.records, elapsedMs, cpuMs, got[main]!, [
    `${checkpoints.completed} checkpoints, the last ${checkpoints.lastDurationMs} ms for ${checkpoints.lastRecords} records and ${Math.round((checkpoints.lastSizeBytes ?? 0) / 1024)} KiB of state`,
  ]);
}

function throughputRun(
  records: number,
  elapsedMs: number,
  cpuMs: number,
  output: { count: number; checksum: number },
  notes: string[],
): ThroughputRun {
  return {
    eventsPerSec: Math.round((records / elapsedMs) * 1000),
    elapsedMs,
    cpuMs,
    outputs: output.count,
    checksum: output.checksum,
    notes,
  };
}

/** Latency at `ratePerSec` for about `seconds`: a fresh input and output topic, the job started first. */
export async function measureLatency(
  session: KafkaBenchSession,
  system: PassthroughSystem | 'weir-kafka-eos' | 'weir-librdkafka-eos',
  ratePerSec: number,
  seconds: number,
): Promise<LatencyRun> {
  const { kafka } = session;
  const events = generateEvents(Math.max(1000, Math.round(ratePerSec * seconds)), DEFAULT_SEED);
  const input = session.topicName('latency-in');
  const output = session.topicName('latency-out');
  await createTopics(kafka, [input, output]);
  const producedAt = new Float64Array(events.count + PARTITIONS);
  let expectedOutputs: number;
  let producedAtOf: (key: Buffer | null, value: Buffer | null, timestamp: string) => number;
  let stop: () => Promise<void>;
  if (isPassthrough(system)) {
    const { client, mode } = PASSTHROUGHS[system];
    const job = new PassthroughJob(client, {
      brokers: session.brokers,
      input,
      output,
      groupId: session.topicName('passthrough'),
      ends: null,
      mode,
    });
    stop = () => job.stop();
    await job.running;
    expectedOutputs = events.count + PARTITIONS;
    producedAtOf = (_key, _value, timestamp) => Number(timestamp);
  } else {
    const client = DEPLOYMENTS[system].client;
    const job = new WeirJob({
      brokers: session.brokers,
      id: session.topicName('latency'),
      input,
      output,
      delivery: 'exactly-once',
      checkpointIntervalMs: CHECKPOINT_INTERVAL_MS,
      client,
    });
    stop = () => job.close();
    await job.start();
    expectedOutputs = runWorkload('tumbling-count', events).outputs;
    const causes = new WindowCauses(events, producedAt, flushTime(events));
    producedAtOf = (_key, value) =>
      causes.producedAt((JSON.parse(value!.toString('utf8')) as { window: { end: number } }).window.end);
  }
  const reader = new LatencyReader(kafka, output, session.topicName('latency-reader'));
  try {
    await reader.start(producedAtOf);
    const productionMs = await producePaced(kafka, input, events, ratePerSec, producedAt);
    await waitUntil(
      () => reader.latencies.length >= expectedOutputs,
      120_000,
      `${expectedOutputs} outputs of the latency run`,
    );
    if (reader.latencies.length !== expectedOutputs)
      throw new Error(
        `${system}: the latency run read ${reader.latencies.length} outputs, expected ${expectedOutputs}`,
      );
    const latencies = reader.latencies;
    return {
      ratePerSec,
      events: events.count,
      outputs: latencies.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: percentile(latencies, 100),
      productionMs,
    };
  } finally {
    await reader.stop();
    await stop();
  }
}

/**
 * The process's session for this run; closed at once if the measurement fails, since the bench then ends with an
 * uncaught error and `beforeExit` (which closes it otherwise) does not run.
 */
async function inSession<T>(options: RunOptions, measure: (session: KafkaBenchSession) => Promise<T>): Promise<T> {
  const session = await kafkaBenchSession(options.quick ? KAFKA_QUICK_EVENTS : KAFKA_FULL_EVENTS);
  try {
    return await measure(session);
  } catch (err) {
    await session.close().catch(() => {});
    throw err;
  }
}

function kafkaWorkload(system: KafkaSystem, description: string): Workload {
  return {
    workload: 'tumbling-count',
    system,
    description,
    run(options: RunOptions): Promise<Measurement> {
      return inSession(options, (session) => measureSystem(session, system, options));
    },
  };
}

async function measureSystem(
  session: KafkaBenchSession,
  system: KafkaSystem,
  options: RunOptions,
): Promise<Measurement> {
  const runs: ThroughputRun[] = [];
  for (let i = 0; i < (options.quick ? 1 : KAFKA_FULL_RUNS); i++) {
    if (isPassthrough(system)) runs.push(await measurePassthrough(session, system));
    else
      runs.push(
        await measureWeir(session, DEPLOYMENTS[system].delivery, undefined, undefined, DEPLOYMENTS[system].client),
      );
  }
  const eventsPerSec = Math.round(median(runs.map((r) => r.eventsPerSec)));
  const measurement: Measurement = {
    workload: 'tumbling-count',
    system,
    eventsPerSec,
    events: session.input.records,
    outputs: runs[0]!.outputs,
    checksum: runs[0]!.checksum,
    runsPerSec: runs.map((r) => r.eventsPerSec),
    eventsPerCpuSec: Math.round(median(runs.map((r) => (session.input.records / r.cpuMs) * 1000))),
    notes: [
      `${session.input.records.toLocaleString('en')} records in ${PARTITIONS} partitions, median of ${runs.length} run${runs.length === 1 ? '' : 's'} (${runs.map((r) => `${r.eventsPerSec.toLocaleString('en')}/s`).join(', ')})`,
      `${Math.round(median(runs.map((r) => (session.input.records / r.cpuMs) * 1000))).toLocaleString('en')} events per CPU second of the bench process (${runs.map((r) => `${(r.cpuMs / 1000).toFixed(1)} s`).join(', ')})`,
      `output checked: ${runs[0]!.outputs.toLocaleString('en')} records, checksum ${runs[0]!.checksum}`,
      ...runs[0]!.notes,
    ],
  };
  if (
    system === 'weir-kafka-eos' ||
    system === 'weir-librdkafka-eos' ||
    (isPassthrough(system) && PASSTHROUGHS[system].mode === 'copy')
  ) {
    const seconds = options.quick ? LATENCY_QUICK_SECONDS : LATENCY_FULL_SECONDS;
    const latency = await measureLatency(session, system, Math.round(eventsPerSec / 2), seconds);
    measurement.p50Ms = latency.p50Ms;
    measurement.p99Ms = latency.p99Ms;
    measurement.notes!.push(
      `latency at ${latency.ratePerSec.toLocaleString('en')} events/s (${latency.events.toLocaleString('en')} events produced in ${(latency.productionMs / 1000).toFixed(1)} s): p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, max ${latency.maxMs} ms over ${latency.outputs.toLocaleString('en')} outputs`,
    );
  }
  return measurement;
}

const restoreWorkload: Workload = {
  workload: 'restore-1m-keys',
  system: 'weir-kafka-eos',
  description:
    'a deployment holding 1 000 000 keys of open window state (quick: 100 000) stopped and started again: time from the start to the state restored and the consumer running',
  async run(options: RunOptions): Promise<Measurement> {
    const run: RestoreRun = await inSession(options, (session) =>
      measureRestore(
        session,
        options.quick ? RESTORE_QUICK_KEYS : RESTORE_FULL_KEYS,
        options.quick ? 1 : KAFKA_FULL_RUNS,
      ),
    );
    const restoreMs = Math.round(median(run.restoresMs));
    return {
      workload: this.workload,
      system: this.system,
      eventsPerSec: Math.round((run.keys / restoreMs) * 1000),
      restoreMs,
      keys: run.keys,
      notes: run.notes,
    };
  },
};

export const kafkaWorkloads: Workload[] = [
  kafkaWorkload(
    'kafkajs-passthrough',
    'a plain kafkajs consumer → producer copying the input topic to another, offsets committed per batch (the client’s own limit)',
  ),
  kafkaWorkload('kafkajs-passthrough-eos', 'the kafkajs copy with each batch and its offsets in one transaction'),
  kafkaWorkload(
    'librdkafka-passthrough',
    'the same copy through librdkafka (@confluentinc/kafka-javascript’s KafkaConsumer and Producer)',
  ),
  kafkaWorkload(
    'librdkafka-passthrough-eos',
    'the librdkafka copy with each batch and its offsets in one transaction (sendOffsetsToTransaction)',
  ),
  kafkaWorkload(
    'weir-kafka-eos',
    'bench/workloads/tumbling-count.weir.json deployed exactly-once with 1 s checkpoints, from the input topic to an output topic',
  ),
  kafkaWorkload('weir-kafka-alo', 'the same deployed at-least-once'),
  kafkaWorkload(
    'weir-librdkafka-eos',
    'the exactly-once deployment with its consumer and producer on librdkafka (WEIR_KAFKA_CLIENT=librdkafka)',
  ),
  kafkaWorkload('weir-librdkafka-alo', 'the at-least-once deployment on librdkafka'),
  restoreWorkload,
];
