/**
 * `weir produce FILE [--input SOURCE_ID=SAMPLES.jsonl]…`: writes each source's samples to its Kafka topic, encoded
 * the way the source reads them, so a deployed pipeline gets the same input its simulation had. Watermark markers
 * are simulation-only and are skipped. Brokers: KAFKA_BROKERS, or the local broker on KAFKA_PORT (default 9092).
 *
 * It goes in two passes over each source's samples. The first checks every sample (a bad line is reported before
 * anything is written), counts the records, finds the partitions they use and the largest record. Then, once the
 * topics and their size limits are known, the second encodes the records and writes them in sends that fit
 * (ordered-sender.ts), several at a time, showing progress on stderr. An --input file is read line by line in both
 * passes, never whole, and only the records waiting for their send are held.
 */
import { createReadStream } from 'node:fs';
// Before kafkajs: config.ts patches it (read-committed.ts, request-queue.ts) and insists on coming first.
import { createKafka, kafkaConfigFromEnv, type KafkaConfig } from '../kafka/config.ts';
import type { Admin, Message, Producer } from 'kafkajs';
import kafkajs from 'kafkajs';
import {
  isWatermarkSample,
  type NodeDoc,
  type PipelineDoc,
  type RecordSample,
} from '../../../shared/pipeline/types.ts';
import { nodesWithRole } from '../../../shared/operators/registry.ts';
import { OrderedSender } from '../kafka/ordered-sender.ts';
import { MAX_SEND_MESSAGES } from '../kafka/sends.ts';
import { isTransientKafkaError, retryTransient } from '../kafka/transient.ts';
import { CliFailure, out, parseCommandArgs, readFailure, UsageError, type Command } from './common.ts';
import { inputFiles, loadValid, parseSampleLine } from './simulate.ts';
import { bytesText, count, Reporter } from './produce-report.ts';

const { ConfigResourceTypes } = kafkajs;

/** A broker's `message.max.bytes` (and a topic's `max.message.bytes`) unless configured otherwise: 1 MiB + 12. */
const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** A record's bytes in a record batch besides its key, value and headers, with the batch's own header: at most 97. */
const RECORD_OVERHEAD_BYTES = 100;
/** Each header's bytes besides its name and value (two length varints). */
const HEADER_OVERHEAD_BYTES = 10;
/** A partition's part of one send: well under the broker's limit, as sends.ts plans a checkpoint's sends. */
const CHUNK_BYTES = 512 * 1024;
/** One send's size when it carries several partitions' chunks. */
const SEND_BYTES = 4 * 1024 * 1024;
const MAX_IN_FLIGHT = 4;
/** Records read ahead of what the broker has acknowledged. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** A run gives up when the broker has acknowledged nothing for this long (transient errors are retried until then). */
const GIVE_UP_MS = 30_000;
/** Problems of an --input file reported at most; the rest are counted. */
const MAX_PROBLEMS = 100;

function encode(value: unknown, format: unknown): string {
  return format === 'text' && typeof value === 'string' ? value : JSON.stringify(value);
}

/** The Kafka message for one record sample, in the partition the sample says (0 when it says none). */
export function messageFor(s: RecordSample, params: Record<string, unknown>): Message {
  return {
    key: s.key === undefined || s.key === null ? null : encode(s.key, params.keyFormat === 'json' ? 'json' : 'text'),
    value: encode(s.value, params.valueFormat ?? 'json'),
    partition: s.partition ?? 0,
    ...(s.timestamp !== undefined ? { timestamp: String(s.timestamp) } : {}),
    ...(s.headers ? { headers: s.headers } : {}),
  };
}

/** At least the bytes a message takes as the only record of a record batch (what a broker's size limit counts). */
export function recordBytes(message: Message): number {
  let bytes = RECORD_OVERHEAD_BYTES + byteLength(message.key) + byteLength(message.value);
  if (message.headers) {
    for (const [name, value] of Object.entries(message.headers)) {
      bytes +=
        HEADER_OVERHEAD_BYTES +
        Buffer.byteLength(name) +
        (typeof value === 'string' || Buffer.isBuffer(value) ? byteLength(value) : 0);
    }
  }
  return bytes;
}

function byteLength(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/** One source to write: where its samples come from and what the first pass found in them. */
interface SourcePlan {
  sourceId: string;
  node: NodeDoc;
  topic: string;
  /** The --input file, or undefined for the samples in the pipeline file. */
  inputFile: string | undefined;
  /** Where the pipeline file's samples are, for messages: "FILE: nodes[2].samples". */
  samplesPath: string;
  records: number;
  partitions: number;
  largest: { where: string; bytes: number } | undefined;
}

/** Calls `onRecord` for each record sample of the source, with where it is ("file:line" or "FILE: nodes[i].samples[j]"). */
async function eachRecord(
  plan: SourcePlan,
  onRecord: (sample: RecordSample, where: string) => void,
  pause?: () => Promise<void>,
): Promise<void> {
  if (plan.inputFile === undefined) {
    const samples = plan.node.samples ?? [];
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i]!;
      if (!isWatermarkSample(sample)) onRecord(sample, `${plan.samplesPath}[${i}]`);
      if (pause && i % 1000 === 999) await pause();
    }
    return;
  }
  const file = plan.inputFile;
  await eachLine(
    file,
    (line, number) => {
      if (line.trim() === '') return;
      const parsed = parseSampleLine(line, `${file}:${number}`);
      if (!('sample' in parsed))
        throw new CliFailure(
          `weir produce: ${file} changed while it was being written to Kafka:\n${parsed.problems.join('\n')}`,
        );
      if (!isWatermarkSample(parsed.sample)) onRecord(parsed.sample, `${file}:${number}`);
    },
    pause,
  );
}

/**
 * Reads a text file a line at a time (lines end at "\n", numbered from 1, as readSamplesFile numbers them), a chunk
 * of about a megabyte at a time; `afterChunk` may hold the next chunk back.
 */
async function eachLine(
  file: string,
  onLine: (line: string, number: number) => void,
  afterChunk?: () => Promise<void>,
): Promise<void> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1024 * 1024 });
  let rest = '';
  let number = 0;
  const emit = (line: string) => onLine(line.endsWith('\r') ? line.slice(0, -1) : line, ++number);
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      // Only the new chunk is searched, so that a line longer than a chunk costs no more than its length.
      let end = chunk.indexOf('\n');
      if (end === -1) {
        rest += chunk;
        continue;
      }
      emit(rest + chunk.slice(0, end));
      let start = end + 1;
      for (end = chunk.indexOf('\n', start); end !== -1; end = chunk.indexOf('\n', start)) {
        emit(chunk.slice(start, end));
        start = end + 1;
      }
      rest = chunk.slice(start);
      if (afterChunk) await afterChunk();
    }
  } catch (error) {
    // The file's own errors (not one thrown by onLine or afterChunk, which may carry a Kafka error's code).
    if (error instanceof Error && 'syscall' in error) throw new CliFailure(`${file}: ${readFailure(error)}`);
    throw error;
  } finally {
    stream.destroy();
  }
  if (rest !== '') emit(rest);
}

/** The first pass over a source's samples: every sample checked (all problems reported), records counted and sized. */
async function scan(
  pipelineFile: string,
  pipeline: PipelineDoc,
  sourceId: string,
  inputFile: string | undefined,
): Promise<SourcePlan> {
  const nodeIndex = pipeline.nodes.findIndex((n) => n.id === sourceId);
  const node = pipeline.nodes[nodeIndex]!;
  const plan: SourcePlan = {
    sourceId,
    node,
    topic: String(node.params.topic),
    inputFile,
    samplesPath: `${pipelineFile}: nodes[${nodeIndex}].samples`,
    records: 0,
    partitions: 1,
    largest: undefined,
  };
  const onRecord = (sample: RecordSample, where: string) => {
    plan.records++;
    if (sample.partition !== undefined && sample.partition >= plan.partitions) plan.partitions = sample.partition + 1;
    const bytes = recordBytes(messageFor(sample, node.params));
    if (!plan.largest || bytes > plan.largest.bytes) plan.largest = { where, bytes };
  };
  if (inputFile === undefined) {
    await eachRecord(plan, onRecord);
    return plan;
  }
  const problems: string[] = [];
  let problemLines = 0;
  await eachLine(inputFile, (line, number) => {
    if (line.trim() === '') return;
    const where = `${inputFile}:${number}`;
    const parsed = parseSampleLine(line, where);
    if (!('sample' in parsed)) {
      if (++problemLines <= MAX_PROBLEMS) problems.push(...parsed.problems);
      return;
    }
    if (!isWatermarkSample(parsed.sample)) onRecord(parsed.sample, where);
  });
  if (problemLines > MAX_PROBLEMS)
    problems.push(`${inputFile}: … and ${count(problemLines - MAX_PROBLEMS)} more lines with problems`);
  if (problems.length > 0) throw new CliFailure(problems.join('\n'));
  return plan;
}

/** What one source's topic is like on the broker, found before anything is written. */
interface TopicState {
  exists: boolean;
  maxMessageBytes: number;
}

/**
 * The largest record batch the topic takes: its `max.message.bytes`, or for a topic yet to be created the broker's
 * `message.max.bytes`. When the cluster will not say (no permission to describe configs), Kafka's default.
 */
async function maxMessageBytes(admin: Admin, topic: string, exists: boolean): Promise<number> {
  try {
    const resource = exists
      ? { type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }
      : {
          type: ConfigResourceTypes.BROKER,
          name: String((await admin.describeCluster()).brokers[0]?.nodeId ?? ''),
          configNames: ['message.max.bytes'],
        };
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [resource] });
    const value = Number(described.resources[0]?.configEntries[0]?.configValue);
    return Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_MAX_MESSAGE_BYTES;
  } catch {
    return DEFAULT_MAX_MESSAGE_BYTES;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const KAFKA_HINT = 'is Kafka running? npm run kafka:start starts the local broker, KAFKA_BROKERS names another';

async function produce(
  pipelineFile: string,
  pipeline: PipelineDoc,
  config: KafkaConfig,
  inputs: Map<string, string>,
): Promise<void> {
  const plans: SourcePlan[] = [];
  for (const node of nodesWithRole(pipeline.nodes, 'source'))
    plans.push(await scan(pipelineFile, pipeline, node.id, inputs.get(node.id)));

  const brokers = config.brokers.join(', ');
  const reporter = new Reporter(brokers);
  const kafka = createKafka(config, 'produce', (message) => reporter.trouble(message));
  const admin = kafka.admin();
  // Idempotent, so that a send retried after a lost answer does not write its records twice. kafkajs then has one
  // produce request per broker under way at a time; measured against a plain producer on the local broker, no slower
  // (the client's CPU, encoding the records, is what limits either).
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true });
  try {
    try {
      await admin.connect();
      await producer.connect();
    } catch (error) {
      throw new CliFailure(`weir produce: cannot reach Kafka at ${brokers}: ${messageOf(error)} (${KAFKA_HINT})`);
    }

    // Every topic and every record's size is checked before anything is written.
    const existing = await retryTransient(() => admin.fetchTopicMetadata({ topics: [] }), {
      step: 'reading the topics',
      attempts: 5,
      onRetry: (error) => reporter.trouble(messageOf(error)),
    });
    const topics = new Map<SourcePlan, TopicState>();
    for (const plan of plans) {
      const found = existing.topics.find((t) => t.name === plan.topic);
      if (found && found.partitions.length < plan.partitions)
        throw new CliFailure(
          `weir produce: topic "${plan.topic}" has ${found.partitions.length} partitions but the samples of "${plan.sourceId}" use ${plan.partitions}`,
        );
      const state = {
        exists: found !== undefined,
        maxMessageBytes: await maxMessageBytes(admin, plan.topic, found !== undefined),
      };
      if (plan.largest && plan.largest.bytes > state.maxMessageBytes) {
        const limit = state.exists
          ? `topic "${plan.topic}" takes (its max.message.bytes)`
          : `the broker takes for the new topic "${plan.topic}" (its message.max.bytes)`;
        throw new CliFailure(
          `weir produce: ${plan.largest.where}: this record is too large for Kafka: ${bytesText(plan.largest.bytes)} with its key, headers and ` +
            `record overhead, more than the ${bytesText(state.maxMessageBytes)} ${limit}; nothing was written`,
        );
      }
      topics.set(plan, state);
    }

    // A topic two sources write to is created once, with the partitions both use.
    const toCreate = new Map<string, number>();
    for (const plan of plans) {
      if (!topics.get(plan)!.exists) toCreate.set(plan.topic, Math.max(plan.partitions, toCreate.get(plan.topic) ?? 1));
    }
    for (const plan of plans) {
      const state = topics.get(plan)!;
      const partitions = toCreate.get(plan.topic);
      if (partitions !== undefined) {
        await admin.createTopics({ topics: [{ topic: plan.topic, numPartitions: partitions }], waitForLeaders: true });
        toCreate.delete(plan.topic);
      }
      await write(plan, state, producer, reporter, brokers);
      out(
        `${plan.sourceId}: ${plan.records} records to ${plan.topic}${partitions === undefined ? '' : ` (created with ${partitions} partition${partitions === 1 ? '' : 's'})`}`,
      );
    }
  } catch (error) {
    if (error instanceof CliFailure) throw error;
    throw new CliFailure(`weir produce: ${messageOf(error)} (brokers: ${brokers}; ${KAFKA_HINT})`);
  } finally {
    reporter.abandon();
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

/** The second pass over one source: its records encoded and written, with progress. */
async function write(
  plan: SourcePlan,
  state: TopicState,
  producer: Producer,
  reporter: Reporter,
  brokers: string,
): Promise<void> {
  const { topic, node } = plan;
  // Transient errors are retried (kafkajs retries them first) until the broker has taken nothing for GIVE_UP_MS.
  const send = (messages: Message[]) =>
    retryTransient(
      async () => {
        await producer.send({ topic, acks: -1, messages });
      },
      {
        step: `writing to topic "${topic}"`,
        attempts: Number.MAX_SAFE_INTEGER,
        abandoned: () => reporter.sinceProgress() > GIVE_UP_MS,
        onRetry: (error) => reporter.trouble(messageOf(error)),
      },
    );
  const sender = new OrderedSender({
    send,
    onSent: (records) => reporter.sent(records),
    chunkBytes: Math.min(CHUNK_BYTES, Math.floor(state.maxMessageBytes / 2)),
    chunkMessages: MAX_SEND_MESSAGES,
    sendBytes: SEND_BYTES,
    maxInFlight: MAX_IN_FLIGHT,
    maxBufferedBytes: MAX_BUFFERED_BYTES,
  });
  reporter.start(topic, plan.records);
  try {
    await eachRecord(
      plan,
      (sample, where) => {
        const message = messageFor(sample, node.params);
        const bytes = recordBytes(message);
        if (bytes > state.maxMessageBytes)
          throw new CliFailure(
            `weir produce: ${where}: this record is too large for Kafka (${bytesText(bytes)}; the file changed while it was being written)`,
          );
        sender.add(message, bytes, sample.partition ?? 0);
      },
      () => sender.room(),
    );
    await sender.flush();
  } catch (error) {
    const stalledMs = reporter.sinceProgress();
    const done = reporter.abandon();
    if (error instanceof CliFailure) throw error;
    const transient = isTransientKafkaError(error);
    const why = transient
      ? `Kafka took none for ${Math.round(stalledMs / 1000)} s; the last error: ${messageOf(error)}`
      : messageOf(error);
    const kept = done > 0 ? ' The records written stay in the topic (a second run writes them again).' : '';
    throw new CliFailure(
      `weir produce: writing to topic "${topic}" stopped after ${count(done)} of ${count(plan.records)} records: ${why} (brokers: ${brokers}${transient ? `; ${KAFKA_HINT}` : ''}).${kept}`,
    );
  }
  reporter.finish();
}

export const produceCommand: Command = {
  name: 'produce',
  summary: "write a pipeline's samples to its source topics in Kafka",
  help: `Usage: weir produce FILE [--input SOURCE_ID=SAMPLES.jsonl]...

Writes each source's samples (or the --input file's) to the source's Kafka topic, encoded as the source
reads them (valueFormat, keyFormat), with the sample's timestamp and partition. Watermark markers are
skipped. A missing topic is created with as many partitions as the samples use.

Every sample is checked first, and nothing is written when one is invalid or a record is larger than the
topic takes (max.message.bytes). Records go out in sends of at most 500 records and 512 KiB per partition,
several at a time and in order within each partition; Kafka's transient errors are retried until the broker
has taken nothing for 30 s. Progress goes to stderr (a line a few times a second on a terminal, every 5 s
otherwise; WEIR_PROGRESS_INTERVAL_MS sets it), and one line per source to stdout.

Brokers: KAFKA_BROKERS (and KAFKA_SSL / KAFKA_SASL_* settings), or the local broker at
127.0.0.1:KAFKA_PORT (default 9092) that npm start and npm run kafka:start run.

Options:
  --input SOURCE_ID=FILE   replace that source's samples with FILE (JSON Lines, read as a stream)
  -h, --help               show this help`,

  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { input: { type: 'string', multiple: true } });
    if (positionals.length !== 1)
      throw new UsageError(
        positionals.length === 0 ? 'give the pipeline file whose samples to write' : 'give one pipeline file',
      );
    const pipeline = loadValid(positionals[0]!);
    const inputs = inputFiles(pipeline, (values.input as string[] | undefined) ?? []);
    const config = kafkaConfigFromEnv() ?? { brokers: [`127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`] };
    await produce(positionals[0]!, pipeline, config, inputs);
    return 0;
  },
};
