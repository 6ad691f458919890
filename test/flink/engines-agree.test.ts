/**
 * Both engines, one semantics: every example, every benchmark workload, every CLI fixture and every semantic fixture
 * (test/fixtures/semantics: the scenarios of the tests of test/shared, exported by its export.ts and checked here
 * to be up to date with them) must give the same output on Weir's engine (`simulate()`) and on the Flink runner
 * (`runOnFlink`, one MiniCluster for the whole batch): the same sink records in the same order, and a node that
 * fails under onError "fail" must fail on both with the same node, reason and record, after the same output. A file
 * with `tests` is also run on each test's own `inputs`.
 *
 * Records are compared as the JSON a sink writes and `weir simulate` prints: the Weir engine hands over JavaScript
 * values, where a -Infinity (`ctx.watermark` before the first watermark) is written as null, as the runner returns it.
 *
 * SPEC §3 "Order": where Flink defines no order (values inside a session window after a merge, pairs of a merged
 * session's join), tests compare those values as a multiset. No fixture needs that today: the Flink runner hosts
 * Weir's own operators, which keep arrival order on both engines, so every fixture is compared in order. A fixture
 * that may differ only in such an order goes in UNORDERED, with the reason.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { PipelineFailure } from '../../shared/engine/operator.ts';
import { Simulation, type SinkOutput } from '../../shared/engine/simulation.ts';
import type { PipelineDoc, Sample } from '../../shared/pipeline/types.ts';
import {
  runOnFlink,
  type FlinkSimulationJob,
  type FlinkSimulationResult,
} from '../../server/src/flink/local-runner.ts';
import { readSamplesFile } from '../../server/src/cli/simulate.ts';
import { OPERATORS } from '../../shared/operators/registry.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const FOLDERS = [
  'examples',
  'bench/workloads',
  'test/fixtures/simulate',
  'test/fixtures/tests',
  'test/fixtures/semantics',
] as const;

/** At least this many files per folder, so that the check cannot pass on an empty or half-lost corpus. */
const AT_LEAST: Record<(typeof FOLDERS)[number], number> = {
  examples: 6,
  'bench/workloads': 4,
  'test/fixtures/simulate': 2,
  'test/fixtures/tests': 1,
  'test/fixtures/semantics': 150,
};

/** CLI runs with `--input` files in test/fixtures/simulate (test/cli/simulate.test.ts): pipeline, source, samples. */
const CLI_INPUTS: Array<[file: string, source: string, samples: string]> = [
  ['examples/high-ids.weir.json', 'records', 'test/fixtures/simulate/records.jsonl'],
];

/**
 * Jobs whose records may differ in order only where Flink defines none (SPEC §3): the job's name, and which records
 * to compare as a multiset. Empty: see the header.
 */
const UNORDERED: Record<string, { why: string; records: (output: SinkOutput) => boolean }> = {};

function pipelineFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.weir.json'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .sort();
}

interface Job extends FlinkSimulationJob {
  folder: string;
}

function jobsOf(folder: string): Job[] {
  const jobs: Job[] = [];
  for (const file of pipelineFiles(folder)) {
    const pipeline = JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as PipelineDoc;
    jobs.push({ folder, name: file, pipeline });
    for (const test of pipeline.tests ?? [])
      if (test.inputs) jobs.push({ folder, name: `${file} › test "${test.name}"`, pipeline, inputs: test.inputs });
  }
  for (const [file, source, samples] of CLI_INPUTS) {
    if (!samples.startsWith(`${folder}/`)) continue;
    const pipeline = JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as PipelineDoc;
    const inputs: Record<string, Sample[]> = { [source]: readSamplesFile(join(ROOT, samples)) };
    jobs.push({ folder, name: `${file} --input ${source}=${samples}`, pipeline, inputs });
  }
  return jobs;
}

/** What one engine did with one job: its sink records (as JSON) and, if a node failed under "fail", the failure. */
interface Outcome {
  outputs: unknown[];
  failure?: { nodeId: string; reason: string; input: unknown };
  error?: string;
}

const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

function onWeir(job: Job): Outcome {
  const simulation = new Simulation(job.pipeline, {
    operators: OPERATORS,
    ...(job.inputs ? { inputs: job.inputs } : {}),
  });
  try {
    simulation.run();
  } catch (error) {
    if (error instanceof PipelineFailure)
      return {
        outputs: asJson(simulation.outputs) as unknown[],
        failure: asJson({ nodeId: error.nodeId, reason: error.reason, input: error.input }) as Outcome['failure'],
      };
    return {
      outputs: asJson(simulation.outputs) as unknown[],
      error: error instanceof Error ? error.message : String(error),
    };
  }
  return { outputs: asJson(simulation.outputs) as unknown[] };
}

function onFlink(result: FlinkSimulationResult): Outcome {
  return {
    outputs: asJson(result.outputs) as unknown[],
    ...(result.failure ? { failure: asJson(result.failure) as Outcome['failure'] } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
  };
}

/** Sorts, by their JSON text, the records that may come in any order, leaving the others where they are. */
function withUnorderedSorted(outputs: unknown[], records: (output: SinkOutput) => boolean): unknown[] {
  const unordered = outputs
    .filter((o) => records(o as SinkOutput))
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
  let next = 0;
  return outputs.map((o) => (records(o as SinkOutput) ? unordered[next++] : o));
}

const byFolder = new Map(FOLDERS.map((folder) => [folder, jobsOf(folder)] as const));
const allJobs = [...byFolder.values()].flat();
const flink = new Map<string, FlinkSimulationResult>();

describe('the Weir engine and the Flink runner give the same output', () => {
  beforeAll(() => {
    const results = runOnFlink(
      allJobs.map(({ name, pipeline, inputs }) => ({ name, pipeline, ...(inputs ? { inputs } : {}) })),
    );
    results.forEach((result, i) => flink.set(allJobs[i]!.name, result));
  }, 600_000);

  it('has a corpus in every folder', () => {
    for (const folder of FOLDERS)
      expect(pipelineFiles(folder).length, `pipeline files in ${folder}`).toBeGreaterThanOrEqual(AT_LEAST[folder]);
    expect(new Set(allJobs.map((j) => j.name)).size, 'job names are unique').toBe(allJobs.length);
  });

  it('has the semantic fixtures of the tests of test/shared as they are now', () => {
    const check = spawnSync(process.execPath, ['test/fixtures/semantics/export.ts', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    expect(check.status, `test/fixtures/semantics/export.ts --check:\n${check.stdout}${check.stderr}`).toBe(0);
  }, 300_000);

  for (const folder of FOLDERS) {
    describe(folder, () => {
      for (const job of byFolder.get(folder)!) {
        it(job.name, () => {
          const result = flink.get(job.name);
          expect(result, 'the Flink runner answered').toBeDefined();
          const weir = onWeir(job);
          const other = onFlink(result!);
          expect(weir.error, 'the Weir engine could run it').toBeUndefined();
          expect(other.error, 'the Flink runner could run it').toBeUndefined();
          const unordered = UNORDERED[job.name];
          if (unordered) {
            weir.outputs = withUnorderedSorted(weir.outputs, unordered.records);
            other.outputs = withUnorderedSorted(other.outputs, unordered.records);
          }
          expect(other, 'Flink (expected: the Weir engine)').toEqual(weir);
        });
      }
    });
  }
});
