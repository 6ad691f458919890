/**
 * The live tail of a deployment's sink: its Kafka topic read with read_committed (so only checkpointed output), from
 * a little before its end. The same for either target: a Flink job's KafkaSink writes the topic as the Weir server's
 * own sinks do.
 */
import type { Kafka } from 'kafkajs';
import { TAIL_RECORDS, type TailRecord } from '../../../shared/api/deployments.ts';
import { roleOf } from '../../../shared/operators/registry.ts';
import type { Json, PipelineDoc } from '../../../shared/pipeline/types.ts';
import { tailTopic, type TopicTail } from '../kafka/read-topic.ts';
import { DeploymentError } from './types.ts';

/** Calls `listener` for each record of the sink's topic as it arrives; resolves once reading has started. */
export async function tailSink(
  kafka: Kafka,
  deploymentId: string,
  pipeline: PipelineDoc,
  sinkId: string,
  listener: (record: TailRecord) => void,
): Promise<TopicTail> {
  const node = pipeline.nodes.find((n) => n.id === sinkId && roleOf(n.type) === 'sink');
  if (!node) throw new DeploymentError('E_NOT_FOUND', `deployment "${deploymentId}" has no sink "${sinkId}"`);
  const topic = node.params.topic as string;
  const json = node.params.valueFormat !== 'text';
  return tailTopic(kafka, topic, `weir-${deploymentId}-tail`, TAIL_RECORDS, (partition, message) => {
    const text = message.value?.toString('utf8') ?? null;
    let value: Json = text;
    if (json && text !== null) {
      try {
        value = JSON.parse(text) as Json;
      } catch {
        value = text;
      }
    }
    listener({
      sink: sinkId,
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString('utf8') ?? null,
      value,
      timestamp: Number(message.timestamp),
    });
  });
}

/** Tails started by one owner, so that its shutdown stops them all. */
export class SinkTails {
  private readonly kafka: Kafka;

  private readonly tails = new Set<TopicTail>();

  constructor(kafka: Kafka) {
    this.kafka = kafka;
  }

  async start(
    deploymentId: string,
    pipeline: PipelineDoc,
    sinkId: string,
    listener: (record: TailRecord) => void,
  ): Promise<() => Promise<void>> {
    const tail = await tailSink(this.kafka, deploymentId, pipeline, sinkId, listener);
    this.tails.add(tail);
    return async () => {
      this.tails.delete(tail);
      await tail.stop();
    };
  }

  async stopAll(): Promise<void> {
    const tails = [...this.tails];
    this.tails.clear();
    await Promise.all(tails.map((t) => t.stop()));
  }
}
