/**
 * A fenced zombie cannot commit: two producers of a deployment with the same transactional id, the older one
 * (a run that was replaced but still lives) trying to commit its checkpoint after the newer one registered. The
 * broker must refuse it, so the sink holds the input's outputs once and the group's offset is the newer run's.
 * Checked for the checkpoint commit of both clients (server/src/deployments/checkpoint-commit.ts).
 */
import type { Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commitInRdTransaction,
  commitInTransaction,
  type CheckpointWrite,
} from '../../server/src/deployments/checkpoint-commit.ts';
import { createKafka } from '../../server/src/kafka/config.ts';
import { connect, createConsumer, disconnect, rdkafkaConfig, RdProducer } from '../../server/src/kafka/rdkafka.ts';
import { readToEnd } from '../../server/src/kafka/read-topic.ts';
import { createInputTopic, uniqueSuffix } from './support/deploy-fixtures.ts';
import { startKafka, type RunningKafka } from './support/kafka.ts';

const INPUTS = 10;

/** What one run writes for the ten inputs: one output each, and the input's next offset. */
function checkpointOf(run: string, input: string, output: string): CheckpointWrite {
  const messages: Message[] = Array.from({ length: INPUTS }, (_, n) => ({
    key: String(n),
    value: JSON.stringify({ n, run }),
  }));
  return { groups: [{ topic: output, messages }], offsets: { [input]: { 0: INPUTS } } };
}

describe('a fenced zombie of a deployment', () => {
  let kafka: RunningKafka;

  beforeAll(async () => {
    kafka = await startKafka();
  });

  afterAll(async () => {
    await kafka?.stop();
  });

  async function topics(
    client: string,
  ): Promise<{ input: string; output: string; group: string; transactionalId: string }> {
    const id = `fencing-${client}-${uniqueSuffix()}`;
    const names = { input: `${id}-in`, output: `${id}-out`, group: `weir-${id}`, transactionalId: `weir-${id}-0` };
    await createInputTopic(kafka.brokers, names.input, 1);
    await createInputTopic(kafka.brokers, names.output, 1);
    return names;
  }

  async function committed(
    output: string,
    group: string,
    input: string,
  ): Promise<{ runs: string[]; offset: string | undefined }> {
    const client = createKafka({ brokers: kafka.brokers }, 'fencing-check');
    const runs: string[] = [];
    await readToEnd(client, output, `${output}-check`, (_partition, message) =>
      runs.push((JSON.parse(message.value!.toString()) as { run: string }).run),
    );
    const admin = client.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({ groupId: group, topics: [input] });
      return { runs, offset: offsets[0]?.partitions.find((p) => p.partition === 0)?.offset };
    } finally {
      await admin.disconnect();
    }
  }

  it('on kafkajs: the newer run commits, the older one is refused, and each input has one output', async () => {
    const { input, output, group, transactionalId } = await topics('kafkajs');
    const client = createKafka({ brokers: kafka.brokers }, 'fencing');
    const producer = () => client.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    const zombie = producer();
    const current = producer();
    try {
      await zombie.connect();
      await (await zombie.transaction()).abort();
      await current.connect();
      // Registering the same transactional id again is what fences the older producer (runtime.ts's start).
      await (await current.transaction()).abort();
      await commitInTransaction(current, group, checkpointOf('current', input, output));
      await expect(commitInTransaction(zombie, group, checkpointOf('zombie', input, output))).rejects.toThrow();
    } finally {
      await Promise.all([zombie.disconnect(), current.disconnect()]);
    }
    const { runs, offset } = await committed(output, group, input);
    expect(runs).toEqual(Array.from({ length: INPUTS }, () => 'current'));
    expect(offset).toBe(String(INPUTS));
  });

  it('on librdkafka: the newer run commits, the older one is refused, and each input has one output', async () => {
    const { input, output, group, transactionalId } = await topics('librdkafka');
    const config = { brokers: kafka.brokers };
    const consumerOf = () =>
      createConsumer({
        ...rdkafkaConfig(config, 'fencing'),
        'group.id': group,
        'enable.auto.commit': false,
        'isolation.level': 'read_committed',
      });
    const zombie = { producer: new RdProducer(config, 'fencing', { transactionalId }), consumer: consumerOf() };
    const current = { producer: new RdProducer(config, 'fencing', { transactionalId }), consumer: consumerOf() };
    try {
      for (const run of [zombie, current]) {
        await run.producer.connect();
        await connect(run.consumer);
      }
      await zombie.producer.initTransactions();
      // Registering the same transactional id again is what fences the older producer (runtime.ts's start).
      await current.producer.initTransactions();
      await commitInRdTransaction(current.producer, current.consumer, checkpointOf('current', input, output));
      await expect(
        commitInRdTransaction(zombie.producer, zombie.consumer, checkpointOf('zombie', input, output)),
      ).rejects.toThrow();
    } finally {
      for (const run of [zombie, current]) await Promise.all([run.producer.disconnect(), disconnect(run.consumer)]);
    }
    const { runs, offset } = await committed(output, group, input);
    expect(runs).toEqual(Array.from({ length: INPUTS }, () => 'current'));
    expect(offset).toBe(String(INPUTS));
  });
});
