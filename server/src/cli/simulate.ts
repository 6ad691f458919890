/**
 * `weir simulate FILE [--input SOURCE_ID=SAMPLES.jsonl]… [--checkpoint-every N]` (SPEC §7): runs the pipeline on its
 * samples and prints every sink record as one JSON line, as it is emitted.
 */
import {
  formatProblem,
  PipelineFailure,
  type PipelineDoc,
  type Sample,
  type SinkOutput,
  type ValidationProblem,
} from '../../../shared/index.ts';
import { nodesWithRole } from '../../../shared/operators/registry.ts';
import { validateSample } from '../../../shared/pipeline/samples.ts';
import { jsonSyntaxError } from '../../../shared/pipeline/validate-json.ts';
import { CliFailure, loadPipelineFile, parseCommandArgs, readTextFile, UsageError, type Command } from './common.ts';
import { FlinkRunnerError, runOnFlink, type FlinkSimulationResult } from '../flink/local-runner.ts';
import { FlinkJobError } from '../flink/job-spec.ts';
import { preview } from '../../../shared/engine/json-text.ts';
import { EngineIsolate, GuestCallError, hangCpuMsFor, IsolateKilledError } from '../isolate/engine-isolate.ts';
import { guestScript } from '../isolate/guest-script.ts';
import type { GuestError } from '../isolate/protocol.ts';

export type EngineName = 'weir' | 'flink';

export const ENGINE_HELP = `  --engine weir|flink      run on Weir's engine (default), or on Apache Flink: the Flink runner in a local
                           MiniCluster (needs Java 17; Flink's jars come from Maven Central on first use)`;

export function parseEngine(text: string | undefined): EngineName {
  if (text === undefined || text === 'weir') return 'weir';
  if (text === 'flink') return 'flink';
  throw new UsageError(`--engine takes "weir" or "flink", got "${text}"`);
}

/** Runs pipelines on the Flink runner; a runner that cannot start or run them becomes a message the user can act on. */
export function simulateOnFlink(jobs: Parameters<typeof runOnFlink>[0]): FlinkSimulationResult[] {
  try {
    return runOnFlink(jobs);
  } catch (error) {
    if (error instanceof FlinkRunnerError || error instanceof FlinkJobError)
      throw new CliFailure(`the Flink runner cannot run this: ${error.message}`);
    throw error;
  }
}

/** The outputs of one Flink run, or the CLI's failure for it, worded as the Weir engine's would be. */
export function flinkOutputs(result: FlinkSimulationResult): SinkOutput[] {
  throwIfFailed(result);
  return result.outputs;
}

/** A Flink run that stopped at a `fail` error or could not run, as the CLI's failure. */
export function throwIfFailed(result: FlinkSimulationResult): void {
  if (result.failure)
    throw new CliFailure(
      failureMessage(new PipelineFailure(result.failure.nodeId, result.failure.reason, result.failure.input)),
    );
  if (result.error !== undefined) throw new CliFailure(`the pipeline cannot run on Flink: ${result.error}`);
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'run a pipeline on its samples and print what reaches the sinks',
  help: `Usage: weir simulate FILE [--input SOURCE_ID=SAMPLES.jsonl]... [--checkpoint-every N] [--engine weir|flink]

Runs the pipeline on its sources' samples with event-time semantics and prints every record that reaches a
sink, one JSON object a line, in emission order:

  {"sink":"<node id>","key":...,"value":...,"timestamp":...}

Options:
  --input SOURCE_ID=FILE   replace that source's samples with FILE: one sample a line (JSON Lines), e.g.
                           {"value":{"user_id":1},"timestamp":1000} or {"watermark":5000}; repeatable
  --checkpoint-every N     snapshot after every N samples and continue in a fresh engine restored from the
                           snapshot (the output must not change)
${ENGINE_HELP}
  -h, --help               show this help

Exits with status 1 when the file is invalid (the problems are printed on stderr) or when a node whose
onError is "fail" fails on a record.`,

  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      input: { type: 'string', multiple: true },
      'checkpoint-every': { type: 'string' },
      engine: { type: 'string' },
    });
    if (positionals.length !== 1)
      throw new UsageError(positionals.length === 0 ? 'give the pipeline file to run' : 'give one pipeline file');
    const checkpointEvery = parseCheckpointEvery(values['checkpoint-every'] as string | undefined);
    const pipeline = loadValid(positionals[0]!);
    const inputs = readInputs(pipeline, (values.input as string[] | undefined) ?? []);
    if (parseEngine(values.engine as string | undefined) === 'flink') {
      if (checkpointEvery !== undefined)
        throw new UsageError('--checkpoint-every is for the Weir engine; on Flink, Flink checkpoints the state itself');
      const [result] = simulateOnFlink([{ name: positionals[0]!, pipeline, inputs }]);
      // What reached the sinks before a failure is printed first, as the Weir engine prints it as it goes.
      result!.outputs.forEach(writeOutput);
      throwIfFailed(result!);
      return 0;
    }
    await runSimulation(pipeline, { inputs, checkpointEvery, onLine: (line) => process.stdout.write(line + '\n') });
    return 0;
  },
};

function writeOutput(output: SinkOutput): void {
  process.stdout.write(
    JSON.stringify({ sink: output.sink, key: output.key, value: output.value, timestamp: output.timestamp }) + '\n',
  );
}

function parseCheckpointEvery(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--checkpoint-every takes a positive whole number of samples, got "${text}"`);
  return n;
}

/** Loads a pipeline that must be valid; an invalid one fails with its coded problems. */
export function loadValid(file: string): PipelineDoc {
  const loaded = loadPipelineFile(file);
  if (loaded.ok) return loaded.pipeline;
  if (loaded.unreadable) throw new CliFailure(loaded.message);
  throw new CliFailure([`${file} is not a valid pipeline:`, ...loaded.lines].join('\n'));
}

export interface SimulationRun {
  inputs?: Record<string, Sample[]>;
  checkpointEvery?: number | undefined;
  /** Each sink record as the JSON line `weir simulate` prints. */
  onLine?: (line: string) => void;
}

/**
 * Runs a simulation in an isolate of its own (server/src/isolate): user code sees its arguments, `ctx` and
 * JavaScript's built-ins, never this process, its environment or its files. A `fail` error, a pipeline that cannot be
 * built, user code that hangs or a run past the memory limit becomes a message naming node, record and reason; what
 * reached the sinks before a failure is handed to `onLine` first.
 */
export async function runSimulation(pipeline: PipelineDoc, run: SimulationRun = {}): Promise<SinkOutput[]> {
  const budgetMs = positiveSetting('WEIR_UDF_BUDGET_MS', 1000);
  const limits = { memoryMb: positiveSetting('WEIR_SIMULATION_MEMORY_MB', 2048), hangCpuMs: hangCpuMsFor(budgetMs) };
  const isolate = await EngineIsolate.create(await guestScript(), limits, pipeline);
  try {
    const options = {
      ...(run.inputs ? { inputs: run.inputs } : {}),
      ...(run.checkpointEvery ? { checkpointEvery: run.checkpointEvery } : {}),
      budgetMs,
    };
    const result = await isolate.call<{ lines: string[]; failure?: GuestError }>('simulate', pipeline, options);
    for (const line of result.lines) run.onLine?.(line);
    if (result.failure) throw new CliFailure(guestFailureMessage(result.failure));
    return result.lines.map((line) => JSON.parse(line) as SinkOutput);
  } catch (error) {
    if (error instanceof GuestCallError) throw new CliFailure(guestFailureMessage(error.error));
    if (error instanceof IsolateKilledError) throw new CliFailure(`the pipeline cannot run: ${error.message}`);
    throw error;
  } finally {
    isolate.dispose();
  }
}

function guestFailureMessage(error: GuestError): string {
  if (error.kind === 'failure') return failureMessage(new PipelineFailure(error.nodeId!, error.reason!, error.input));
  return `the pipeline cannot run: ${error.message}`;
}

function positiveSetting(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got "${text}"`);
  return n;
}

function failureMessage(error: PipelineFailure): string {
  return [
    `node "${error.nodeId}" failed: ${error.reason}`,
    `  record: ${recordPreview(error.input)}`,
    '  (the node\'s onError is "fail"; set it to "skip" to drop such records or "route" to send them to its error port)',
  ].join('\n');
}

/** The failed record on one line: up to 500 characters. */
function recordPreview(value: unknown): string {
  return preview(value, 500);
}

export function readInputs(pipeline: PipelineDoc, specs: readonly string[]): Record<string, Sample[]> {
  const inputs: Record<string, Sample[]> = {};
  for (const [id, file] of inputFiles(pipeline, specs)) inputs[id] = readSamplesFile(file);
  return inputs;
}

/** The `--input SOURCE_ID=FILE` options, checked against the pipeline's sources: source id → file. */
export function inputFiles(pipeline: PipelineDoc, specs: readonly string[]): Map<string, string> {
  const sources = nodesWithRole(pipeline.nodes, 'source').map((n) => n.id);
  const files = new Map<string, string>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--input takes SOURCE_ID=FILE, got "${spec}"`);
    const id = spec.slice(0, eq);
    const file = spec.slice(eq + 1);
    if (!sources.includes(id))
      throw new CliFailure(
        `--input ${spec}: "${id}" is not a source of pipeline "${pipeline.id}"; its sources: ${sources.join(', ') || 'none'}`,
      );
    if (files.has(id)) throw new UsageError(`--input names source "${id}" twice`);
    files.set(id, file);
  }
  return files;
}

/** Reads JSON Lines of samples; every bad line is reported with the file and line number. */
export function readSamplesFile(file: string): Sample[] {
  const lines = readTextFile(file).split(/\r?\n/);
  const samples: Sample[] = [];
  const problems: string[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const parsed = parseSampleLine(line, `${file}:${i + 1}`);
    if ('sample' in parsed) samples.push(parsed.sample);
    else problems.push(...parsed.problems);
  });
  if (problems.length > 0) throw new CliFailure(problems.join('\n'));
  return samples;
}

/** One line of a samples file (not blank): the sample, or its problems, each prefixed with `where` ("file:line"). */
export function parseSampleLine(line: string, where: string): { sample: Sample } | { problems: string[] } {
  let sample: unknown;
  try {
    sample = JSON.parse(line);
  } catch (error) {
    const { column, reason } = jsonSyntaxError(line, error);
    return {
      problems: [
        `${where}: E_JSON: column ${column}: ${reason}; each line must be one JSON sample such as {"value": …}`,
      ],
    };
  }
  const found: ValidationProblem[] = [];
  validateSample(sample, 'sample', found);
  if (found.length === 0) return { sample: sample as Sample };
  return { problems: found.map((p) => `${where}: ${formatProblem(p)}`) };
}
