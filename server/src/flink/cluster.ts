/**
 * Running a Weir pipeline on a Flink session cluster: checks that the cluster can run it (reachable, a
 * TaskManager, GraalJS on its classpath, enough free slots), uploads the runner jar once per build (its name
 * carries its checksum, so an unchanged jar is found again instead of uploaded twice) and submits the job with its
 * spec: the pipeline, its UDFs compiled ahead, and how to reach Kafka.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { nodesWithRole } from '../../../shared/operators/registry.ts';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import { createKafka, type KafkaConfig } from '../kafka/config.ts';
import { jobSpec } from './job-spec.ts';
import { prepareRunner, RUNNER_JAR } from './local-runner.ts';
import { FlinkRestClient, FlinkRestError, type FlinkOverview } from './rest-client.ts';

export const RUNNER_ENTRY_CLASS = 'dev.weir.flink.WeirJob';

/** The cluster cannot take the job (unreachable, no TaskManager, no GraalJS, too few slots). */
export class FlinkClusterError extends Error {
  readonly reason: 'unreachable' | 'unfit' | 'full';

  constructor(message: string, reason: 'unreachable' | 'unfit' | 'full') {
    super(message);
    this.reason = reason;
    this.name = 'FlinkClusterError';
  }
}

export interface FlinkSubmission {
  pipeline: PipelineDoc;
  deploymentId: string;
  parallelism: number;
  kafka: KafkaConfig;
  udfBudgetMs: number;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
}

/** A source topic the job needs does not exist yet. */
export class MissingTopicError extends Error {
  readonly topics: string[];

  constructor(topics: string[]) {
    super(
      `source topic${topics.length === 1 ? '' : 's'} ${topics.map((t) => `"${t}"`).join(', ')} do${topics.length === 1 ? 'es' : ''} not exist yet: create ${topics.length === 1 ? 'it' : 'them'} (weir produce FILE creates a pipeline's source topics from its samples), then deploy again`,
    );
    this.topics = topics;
    this.name = 'MissingTopicError';
  }
}

/** How many partitions each source node's topic has: a source never runs wider than that on Flink. */
export async function sourcePartitions(pipeline: PipelineDoc, kafka: KafkaConfig): Promise<Record<string, number>> {
  const sources = nodesWithRole(pipeline.nodes, 'source');
  const topics = [...new Set(sources.map((n) => String(n.params.topic)))];
  const admin = createKafka(kafka, 'flink-plan').admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) throw new MissingTopicError(missing);
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
    const counts = new Map(metadata.map((t) => [t.name, t.partitions.length]));
    return Object.fromEntries(sources.map((n) => [n.id, counts.get(String(n.params.topic)) ?? 1]));
  } finally {
    await admin.disconnect();
  }
}

/** Kafka's Java client settings for the cluster's sources and sinks, from the server's own Kafka settings. */
export function javaKafkaSettings(config: KafkaConfig): {
  bootstrapServers: string;
  properties: Record<string, string>;
} {
  const properties: Record<string, string> = { 'client.id': `${config.clientId ?? 'weir'}-flink` };
  if (config.ssl || config.sasl)
    properties['security.protocol'] = config.ssl ? (config.sasl ? 'SASL_SSL' : 'SSL') : 'SASL_PLAINTEXT';
  if (config.sasl) {
    const mechanism = config.sasl.mechanism.toUpperCase();
    properties['sasl.mechanism'] = mechanism;
    const module =
      mechanism === 'PLAIN'
        ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
        : 'org.apache.kafka.common.security.scram.ScramLoginModule';
    properties['sasl.jaas.config'] =
      `${module} required username=${JSON.stringify(config.sasl.username)} password=${JSON.stringify(config.sasl.password)};`;
  }
  return { bootstrapServers: config.brokers.join(','), properties };
}

export class FlinkCluster {
  readonly restUrl: string;

  readonly client: FlinkRestClient;
  private jarId: Promise<string> | null = null;

  constructor(restUrl: string) {
    this.restUrl = restUrl;
    this.client = new FlinkRestClient(restUrl);
  }

  /** What a submission at `parallelism` needs from the cluster; throws a FlinkClusterError saying what is missing. */
  async check(parallelism: number): Promise<FlinkOverview> {
    let overview: FlinkOverview;
    try {
      overview = await this.client.overview();
    } catch (error) {
      throw new FlinkClusterError(
        `the Flink cluster at ${this.restUrl} cannot be reached: ${(error as Error).message}`,
        'unreachable',
      );
    }
    if (overview.taskmanagers < 1)
      throw new FlinkClusterError(
        `the Flink cluster at ${this.restUrl} has no TaskManager (start one, e.g. npm run flink:start)`,
        'unfit',
      );
    const classpath = await this.client.jobManagerClasspath().catch(() => [] as string[]);
    if (classpath.length > 0 && !classpath.some((entry) => /polyglot-\d/.test(entry))) {
      throw new FlinkClusterError(
        `the Flink cluster at ${this.restUrl} has no GraalJS on its classpath: put org.graalvm.polyglot:polyglot and js-community 23.1.8 (and their dependencies) in its lib/ folder`,
        'unfit',
      );
    }
    const config = await this.client.jobManagerConfig().catch(() => null);
    if (config && !config['execution.checkpointing.savepoint-dir'] && !config['state.savepoints.dir']) {
      throw new FlinkClusterError(
        `the Flink cluster at ${this.restUrl} has no savepoint directory: set execution.checkpointing.savepoint-dir in its config.yaml (Weir stops a job with a savepoint and resumes it from there)`,
        'unfit',
      );
    }
    if (overview['slots-available'] < parallelism) {
      throw new FlinkClusterError(
        `the Flink cluster at ${this.restUrl} has ${overview['slots-available']} free task slots of ${overview['slots-total']}; parallelism ${parallelism} needs ${parallelism}`,
        'full',
      );
    }
    return overview;
  }

  /** The runner jar on the cluster, uploaded once per build. */
  runnerJar(): Promise<string> {
    this.jarId ??= (async () => {
      await prepareRunner();
      const sum = createHash('sha256').update(readFileSync(RUNNER_JAR)).digest('hex').slice(0, 16);
      const name = `weir-flink-runner-${sum}.jar`;
      const existing = (await this.client.jars()).find((jar) => jar.name === name);
      return existing ? existing.id : this.client.uploadJar(RUNNER_JAR, name);
    })();
    this.jarId.catch(() => (this.jarId = null));
    return this.jarId;
  }

  /** Submits the pipeline as a Flink job; returns its job id. */
  async submit(submission: FlinkSubmission): Promise<string> {
    const spec = {
      ...jobSpec(submission.pipeline, submission.udfBudgetMs),
      deploymentId: submission.deploymentId,
      kafka: javaKafkaSettings(submission.kafka),
      sourcePartitions: await sourcePartitions(submission.pipeline, submission.kafka),
    };
    await this.check(submission.parallelism);
    const jar = await this.runnerJar();
    try {
      return await this.client.runJar(jar, {
        entryClass: RUNNER_ENTRY_CLASS,
        programArgsList: ['--spec', Buffer.from(JSON.stringify(spec)).toString('base64')],
        parallelism: submission.parallelism,
        ...(submission.savepointPath
          ? {
              savepointPath: submission.savepointPath,
              allowNonRestoredState: submission.allowNonRestoredState ?? false,
            }
          : {}),
      });
    } catch (error) {
      if (error instanceof FlinkRestError && error.status === 404) this.jarId = null;
      throw error;
    }
  }
}
