/**
 * Weir pipelines deployed on Apache Flink (the Flink runner, flink/) against the bench's broker: a local standalone
 * session cluster of the bench's own (tools/flink/start.sh with a state dir and ports of its own, as the integration
 * tests start one: one JobManager, one TaskManager with 2 slots, both on this machine), the job submitted through
 * Flink's REST API as the Weir server submits it (FlinkCluster.submit), exactly-once with 1 s checkpoints.
 *
 * The measured interval runs from the moment every subtask of the job was RUNNING (Flink's own timestamps: deployed,
 * its GraalJS contexts made and its state initialised) to the moment a read_committed reader of the output topic has
 * received every result the engine computes, i.e. the checkpoint that covers the last input has committed its
 * Kafka transaction. The source may read a little before its downstream subtasks run (until the network buffers
 * between them are full): a few thousand of the events, in the job's favour. CPU is that of the JobManager's and
 * the TaskManager's JVMs over the interval (from /proc), the broker's and the bench process's not included. Each new
 * cluster first runs an unmeasured warm-up job (warmUp below).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Consumer, Kafka } from 'kafkajs';
import { planDeployment } from '../../server/src/deployments/pipeline-plan.ts';
import { FlinkCluster } from '../../server/src/flink/cluster.ts';
import { DEFAULT_UDF_BUDGET_MS } from '../../shared/udf/budget.ts';
import { startFlink, type RunningFlink } from '../../test/integration/support/flink.ts';
import { OutputChecksum } from '../checksum.ts';
import { DEFAULT_SEED, generateEvents } from '../workloads.ts';
import { createTopics, fillTopic, topicChecksum, type KafkaBenchSession, type TopicInput } from './cluster.ts';
import { expectedOutput, jobPipeline, KAFKA_JOBS, windowValueHash, type JobOutput, type KafkaJob } from './jobs.ts';
import { setTimeout as sleep } from 'node:timers/promises';

/** Task slots of the bench's TaskManager: enough for parallelism 2 (one slot per parallel pipeline of the job). */
export const FLINK_SLOTS = 2;

export interface BenchFlink {
  flink: RunningFlink;
  cluster: FlinkCluster;
  /** Stops the cluster; `keep` keeps its state dir (logs) and says where it is. */
  close(options?: { keep?: boolean }): Promise<void>;
}

let current: Promise<BenchFlink> | null = null;

/** The bench process's Flink cluster: started on first use, stopped when the process is about to exit. */
export function benchFlink(): Promise<BenchFlink> {
  current ??= (async () => {
    const flink = await startFlink({ slots: FLINK_SLOTS });
    let closed: Promise<void> | null = null;
    const close = (options: { keep?: boolean } = {}) => {
      if (options.keep) process.stderr.write(`bench: the Flink cluster's logs are kept in ${flink.stateDir}/log\n`);
      return (closed ??= flink.stop(options).finally(() => (current = null)));
    };
    process.once('beforeExit', () => void close().catch(() => {}));
    return { flink, cluster: new FlinkCluster(flink.restUrl), close };
  })();
  current.catch(() => (current = null));
  return current;
}

let ticksPerSecond: number | undefined;

/** CPU time of some processes (every thread) from /proc/PID/stat, sampled every 20 ms like CpuSampler. */
export class ProcessCpu {
  private readonly pids: number[];

  private readonly at: number[] = [];
  private readonly ticks: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(pids: number[]) {
    this.pids = pids;
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    this.sample();
    this.timer = setInterval(() => this.sample(), 20);
  }

  private sample(): void {
    let total = 0;
    for (const pid of this.pids) {
      try {
        // Fields after the command's closing parenthesis: state is 3rd, utime the 14th and stime the 15th overall.
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        total += Number(fields[11]) + Number(fields[12]);
      } catch {
        // gone: counts as nothing more
      }
    }
    this.at.push(Date.now());
    this.ticks.push(total);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** CPU milliseconds between the samples nearest to `from` and `to`. */
  between(from: number, to: number): number {
    return ((this.ticks[this.nearest(to)]! - this.ticks[this.nearest(from)]!) * 1000) / ticksPerSecond!;
  }

  private nearest(time: number): number {
    let best = 0;
    for (let i = 1; i < this.at.length; i++)
      if (Math.abs(this.at[i]! - time) < Math.abs(this.at[best]! - time)) best = i;
    return best;
  }
}

/** Counts a topic's committed records as they become readable; notes when `target` were reached. */
class OutputCounter {
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly groupId: string;
  private readonly target: number;

  count = 0;
  reachedAt = 0;
  private consumer: Consumer | null = null;

  constructor(kafka: Kafka, topic: string, groupId: string, target: number) {
    this.kafka = kafka;
    this.topic = topic;
    this.groupId = groupId;
    this.target = target;
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        this.count += batch.messages.length;
        if (this.reachedAt === 0 && this.count >= this.target) this.reachedAt = Date.now();
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

export interface FlinkRun {
  eventsPerSec: number;
  elapsedMs: number;
  /** CPU of the JobManager and TaskManager JVMs over the interval. */
  cpuMs: number;
  outputs: number;
  checksum: number;
  notes: string[];
}

/** The Flink job failed or restarted (the broker went away, a TaskManager was lost): the run is repeated. */
class FlinkJobFailure extends Error {}

/** What made the job fail: the deepest cause of each of its last exceptions, e.g. `Caused by: …TimeoutException: …`. */
async function failureCause(flink: BenchFlink, jobId: string): Promise<string> {
  try {
    const body = (await (await fetch(`${flink.flink.restUrl}/jobs/${jobId}/exceptions?maxExceptions=5`)).json()) as {
      'root-exception'?: string;
      exceptionHistory?: { entries?: Array<{ exceptionName: string; stacktrace: string; taskName?: string }> };
    };
    const traces =
      body.exceptionHistory?.entries?.map((e) => e.stacktrace) ??
      (body['root-exception'] ? [body['root-exception']] : []);
    const causes = traces.map((t) => {
      const lines = t.split('\n').filter((l) => !/^\s+at |^\s*\.\.\. \d+ more/.test(l));
      const caused = lines.filter((l) => l.startsWith('Caused by:'));
      return (caused[caused.length - 1] ?? lines[0] ?? '').trim().slice(0, 300);
    });
    return [...new Set(causes)].join('; ') || 'no exception recorded';
  } catch (err) {
    return `its exceptions could not be read: ${(err as Error).message}`;
  }
}

/** Polls an asynchronous condition every 100 ms until it holds (a failure inside ends the wait with it). */
async function pollUntil(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  what: string | (() => string),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${typeof what === 'string' ? what : what()}`,
      );
    await sleep(100);
  }
}

/** When every subtask of the job had switched to RUNNING (Flink's timestamps), or null while one has not. */
async function allRunningSince(flink: BenchFlink, jobId: string): Promise<number | null> {
  const job = await flink.cluster.client.job(jobId);
  if (job.state === 'FAILED' || job.state === 'CANCELED')
    throw new FlinkJobFailure(`the Flink job ${jobId} is ${job.state}: ${await failureCause(flink, jobId)}`);
  let latest = 0;
  for (const vertex of job.vertices) {
    const details = (await (await fetch(`${flink.flink.restUrl}/jobs/${jobId}/vertices/${vertex.id}`)).json()) as {
      subtasks: Array<{ status: string; 'start-time': number; 'status-duration': Record<string, number> }>;
    };
    for (const s of details.subtasks) {
      if (s.status !== 'RUNNING') return null;
      latest = Math.max(
        latest,
        s['start-time'] + (s['status-duration'].DEPLOYING ?? 0) + (s['status-duration'].INITIALIZING ?? 0),
      );
    }
  }
  return latest;
}

/** Waits until the cluster has all its slots free again (a cancelled job's tasks gone). */
async function slotsFree(flink: BenchFlink): Promise<void> {
  await pollUntil(
    async () => {
      const o = await flink.cluster.client.overview().catch(() => null);
      return o !== null && o['slots-available'] === o['slots-total'] && o['slots-total'] >= FLINK_SLOTS;
    },
    120_000,
    'the Flink cluster to free its slots',
  );
}

/** Events of the warm-up job each new cluster runs before its first measurement. */
export const WARM_UP_EVENTS = 100_000;
const warmedUp = new WeakSet<BenchFlink>();

/**
 * A fresh TaskManager JVM has not compiled GraalJS's interpreter (Java code) yet: the first job on one ran about five
 * times slower than the next ones. A TaskManager that runs jobs for days is warm, so each new cluster first runs the
 * page-views example at parallelism 2 over 100 000 events of a topic of its own, unmeasured (its output checked).
 */
async function warmUp(session: KafkaBenchSession, flink: BenchFlink): Promise<void> {
  if (warmedUp.has(flink)) return;
  const events = generateEvents(WARM_UP_EVENTS, DEFAULT_SEED);
  const input = await fillTopic(session.kafka, session.topicName('flink-warmup-in'), events);
  const job = KAFKA_JOBS['page-views'];
  await runOnFlink(session, flink, job, expectedOutput(job, events), FLINK_SLOTS, input);
  warmedUp.add(flink);
}

/**
 * Deploys `job` on the bench's Flink cluster at `parallelism` over the session's input topic (after the cluster's
 * warm-up), waits until it has committed the engine's output, checks count and checksum of every sink, and cancels
 * it.
 */
export async function measureFlink(
  session: KafkaBenchSession,
  job: KafkaJob,
  expected: JobOutput,
  parallelism: number,
): Promise<FlinkRun> {
  const flink = await benchFlink();
  const failures: string[] = [];
  for (;;) {
    try {
      await warmUp(session, flink);
      const run = await runOnFlink(session, flink, job, expected, parallelism, session.input);
      run.notes.push(...failures.map((f) => `a run before this one was discarded: ${f}`));
      return run;
    } catch (err) {
      // A failed or restarted job (what its exceptions say is kept) is run again, twice at most; wrong output is not.
      if (!(err instanceof FlinkJobFailure) || failures.length >= 2) throw err;
      failures.push(err.message);
      process.stderr.write(`bench: ${err.message}; running it again\n`);
    }
  }
}

async function runOnFlink(
  session: KafkaBenchSession,
  flink: BenchFlink,
  job: KafkaJob,
  expected: JobOutput,
  parallelism: number,
  input: TopicInput,
): Promise<FlinkRun> {
  const { kafka } = session;
  await slotsFree(flink);
  const id = session.topicName(`flink-${job.name}-p${parallelism}`);
  const outputs = Object.fromEntries(job.sinks.map((s) => [s, session.topicName(`flink-out-${s}`)]));
  await createTopics(kafka, Object.values(outputs));
  const pipeline = jobPipeline(job, {
    id,
    input: input.topic,
    outputs,
    checkpointIntervalMs: 1000,
    delivery: 'exactly-once',
  });
  const main = job.sinks[0]!;
  const counter = new OutputCounter(kafka, outputs[main]!, `${id}-counter`, expected[main]!.count);
  await counter.start();
  const pids = [flink.flink.taskManagerPid(), flink.flink.jobManagerPid()].filter((p): p is number => p !== null);
  const cpu = new ProcessCpu(pids);
  const client = flink.cluster.client;
  let jobId: string | null = null;
  let runningAt: number | null = null;
  let checkpoints = '';
  try {
    jobId = await flink.cluster.submit({
      pipeline: planDeployment(pipeline).pipeline,
      deploymentId: id,
      parallelism,
      kafka: { brokers: session.brokers },
      udfBudgetMs: DEFAULT_UDF_BUDGET_MS,
    });
    const submitted = jobId;
    await pollUntil(
      async () => (runningAt = await allRunningSince(flink, submitted)) !== null,
      300_000,
      `the Flink job ${job.name} at parallelism ${parallelism} to run`,
    );
    await pollUntil(
      async () => {
        if (counter.reachedAt !== 0) return true;
        const state = (await client.job(submitted).catch(() => null))?.state;
        if (state === 'FAILED' || state === 'CANCELED' || state === 'FINISHED' || state === 'RESTARTING') {
          throw new FlinkJobFailure(
            `the Flink job ${submitted} (${job.name}, parallelism ${parallelism}) is ${state}: ${await failureCause(flink, submitted)}`,
          );
        }
        return false;
      },
      120_000 + input.records * 2,
      () => `${expected[main]!.count} committed outputs of ${job.name} on Flink (have ${counter.count})`,
    );
    cpu.stop();
    const c = await client.checkpoints(submitted).catch(() => null);
    if (c)
      checkpoints = `${c.counts.completed} checkpoints completed (${c.counts.failed} failed), the last ${c.latest.completed?.end_to_end_duration ?? '?'} ms end to end for ${Math.round((c.latest.completed?.state_size ?? 0) / 1024)} KiB of state`;
  } finally {
    cpu.stop();
    await counter.stop();
    if (jobId !== null) await client.cancel(jobId).catch(() => {});
  }
  const elapsedMs = counter.reachedAt - runningAt!;
  const cpuMs = cpu.between(runningAt!, counter.reachedAt);
  const got: JobOutput = {};
  for (const sink of job.sinks) got[sink] = await topicChecksum(kafka, outputs[sink]!, windowValueHash);
  checkOutput(`flink-kafka-p${parallelism} ${job.name}`, got, expected);
  return {
    eventsPerSec: Math.round((input.records / elapsedMs) * 1000),
    elapsedMs,
    cpuMs,
    outputs: got[main]!.count,
    checksum: got[main]!.checksum,
    notes: [checkpoints].filter((n) => n !== ''),
  };
}

/** Throws unless every sink committed the count and checksum the engine computes. */
export function checkOutput(what: string, got: JobOutput, expected: JobOutput): void {
  for (const [sink, want] of Object.entries(expected)) {
    const have = got[sink] ?? { count: 0, checksum: new OutputChecksum().checksum };
    if (have.count !== want.count || have.checksum !== want.checksum)
      throw new Error(
        `${what}: sink ${sink} committed ${have.count} records (checksum ${have.checksum}); the engine computes ${want.count} (${want.checksum})`,
      );
  }
}
