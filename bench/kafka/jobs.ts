/**
 * The jobs the Kafka benchmarks deploy, each on the Weir server and on Flink, and what each must commit over the
 * session's events (the engine's own run, end of input included: the flush records close every window).
 *
 * - `tumbling-count`: bench/workloads/tumbling-count.weir.json (a filter UDF keeps page views; per-user counts in
 *   one-minute tumbling windows).
 * - `page-views`: examples/page-views.weir.json, the same job as the example ships it, with its second sink for late
 *   records (which stays empty on these events: they are at most 3 s out of order, the watermark 5 s behind).
 * - `count-all` and `count-all-udf`: every event counted per user and minute, without a UDF, and with a filter UDF
 *   that keeps every event. Same output; the difference in time is what one UDF node costs per record.
 */
import { readFileSync } from 'node:fs';
import {
  Engine,
  formatProblem,
  validatePipeline,
  type Delivery,
  type PipelineDoc,
  type StreamRecord,
} from '../../shared/index.ts';
import { OutputChecksum } from '../checksum.ts';
import { loadWorkload, WORKLOADS, type EventInput } from '../workloads.ts';
import { OPERATORS } from '../../shared/operators/registry.ts';

export const KAFKA_JOB_NAMES = ['tumbling-count', 'page-views', 'count-all', 'count-all-udf'] as const;
export type KafkaJobName = (typeof KAFKA_JOB_NAMES)[number];

export interface KafkaJob {
  name: KafkaJobName;
  description: string;
  /** The pipeline's sink node ids; the first writes the window results, which are counted and checksummed. */
  sinks: string[];
  /** The pipeline without samples and tests, as the file has it. */
  doc(): PipelineDoc;
}

/** Every sink's output: count and order-independent checksum (the tumbling-count hash of a window result). */
export type JobOutput = Record<string, { count: number; checksum: number }>;

const KEEP_ALL = 'export default (e: { user_id: number }) => e.user_id >= 0;';

function examplePageViews(): PipelineDoc {
  const doc = JSON.parse(
    readFileSync(new URL('../../examples/page-views.weir.json', import.meta.url), 'utf8'),
  ) as PipelineDoc;
  delete doc.tests;
  for (const node of doc.nodes) delete node.samples;
  return doc;
}

function countAll(): PipelineDoc {
  const doc = loadWorkload('tumbling-count');
  return {
    ...doc,
    id: 'bench-count-all',
    name: 'Benchmark: count all events',
    nodes: doc.nodes.filter((n) => n.id !== 'pageViews'),
    edges: [
      { from: 'events', to: 'byUser' },
      ...doc.edges.filter((e) => e.from !== 'events' && e.from !== 'pageViews'),
    ],
  };
}

function countAllUdf(): PipelineDoc {
  const doc = loadWorkload('tumbling-count');
  return {
    ...doc,
    id: 'bench-count-all-udf',
    name: 'Benchmark: count all events, through a filter UDF that keeps them all',
    nodes: doc.nodes.map((n) => (n.id === 'pageViews' ? { ...n, params: { ...n.params, code: [KEEP_ALL] } } : n)),
  };
}

export const KAFKA_JOBS: Record<KafkaJobName, KafkaJob> = {
  'tumbling-count': {
    name: 'tumbling-count',
    description:
      'page views per user per 1-minute tumbling window (bench/workloads/tumbling-count.weir.json: a filter UDF, keyBy, window)',
    sinks: ['out'],
    doc: () => loadWorkload('tumbling-count'),
  },
  'page-views': {
    name: 'page-views',
    description: 'examples/page-views.weir.json as shipped (filter UDF, keyBy, window; a second sink for late records)',
    sinks: ['page_view_counts', 'late_page_views'],
    doc: examplePageViews,
  },
  'count-all': {
    name: 'count-all',
    description: 'every event counted per user per 1-minute tumbling window: no UDF',
    sinks: ['out'],
    doc: countAll,
  },
  'count-all-udf': {
    name: 'count-all-udf',
    description: 'count-all behind a filter UDF that keeps every event: the same output, one UDF node more',
    sinks: ['out'],
    doc: countAllUdf,
  },
};

/** The job's pipeline with its id, topics, checkpoint interval and delivery set; validated. */
export function jobPipeline(
  job: KafkaJob,
  options: {
    id: string;
    input: string;
    outputs: Record<string, string>;
    checkpointIntervalMs: number;
    delivery: Delivery;
  },
): PipelineDoc {
  const doc = job.doc();
  const pipeline: PipelineDoc = {
    ...doc,
    id: options.id,
    settings: { ...doc.settings, checkpointIntervalMs: options.checkpointIntervalMs, delivery: options.delivery },
    nodes: doc.nodes.map((n) => {
      if (n.type === 'source.kafka') return { ...n, params: { ...n.params, topic: options.input } };
      if (n.type === 'sink.kafka') {
        const topic = options.outputs[n.id];
        if (topic === undefined) throw new Error(`no output topic for sink ${n.id} of ${job.name}`);
        return { ...n, params: { ...n.params, topic } };
      }
      return n;
    }),
  };
  const result = validatePipeline(pipeline);
  if (!result.ok)
    throw new Error(`the ${job.name} bench pipeline is invalid:\n${result.problems.map(formatProblem).join('\n')}`);
  return pipeline;
}

/** Hash of one committed value as the engine's run hashes it: a window result's key, window and count. */
export const windowValueHash = (value: Buffer): number =>
  WORKLOADS['tumbling-count'].hash(JSON.parse(value.toString('utf8')));

/** What the engine computes over the events (deployed mode, one partition, end of input), per sink. */
export function expectedOutput(job: KafkaJob, input: EventInput): JobOutput {
  const hash = WORKLOADS['tumbling-count'].hash;
  const sums = new Map(job.sinks.map((s) => [s, new OutputChecksum()]));
  const engine = new Engine(job.doc(), {
    operators: OPERATORS,
    mode: 'deployed',
    sink: (sink: string, record: StreamRecord) => sums.get(sink)!.add(hash(record.value)),
  });
  const source = engine.sources[0]!;
  source.declarePartitions([0]);
  const { bytes, offsets, count } = input;
  for (let i = 0; i < count; i++)
    source.ingestKafka(0, i, null, bytes.toString('utf8', offsets[i]!, offsets[i + 1]!), 0);
  engine.endOfInput();
  return Object.fromEntries([...sums].map(([sink, sum]) => [sink, { count: sum.count, checksum: sum.checksum }]));
}
