/**
 * Running a Weir pipeline on a Flink session cluster: checks that the cluster can run it (reachable, a
 * TaskManager, GraalJS on its classpath, enough free slots), uploads the runner jar once per build (its name
 * carries its checksum, so an unchanged jar is found again instead of uploaded twice) and submits the job with its
 * spec: the pipeline, its UDFs compiled ahead, and how to reach Kafka.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import type { KafkaConfig } from '../kafka/config.ts';
import { jobSpec } from './job-spec.ts';
import { ensureRunner, RUNNER_JAR } from './local-runner.ts';
import { FlinkRestClient, FlinkRestError, type FlinkOverview } from './rest-client.ts';

export const RUNNER_ENTRY_CLASS = 'dev.weir.flink.WeirJob';

/** The cluster cannot take the job (unreachable, no TaskManager, no GraalJS, too few slots). */
export class FlinkClusterError extends Error {
  constructor(
    message: string,
    readonly reason: 'unreachable' | 'unfit' | 'full',
  ) {
    super(message);
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

/** Kafka's Java client settings for the cluster's sources and sinks, from the server's own Kafka settings. */
export function javaKafkaSettings(config: KafkaConfig): { bootstrapServers: string; properties: Record<string, string> } {
  const properties: Record<string, string> = { 'client.id': `${config.clientId ?? 'weir'}-flink` };
  if (config.ssl || config.sasl) properties['security.protocol'] = config.ssl ? (config.sasl ? 'SASL_SSL' : 'SSL') : 'SASL_PLAINTEXT';
  if (config.sasl) {
    const mechanism = config.sasl.mechanism.toUpperCase();
    properties['sasl.mechanism'] = mechanism;
    const module = mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule';
    properties['sasl.jaas.config'] = `${module} required username=${JSON.stringify(config.sasl.username)} password=${JSON.stringify(config.sasl.password)};`;
  }
  return { bootstrapServers: config.brokers.join(','), properties };
}

export class FlinkCluster {
  readonly client: FlinkRestClient;
  private jarId: Promise<string> | null = null;

  constructor(readonly restUrl: string) {
    this.client = new FlinkRestClient(restUrl);
  }

  /** What a submission at `parallelism` needs from the cluster; throws a FlinkClusterError saying what is missing. */
  async check(parallelism: number): Promise<FlinkOverview> {
    let overview: FlinkOverview;
    try {
      overview = await this.client.overview();
    } catch (error) {
      throw new FlinkClusterError(`the Flink cluster at ${this.restUrl} cannot be reached: ${(error as Error).message}`, 'unreachable');
    }
    if (overview.taskmanagers < 1) throw new FlinkClusterError(`the Flink cluster at ${this.restUrl} has no TaskManager (start one, e.g. npm run flink:start)`, 'unfit');
    const classpath = await this.client.jobManagerClasspath().catch(() => [] as string[]);
    if (classpath.length > 0 && !classpath.some((entry) => /polyglot-\d/.test(entry)) ) {
      throw new FlinkClusterError(
        `the Flink cluster at ${this.restUrl} has no GraalJS on its classpath: put org.graalvm.polyglot:polyglot and js-community 23.1.8 (and their dependencies) in its lib/ folder`,
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
      ensureRunner();
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
    };
    await this.check(submission.parallelism);
    const jar = await this.runnerJar();
    try {
      return await this.client.runJar(jar, {
        entryClass: RUNNER_ENTRY_CLASS,
        programArgsList: ['--spec', Buffer.from(JSON.stringify(spec)).toString('base64')],
        parallelism: submission.parallelism,
        ...(submission.savepointPath ? { savepointPath: submission.savepointPath, allowNonRestoredState: submission.allowNonRestoredState ?? false } : {}),
      });
    } catch (error) {
      if (error instanceof FlinkRestError && error.status === 404) this.jarId = null;
      throw error;
    }
  }
}
