/**
 * Apache Flink on the side-by-side workloads: the Maven project in bench/flink/ runs each job in local mode (a
 * MiniCluster in one JVM, parallelism 1, object reuse) over the same generated events, one JVM per run, and prints
 * one JSON line that this file reads (the fields of RunResult).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runProcess } from './stats.ts';
import { FULL_EVENTS, FULL_RUNS, QUICK_EVENTS, summarize, type RunResult } from './weir.ts';
import { DEFAULT_SEED, WORKLOAD_NAMES, WORKLOADS, type WorkloadName } from './workloads.ts';
import type { Measurement, RunOptions, Workload } from './measurement.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const POM = 'bench/flink/pom.xml';
export const FLINK_JAR = 'bench/flink/target/weir-flink-bench.jar';

/** The Flink version the pom pins. */
export function flinkVersion(): string {
  const match = /<flink\.version>([^<]+)<\/flink\.version>/.exec(
    readFileSync(new URL('./flink/pom.xml', import.meta.url), 'utf8'),
  );
  return match?.[1] ?? 'unknown';
}

let built: Promise<string> | undefined;

/** `mvn -q -f bench/flink/pom.xml package`, once per process (Maven itself skips what is up to date). */
export function buildFlinkJar(): Promise<string> {
  built ??= runProcess('mvn', ['-B', '-q', '-Dstyle.color=never', '-f', POM, 'package'], {
    cwd: ROOT,
    what: `mvn package (${POM}; needs Java 17+ and Maven)`,
  }).then(() => {
    if (!existsSync(new URL(`../${FLINK_JAR}`, import.meta.url)))
      throw new Error(`mvn package finished but ${FLINK_JAR} is missing`);
    return FLINK_JAR;
  });
  return built;
}

/** Runs workloads one after the other in one JVM (for the cross-check test; figures come from one JVM per run). */
export async function runFlink(
  workloads: readonly WorkloadName[],
  events: number,
  seed = DEFAULT_SEED,
): Promise<RunResult[]> {
  const jar = await buildFlinkJar();
  const args = [
    '-Xmx4g',
    '-jar',
    jar,
    '--workload',
    workloads.join(','),
    '--events',
    String(events),
    '--seed',
    String(seed),
  ];
  const what = `flink ${workloads.join(', ')}`;
  const stdout = await runProcess('java', args, { cwd: ROOT, what });
  const results = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as RunResult);
  if (results.length !== workloads.length)
    throw new Error(
      `${what} printed ${results.length} results for ${workloads.length} workloads:\n${stdout.slice(-2000)}`,
    );
  return results;
}

export async function runFlinkOnce(workload: WorkloadName, events: number, seed = DEFAULT_SEED): Promise<RunResult> {
  return (await runFlink([workload], events, seed))[0]!;
}

export function flinkWorkload(name: WorkloadName): Workload {
  return {
    workload: name,
    system: 'flink',
    description: `Flink ${flinkVersion()} local mode, parallelism 1: ${WORKLOADS[name].description}; JSON text parsed by the source`,
    async run(options: RunOptions): Promise<Measurement> {
      const events = options.quick ? QUICK_EVENTS : FULL_EVENTS;
      const runs: RunResult[] = [];
      for (let i = 0; i < (options.quick ? 1 : FULL_RUNS); i++) runs.push(await runFlinkOnce(name, events));
      return summarize(name, this.system, runs);
    },
  };
}

export const flinkWorkloads: Workload[] = WORKLOAD_NAMES.map(flinkWorkload);
