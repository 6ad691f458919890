/**
 * The side-by-side workloads (bench/workloads/*.weir.json), their input and how their output is checked. Flink runs
 * the same four jobs (bench/flink/); both systems parse every event from its JSON text, use the same event time and
 * watermarks (5 s bounded out-of-orderness, advanced after every record) and checksum what reaches the sink the same
 * way (checksum.ts), so equal counts and checksums mean equal output.
 */
import { readFileSync } from 'node:fs';
import { Engine, formatProblem, validatePipeline, type PipelineDoc, type StreamRecord } from '../shared/index.ts';
import { mixInteger, mixReal, mixString, OutputChecksum } from './checksum.ts';
import { EventGenerator } from './data/generate.ts';
import { OPERATORS } from '../shared/operators/registry.ts';

export const WORKLOAD_NAMES = ['stateless', 'tumbling-count', 'sliding-avg', 'session'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

export const DEFAULT_SEED = 42;

interface WindowValue {
  key: number;
  window: { start: number; end: number };
  result: number;
}

interface PageView {
  user_id: number;
  page_url: string;
  ts: number;
}

function windowHash(value: WindowValue): number {
  return mixInteger(mixInteger(mixInteger(0, value.key), value.window.start), value.window.end);
}

/** Per workload: what it computes, and the hash of one output value (Results.java hashes Flink's alike). */
export const WORKLOADS: Record<WorkloadName, { description: string; hash(value: unknown): number }> = {
  stateless: {
    description: 'parse JSON, keep page views, project to user, page and time',
    hash: (v) => {
      const p = v as PageView;
      return mixInteger(mixString(mixInteger(0, p.user_id), p.page_url), p.ts);
    },
  },
  'tumbling-count': {
    description: 'page views per user per 1-minute tumbling window (the page-views example)',
    hash: (v) => mixInteger(windowHash(v as WindowValue), (v as WindowValue).result),
  },
  'sliding-avg': {
    description: 'average duration_ms per user, 1-minute windows sliding by 10 s',
    hash: (v) => mixReal(windowHash(v as WindowValue), (v as WindowValue).result),
  },
  session: {
    description: 'events per user session, 30 s gap',
    hash: (v) => mixInteger(windowHash(v as WindowValue), (v as WindowValue).result),
  },
};

export function isWorkloadName(name: string): name is WorkloadName {
  return (WORKLOAD_NAMES as readonly string[]).includes(name);
}

/** The workload's pipeline, validated, without its samples and tests (those are for `weir test`). */
export function loadWorkload(name: WorkloadName): PipelineDoc {
  const file = new URL(`./workloads/${name}.weir.json`, import.meta.url);
  const doc = JSON.parse(readFileSync(file, 'utf8')) as PipelineDoc;
  const result = validatePipeline(doc);
  if (!result.ok)
    throw new Error(`bench/workloads/${name}.weir.json is invalid:\n${result.problems.map(formatProblem).join('\n')}`);
  delete doc.tests;
  for (const node of doc.nodes) delete node.samples;
  return doc;
}

/**
 * The input: generated events as the bytes a Kafka topic holds, UTF-8 JSON texts back to back, and where each
 * starts. Held off the JavaScript heap (Flink holds them in one byte array), so that neither system's collector
 * walks ten million retained strings that a deployment, reading from Kafka, would never hold.
 */
export interface EventInput {
  readonly count: number;
  readonly bytes: Buffer;
  /** Event i is bytes[offsets[i], offsets[i + 1]). */
  readonly offsets: Uint32Array;
}

export function generateEvents(count: number, seed = DEFAULT_SEED): EventInput {
  const generator = new EventGenerator({ seed });
  const offsets = new Uint32Array(count + 1);
  let bytes = Buffer.allocUnsafe(Math.max(1024, count * 112));
  let end = 0;
  for (let i = 0; i < count; i++) {
    const text = JSON.stringify(generator.next());
    if (end + text.length * 3 > bytes.length) {
      const grown = Buffer.allocUnsafe(bytes.length * 2);
      bytes.copy(grown, 0, 0, end);
      bytes = grown;
    }
    end += bytes.write(text, end, 'utf8');
    offsets[i + 1] = end;
  }
  return { count, bytes: bytes.subarray(0, end), offsets };
}

/** Event i as text, decoded the way a deployment decodes a Kafka record's value. */
export function eventText(input: EventInput, i: number): string {
  return input.bytes.toString('utf8', input.offsets[i]!, input.offsets[i + 1]!);
}

export interface WorkloadRun {
  outputs: number;
  /** Unsigned 32-bit sum of the output hashes. */
  checksum: number;
  elapsedMs: number;
  /** CPU time of the whole process over the same interval (GC helper threads included). */
  cpuMs: number;
}

/**
 * Feeds the events to the workload's engine the way a deployment does (one Kafka partition, offsets in order, each
 * value decoded from UTF-8 and parsed as JSON by the source) and ends the input, so every window fires. The timer
 * covers exactly that.
 */
export function runWorkload(
  name: WorkloadName,
  input: EventInput,
  pipeline: PipelineDoc = loadWorkload(name),
): WorkloadRun {
  const hash = WORKLOADS[name].hash;
  const sum = new OutputChecksum();
  const engine = new Engine(pipeline, {
    operators: OPERATORS,
    mode: 'deployed',
    sink: (_sink: string, record: StreamRecord) => sum.add(hash(record.value)),
  });
  const source = engine.sources[0]!;
  source.declarePartitions([0]);
  const { bytes, offsets, count } = input;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i++)
    source.ingestKafka(0, i, null, bytes.toString('utf8', offsets[i]!, offsets[i + 1]!), 0);
  engine.endOfInput();
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { outputs: sum.count, checksum: sum.checksum, elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}
