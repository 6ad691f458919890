/**
 * `weir produce FILE [--input SOURCE_ID=SAMPLES.jsonl]…`: writes each source's samples to its Kafka topic, encoded
 * the way the source reads them, so a deployed pipeline gets the same input its simulation had. Watermark markers
 * are simulation-only and are skipped. Brokers: KAFKA_BROKERS, or the local broker on KAFKA_PORT (default 9092).
 */
import type { Message } from 'kafkajs';
import { isWatermarkSample, type PipelineDoc, type RecordSample } from '../../../shared/pipeline/types.ts';
import { samplesBySource } from '../../../shared/engine/simulation.ts';
import { createKafka, kafkaConfigFromEnv, type KafkaConfig } from '../kafka/config.ts';
import { CliFailure, out, parseCommandArgs, UsageError, type Command } from './common.ts';
import { loadValid, readInputs } from './simulate.ts';

function encode(value: unknown, format: unknown): string {
  return format === 'text' && typeof value === 'string' ? value : JSON.stringify(value);
}

/** The Kafka messages for one source's samples, by partition as the samples say. */
export function messagesFor(samples: readonly RecordSample[], params: Record<string, unknown>): Message[] {
  return samples.map((s) => ({
    key: s.key === undefined || s.key === null ? null : encode(s.key, params.keyFormat === 'json' ? 'json' : 'text'),
    value: encode(s.value, params.valueFormat ?? 'json'),
    partition: s.partition ?? 0,
    ...(s.timestamp !== undefined ? { timestamp: String(s.timestamp) } : {}),
    ...(s.headers ? { headers: s.headers } : {}),
  }));
}

async function produce(pipeline: PipelineDoc, config: KafkaConfig, inputs: Parameters<typeof samplesBySource>[1]): Promise<void> {
  const kafka = createKafka(config, 'produce');
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await admin.connect();
    await producer.connect();
    for (const [sourceId, samples] of samplesBySource(pipeline, inputs)) {
      const node = pipeline.nodes.find((n) => n.id === sourceId)!;
      const topic = String(node.params.topic);
      const records = samples.filter((s): s is RecordSample => !isWatermarkSample(s));
      const partitions = Math.max(1, ...records.map((s) => (s.partition ?? 0) + 1));
      const existing = await admin.fetchTopicMetadata({ topics: [] });
      const found = existing.topics.find((t) => t.name === topic);
      if (!found) await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
      else if (found.partitions.length < partitions)
        throw new CliFailure(`weir produce: topic "${topic}" has ${found.partitions.length} partitions but the samples of "${sourceId}" use ${partitions}`);
      if (records.length > 0) await producer.send({ topic, messages: messagesFor(records, node.params) });
      out(`${sourceId}: ${records.length} records to ${topic}${found ? '' : ` (created with ${partitions} partition${partitions === 1 ? '' : 's'})`}`);
    }
  } catch (error) {
    if (error instanceof CliFailure) throw error;
    throw new CliFailure(`weir produce: ${(error as Error).message} (brokers: ${config.brokers.join(', ')}; is Kafka running? npm run kafka:start)`);
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

export const produceCommand: Command = {
  name: 'produce',
  summary: "write a pipeline's samples to its source topics in Kafka",
  help: `Usage: weir produce FILE [--input SOURCE_ID=SAMPLES.jsonl]...

Writes each source's samples (or the --input file's) to the source's Kafka topic, encoded as the source
reads them (valueFormat, keyFormat), with the sample's timestamp and partition. Watermark markers are
skipped. A missing topic is created with as many partitions as the samples use.

Brokers: KAFKA_BROKERS (and KAFKA_SSL / KAFKA_SASL_* settings), or the local broker at
127.0.0.1:KAFKA_PORT (default 9092) that npm start and npm run kafka:start run.

Options:
  --input SOURCE_ID=FILE   replace that source's samples with FILE (JSON Lines)
  -h, --help               show this help`,

  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { input: { type: 'string', multiple: true } });
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'give the pipeline file whose samples to write' : 'give one pipeline file');
    const pipeline = loadValid(positionals[0]!);
    const inputs = readInputs(pipeline, (values.input as string[] | undefined) ?? []);
    const config = kafkaConfigFromEnv() ?? { brokers: [`127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`] };
    await produce(pipeline, config, inputs);
    return 0;
  },
};
