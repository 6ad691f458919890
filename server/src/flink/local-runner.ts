/**
 * Runs pipelines on their samples through the Flink runner, on a Flink MiniCluster in one JVM (`weir simulate
 * --engine flink`, `weir test --engine flink`, and the tests that hold both engines to one semantics). Several
 * pipelines go through one JVM one after the other, so a batch pays for Java's start-up once.
 *
 * Needs Java 17+ and the Flink jars in .flink/lib (tools/flink/install.sh); the runner jar is built on first use
 * (flink/build.sh), both from Maven Central.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Json, Key, PipelineDoc, Sample } from '../../../shared/pipeline/types.ts';
import type { SinkOutput } from '../../../shared/engine/simulation.ts';
import { DEFAULT_UDF_BUDGET_MS } from '../../../shared/udf/budget.ts';
import { jobSpec, withInputs } from './job-spec.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const RUNNER_JAR = `${ROOT}flink/target/runner/weir-flink-runner.jar`;
export const FLINK_LIB = `${ROOT}.flink/lib`;
const RESULT = 'weir-result ';

export interface FlinkSimulationJob {
  name: string;
  pipeline: PipelineDoc;
  inputs?: Record<string, Sample[]>;
}

export interface FlinkSimulationResult {
  name: string;
  outputs: SinkOutput[];
  /** A node failed under onError "fail" (SPEC §5). */
  failure?: { nodeId: string; reason: string; input: Json };
  /** The runner could not run the pipeline at all. */
  error?: string;
}

export class FlinkRunnerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlinkRunnerError';
  }
}

const RUNNER_STEPS = [
  ['install Flink', `${ROOT}tools/flink/install.sh`],
  ['build the Flink runner', `${ROOT}flink/build.sh`],
] as const;

/** Installs Flink's jars and builds the runner jar when missing or out of date; quiet when there is nothing to do. */
export function ensureRunner(): void {
  for (const [what, script] of RUNNER_STEPS) {
    const run = spawnSync('bash', [script, '--quiet'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    if (run.error || run.status !== 0)
      throw new FlinkRunnerError(`could not ${what} (bash ${script}): ${(run.stderr || String(run.error)).trim()}`);
  }
  if (!existsSync(RUNNER_JAR)) throw new FlinkRunnerError(`the Flink runner jar is missing: ${RUNNER_JAR}`);
}

/** `ensureRunner` without blocking the event loop: the Weir server goes on serving while Maven builds the runner. */
export async function prepareRunner(): Promise<void> {
  for (const [what, script] of RUNNER_STEPS) {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn('bash', [script, '--quiet'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
      child.once('error', (error) => done({ code: null, stderr: String(error) }));
      child.once('close', (exitCode) => done({ code: exitCode, stderr: err }));
    });
    if (code !== 0) throw new FlinkRunnerError(`could not ${what} (bash ${script}): ${stderr.trim()}`);
  }
  if (!existsSync(RUNNER_JAR)) throw new FlinkRunnerError(`the Flink runner jar is missing: ${RUNNER_JAR}`);
}

export function runOnFlink(
  jobs: readonly FlinkSimulationJob[],
  udfBudgetMs = DEFAULT_UDF_BUDGET_MS,
): FlinkSimulationResult[] {
  ensureRunner();
  const input =
    jobs
      .map((job) => JSON.stringify({ name: job.name, ...jobSpec(withInputs(job.pipeline, job.inputs), udfBudgetMs) }))
      .join('\n') + '\n';
  const run = spawnSync('java', ['-Xss4m', '-cp', `${FLINK_LIB}/*:${RUNNER_JAR}`, 'dev.weir.flink.Simulate'], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: withoutFlinkConf(process.env),
  });
  if (run.error)
    throw new FlinkRunnerError(
      `could not start Java for the Flink runner: ${run.error.message} (is a JDK 17 installed?)`,
    );
  const results = run.stdout
    .split('\n')
    .filter((line) => line.startsWith(RESULT))
    .map(
      (line) =>
        JSON.parse(line.slice(RESULT.length)) as {
          name: string;
          outputs: Array<{ sink: string; key: Key; value: unknown; timestamp: number }>;
          failure?: FlinkSimulationResult['failure'];
          error?: string;
        },
    );
  if (results.length !== jobs.length) {
    throw new FlinkRunnerError(
      `the Flink runner stopped after ${results.length} of ${jobs.length} pipelines (exit ${run.status}):\n${run.stderr.trim().split('\n').slice(-20).join('\n')}`,
    );
  }
  return results.map((r) => ({
    name: r.name,
    outputs: r.outputs,
    ...(r.failure ? { failure: r.failure } : {}),
    ...(r.error ? { error: r.error } : {}),
  }));
}

/** A MiniCluster takes its settings from the job, never from a cluster's configuration directory. */
function withoutFlinkConf(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.FLINK_CONF_DIR;
  return copy;
}
