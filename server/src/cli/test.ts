/**
 * `weir test FILE…` (SPEC §7): runs each file's `tests` and prints `✓ name` or `✗ name` with a record-by-record diff
 * per sink. Only the sinks a test names in `expect` are compared; the others may emit anything.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ExpectedRecord, PipelineDoc, PipelineTest, SinkOutput } from '../../../shared/index.ts';
import { CliFailure, out, parseCommandArgs, UsageError, type Command } from './common.ts';
import { ENGINE_HELP, flinkOutputs, loadValid, parseEngine, runSimulation, simulateOnFlink } from './simulate.ts';

export const testCommand: Command = {
  name: 'test',
  summary: "run pipelines' tests and show what differs",
  help: `Usage: weir test FILE... [--checkpoint-every N] [--engine weir|flink]

Runs the "tests" of each pipeline file: every test feeds its inputs (or the sources' own samples) through the
pipeline to the end of input and compares what reached each sink named in its "expect" with the expected records,
in order. Sinks a test does not name are not compared. A failing test prints, per sink, the expected (-) and
actual (+) records. Exits with status 1 when any test fails or any file is invalid.

Options:
  --checkpoint-every N   snapshot and restore after every N samples while running each test
${ENGINE_HELP}
  -h, --help             show this help`,

  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      'checkpoint-every': { type: 'string' },
      engine: { type: 'string' },
    });
    const engine = parseEngine(values.engine as string | undefined);
    if (positionals.length === 0) throw new UsageError('give one or more pipeline files');
    const every = values['checkpoint-every'] as string | undefined;
    if (every !== undefined && !/^[1-9]\d*$/.test(every))
      throw new UsageError(`--checkpoint-every takes a positive whole number of samples, got "${every}"`);
    const checkpointEvery = every === undefined ? undefined : Number(every);
    if (engine === 'flink' && checkpointEvery !== undefined)
      throw new UsageError('--checkpoint-every is for the Weir engine; on Flink, Flink checkpoints the state itself');
    const flinkRuns = engine === 'flink' ? runAllOnFlink(positionals) : null;

    let passed = 0;
    let failed = 0;
    let broken = 0;
    for (const file of positionals) {
      out(file);
      let pipeline: PipelineDoc;
      try {
        pipeline = loadValid(file);
      } catch (error) {
        if (!(error instanceof CliFailure)) throw error;
        broken++;
        out(indent(error.message, 2));
        continue;
      }
      const tests = pipeline.tests ?? [];
      if (tests.length === 0) out('  (no tests)');
      for (const test of tests) {
        const diff = flinkRuns
          ? await diffTest(test, async () => flinkOutputs(flinkRuns.get(`${file}\u0000${tests.indexOf(test)}`)!))
          : await runTest(pipeline, test, checkpointEvery);
        if (diff.length === 0) {
          passed++;
          out(`  ✓ ${test.name}`);
        } else {
          failed++;
          out(`  ✗ ${test.name}`);
          for (const line of diff) out(`      ${line}`);
        }
      }
    }
    const files = positionals.length === 1 ? '1 file' : `${positionals.length} files`;
    const invalid = broken > 0 ? `, ${broken} invalid file${broken === 1 ? '' : 's'}` : '';
    out(`\n${passed} passed, ${failed} failed${invalid} (${files})`);
    return failed > 0 || broken > 0 ? 1 : 0;
  },
};

/** Every test of every valid file, run through the Flink runner in one batch (one JVM). */
function runAllOnFlink(files: readonly string[]): Map<string, ReturnType<typeof simulateOnFlink>[number]> {
  const jobs: Array<{ name: string; pipeline: PipelineDoc; inputs?: PipelineTest['inputs']; id: string }> = [];
  for (const file of files) {
    let pipeline: PipelineDoc;
    try {
      pipeline = loadValid(file);
    } catch {
      continue;
    }
    (pipeline.tests ?? []).forEach((test, i) =>
      jobs.push({
        name: `${file}: ${test.name}`,
        pipeline,
        id: `${file}\u0000${i}`,
        ...(test.inputs ? { inputs: test.inputs } : {}),
      }),
    );
  }
  const results = jobs.length === 0 ? [] : simulateOnFlink(jobs);
  return new Map(jobs.map((job, i) => [job.id, results[i]!]));
}

/** Runs one test; returns the lines of its diff, empty when it passes. */
export function runTest(pipeline: PipelineDoc, test: PipelineTest, checkpointEvery?: number): Promise<string[]> {
  return diffTest(test, () =>
    runSimulation(pipeline, test.inputs === undefined ? { checkpointEvery } : { inputs: test.inputs, checkpointEvery }),
  );
}

/** The diff of one test against the outputs `run` gives; a failure of the run is the test's diff. */
async function diffTest(test: PipelineTest, run: () => Promise<SinkOutput[]>): Promise<string[]> {
  let outputs: SinkOutput[];
  try {
    outputs = await run();
  } catch (error) {
    if (error instanceof CliFailure) return error.message.split('\n');
    throw error;
  }
  const lines: string[] = [];
  for (const [sink, expected] of Object.entries(test.expect)) {
    const actual = outputs.filter((o) => o.sink === sink).map(asExpected);
    lines.push(...diffRecords(sink, expected, actual));
  }
  return lines;
}

/** A sink record as a test states it, after the JSON round trip it would take to Kafka. */
function asExpected(output: SinkOutput): ExpectedRecord {
  return JSON.parse(
    JSON.stringify({ key: output.key, value: output.value ?? null, timestamp: output.timestamp }),
  ) as ExpectedRecord;
}

/** Record-by-record diff of one sink; empty when equal. `-` expected, `+` actual, `=` the same. */
export function diffRecords(
  sink: string,
  expected: readonly ExpectedRecord[],
  actual: readonly ExpectedRecord[],
): string[] {
  const n = Math.max(expected.length, actual.length);
  let same = expected.length === actual.length;
  const body: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    const label = `#${i + 1}`.padEnd(4);
    if (e !== undefined && a !== undefined && isDeepStrictEqual(e, a)) {
      body.push(`  ${label} = ${show(a)}`);
      continue;
    }
    same = false;
    body.push(`  ${label} - ${e === undefined ? '(no record expected)' : show(e)}`);
    body.push(`  ${' '.repeat(4)} + ${a === undefined ? '(no record emitted)' : show(a)}`);
  }
  if (same) return [];
  const count = (k: number) => `${k} record${k === 1 ? '' : 's'}`;
  return [`sink "${sink}": expected ${count(expected.length)}, got ${actual.length} (- expected, + actual)`, ...body];
}

function show(record: ExpectedRecord): string {
  return JSON.stringify({ key: record.key, value: record.value, timestamp: record.timestamp });
}

function indent(text: string, spaces: number): string {
  return text
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');
}
