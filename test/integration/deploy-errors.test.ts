/**
 * Errors in the data when deployed (SPEC §5): malformed JSON and records without event time go to the source's
 * error port, to the dead-letter topic `<pipelineId>.dlq` when that port feeds nothing, or fail the deployment,
 * which then restarts from its last checkpoint and shows why.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentManager } from '../../server/src/deployments/manager.ts';
import { MissingTopicsError } from '../../server/src/deployments/run-failures.ts';
import type { DeploymentRuntimeInfo } from '../../server/src/deployments/types.ts';
import type { ErrorPolicy, PipelineDoc } from '../../shared/pipeline/types.ts';
import { kafkaClient } from './support/kafka.ts';
import { useDeploymentManager } from './support/manager-suite.ts';
import {
  CommittedReader,
  createInputTopic,
  produceRaw,
  sleep,
  uniqueSuffix,
  waitFor,
} from './support/deploy-fixtures.ts';

function errorsPipeline(
  id: string,
  input: string,
  output: string,
  onError: ErrorPolicy,
  errorsTopic?: string,
): PipelineDoc {
  const nodes: PipelineDoc['nodes'] = [
    {
      id: 'events',
      type: 'source.kafka',
      onError,
      params: { topic: input, timestamp: { from: 'field', field: 'ts' } },
    },
    { id: 'out', type: 'sink.kafka', params: { topic: output } },
  ];
  const edges: PipelineDoc['edges'] = [{ from: 'events', to: 'out' }];
  if (errorsTopic) {
    nodes.push({ id: 'errors', type: 'sink.kafka', params: { topic: errorsTopic } });
    edges.push({ from: 'events', fromPort: 'error', to: 'errors' });
  }
  return { format: 'weir/v1', id, name: `errors (${onError})`, settings: { checkpointIntervalMs: 300 }, nodes, edges };
}

describe('errors in deployed data', () => {
  const suite = useDeploymentManager('weir-deploy-errors-', {
    restart: { initialDelayMs: 300, maxDelayMs: 1000, maxFailures: 3, failureIntervalMs: 120_000 },
  });

  const now = Date.now();
  const input = [
    { value: JSON.stringify({ n: 1, ts: now }) },
    { value: '{"n": 2, "ts": ' },
    { value: JSON.stringify({ n: 3 }) },
    { value: JSON.stringify({ n: 4, ts: now + 1 }) },
  ];

  async function deployWithInput(pipeline: PipelineDoc, topic: string): Promise<void> {
    await createInputTopic(suite.kafka.brokers, topic, 1);
    await produceRaw(suite.kafka.brokers, topic, input);
    await suite.manager.deploy(pipeline);
  }

  it('routes malformed JSON and a missing event time to the dead-letter topic when the error port feeds nothing', async () => {
    const id = `dlq-${uniqueSuffix()}`;
    const pipeline = errorsPipeline(id, `${id}-in`, `${id}-out`, 'route');
    await deployWithInput(pipeline, `${id}-in`);
    const reader = await new CommittedReader(suite.kafka.brokers, { out: `${id}-out`, dlq: `${id}.dlq` }).start();
    try {
      await waitFor(() => reader.records.length >= 4, 'two good records and two dead letters');
      await sleep(700);
      const good = reader.records.filter((r) => r.sink === 'out').map((r) => (JSON.parse(r.value) as { n: number }).n);
      expect(good).toEqual([1, 4]);
      const dead = reader.records
        .filter((r) => r.sink === 'dlq')
        .map((r) => JSON.parse(r.value) as { error: string; node: string; input: unknown });
      expect(dead).toHaveLength(2);
      expect(dead[0]).toMatchObject({ node: 'events', input: '{"n": 2, "ts": ' });
      expect(dead[0]!.error).toMatch(/malformed JSON at partition 0 offset 1/);
      expect(dead[1]).toEqual({
        node: 'events',
        input: { n: 3 },
        error: 'record has no event time: field "ts" is missing',
      });
      expect(suite.manager.get(id).metrics.nodes.events?.errors).toBe(2);
      expect(Object.keys(suite.manager.get(id).metrics.nodes)).toEqual(['events', 'out']);
    } finally {
      await reader.stop();
    }
  });

  it('keeps running past a 900 KB binary record and a 20 000-deep JSON value: their dead letters fit in Kafka', async () => {
    // Each of these once stopped a deployment for good: the dead letter outgrew Kafka's 1 MB message limit, or its
    // encoding overflowed the stack, the checkpoint's commit failed, and nothing was committed after it.
    const id = `bigdlq-${uniqueSuffix()}`;
    const pipeline = errorsPipeline(id, `${id}-in`, `${id}-out`, 'route');
    const binary = Buffer.alloc(900 * 1024);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919) % 256;
    // Deep, but no event time: the source routes it, carrying the value in its dead letter.
    const deep = '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);
    await createInputTopic(suite.kafka.brokers, `${id}-in`, 1);
    const producer = kafkaClient(suite.kafka.brokers).producer();
    await producer.connect();
    try {
      await producer.send({
        topic: `${id}-in`,
        messages: [
          { value: JSON.stringify({ n: 1, ts: now }) },
          { value: binary },
          { value: deep },
          { value: JSON.stringify({ n: 4, ts: now + 1 }) },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    await suite.manager.deploy(pipeline);
    const reader = await new CommittedReader(suite.kafka.brokers, { out: `${id}-out`, dlq: `${id}.dlq` }).start();
    try {
      await waitFor(() => reader.records.length >= 4, 'two good records and two dead letters');
      const good = reader.records.filter((r) => r.sink === 'out').map((r) => (JSON.parse(r.value) as { n: number }).n);
      expect(good).toEqual([1, 4]);
      const dead = reader.records.filter((r) => r.sink === 'dlq');
      expect(dead).toHaveLength(2);
      for (const letter of dead) expect(Buffer.byteLength(letter.value)).toBeLessThan(100 * 1024);
      const [big, deepLetter] = dead.map(
        (r) => JSON.parse(r.value) as { node: string; truncated?: boolean; originalBytes?: number; input: unknown },
      );
      expect(big).toMatchObject({ node: 'events', truncated: true });
      expect(big!.originalBytes).toBeGreaterThan(900 * 1024);
      expect(deepLetter).toMatchObject({ node: 'events', truncated: true });
      expect(suite.manager.get(id)).toMatchObject({ status: 'running', restarts: 0 });
    } finally {
      await reader.stop();
    }
  });

  it('routes them to the error port when it is connected, and writes no dead letters', async () => {
    const id = `errport-${uniqueSuffix()}`;
    const pipeline = errorsPipeline(id, `${id}-in`, `${id}-out`, 'route', `${id}-errors`);
    await deployWithInput(pipeline, `${id}-in`);
    const reader = await new CommittedReader(suite.kafka.brokers, { out: `${id}-out`, errors: `${id}-errors` }).start();
    try {
      await waitFor(() => reader.records.length >= 4, 'two good records and two routed errors');
      expect(
        reader.records.filter((r) => r.sink === 'errors').map((r) => (JSON.parse(r.value) as { node: string }).node),
      ).toEqual(['events', 'events']);
      expect(suite.manager.get(id).status).toBe('running');
    } finally {
      await reader.stop();
    }
    const admin = kafkaClient(suite.kafka.brokers).admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).not.toContain(`${id}.dlq`);
    } finally {
      await admin.disconnect();
    }
  });

  it('fails the deployment on malformed JSON under onError "fail", restarts it with the error shown, and ends it as failed past the restart policy', async () => {
    const id = `fail-${uniqueSuffix()}`;
    const pipeline = errorsPipeline(id, `${id}-in`, `${id}-out`, 'fail');
    await deployWithInput(pipeline, `${id}-in`);
    const statuses: Pick<DeploymentRuntimeInfo, 'status' | 'error' | 'lastError'>[] = [];
    const unsubscribe = suite.manager.subscribe(id, (event) => {
      if (event.type === 'status')
        statuses.push({ status: event.data.status, error: event.data.error, lastError: event.data.lastError });
    });
    const reason = /^node "events" failed: malformed JSON at partition 0 offset 1/;
    try {
      await waitFor(() => suite.manager.get(id).restarts >= 2, 'two restarts');
      const info = suite.manager.get(id);
      expect(['restarting', 'starting', 'running']).toContain(info.status);
      expect(info.error ?? info.lastError).toMatch(reason);
      const restarting = statuses.filter((s) => s.status === 'restarting');
      expect(restarting.length).toBeGreaterThan(0);
      for (const s of restarting) expect(s.error).toMatch(reason);
      // A new run starts without the previous run's error as its current state; it is kept as history.
      const restarted = statuses.filter((s, i) => s.status === 'starting' && i > 0);
      expect(restarted.length).toBeGreaterThan(0);
      for (const s of restarted) {
        expect(s.error).toBeUndefined();
        expect(s.lastError).toMatch(reason);
      }
      // The record before the bad one is never committed: every run fails before its checkpoint.
      const reader = await new CommittedReader(suite.kafka.brokers, { out: `${id}-out` }).start();
      await sleep(1000);
      await reader.stop();
      expect(reader.records).toEqual([]);
      // Past three failures within two minutes the policy gives up: failed, naming the node and the record.
      await waitFor(() => suite.manager.get(id).status === 'failed', 'the restart policy to give up');
      const failed = suite.manager.get(id);
      expect(failed.restarts).toBe(3);
      expect(failed.error).toMatch(
        /^failed 4 times within 2 minutes, more than the restart policy allows \(3\); the last failure: node "events" failed: malformed JSON at partition 0 offset 1/,
      );
      await sleep(1500);
      expect(suite.manager.get(id)).toMatchObject({ status: 'failed', restarts: 3 });
    } finally {
      unsubscribe();
    }
    await suite.manager.stop(id);
    const stopped = suite.manager.get(id);
    expect(stopped.status).toBe('stopped');
    expect(stopped.error).toBeUndefined();
    expect(stopped.lastError).toMatch(/^failed 4 times within 2 minutes/);
    expect(stopped.lastError).toContain('node "events" failed: malformed JSON at partition 0 offset 1');
  });

  it('counts and drops them under onError "skip"', async () => {
    const id = `skip-${uniqueSuffix()}`;
    const pipeline = errorsPipeline(id, `${id}-in`, `${id}-out`, 'skip');
    await deployWithInput(pipeline, `${id}-in`);
    const reader = await new CommittedReader(suite.kafka.brokers, { out: `${id}-out` }).start();
    try {
      await waitFor(() => reader.records.length >= 2, 'the two good records');
      await waitFor(() => suite.manager.get(id).metrics.nodes.events?.errors === 2, 'two errors counted');
      expect(suite.manager.get(id).metrics.nodes.events?.out).toEqual({ out: 2, error: 0 });
    } finally {
      await reader.stop();
    }
  });

  it('retries a missing source topic at its own short interval even when the restart policy would wait a day', async () => {
    const slowDir = mkdtempSync(join(tmpdir(), 'weir-deploy-missing-'));
    const day = 24 * 3_600_000;
    const slow = new DeploymentManager({
      dataDir: slowDir,
      kafka: { brokers: suite.kafka.brokers },
      restart: { initialDelayMs: day, maxDelayMs: day },
      log: () => {},
    });
    await slow.start();
    try {
      const id = `missing-slow-${uniqueSuffix()}`;
      await slow.deploy(errorsPipeline(id, `${id}-in`, `${id}-out`, 'fail'));
      await waitFor(() => slow.get(id).restarts >= 1, 'the first failure');
      expect(slow.get(id).error ?? slow.get(id).lastError).toContain(
        `the deployment retries every ${MissingTopicsError.RETRY_DELAY_MS / 1000} s`,
      );
      // Under the restart policy the second attempt would come a day later; waitFor gives up long before that.
      await waitFor(() => slow.get(id).restarts >= 2, 'the next attempt');
    } finally {
      await slow.shutdown();
      rmSync(slowDir, { recursive: true, force: true });
    }
  });

  it('restarts with the reason shown while its source topic is missing, and runs once the topic exists', async () => {
    const id = `missing-${uniqueSuffix()}`;
    const pipeline = errorsPipeline(id, `${id}-in`, `${id}-out`, 'fail');
    await suite.manager.deploy(pipeline);
    await waitFor(() => suite.manager.get(id).restarts >= 1, 'a restart');
    // Between runs the reason is `error` (restarting); once the next run starts it is history (`lastError`).
    const shown = suite.manager.get(id);
    const reason = shown.status === 'restarting' ? shown.error : shown.lastError;
    expect(reason).toContain(`the source topic "${id}-in" does not exist yet`);
    expect(reason).toMatch(
      /create it \(e\.g\. kafka-topics\.sh --create --topic \S+ --partitions \d+\) or produce to it; the deployment retries every \d+ s/,
    );

    await createInputTopic(suite.kafka.brokers, `${id}-in`, 1);
    await produceRaw(suite.kafka.brokers, `${id}-in`, [{ value: JSON.stringify({ n: 1, ts: now }) }]);
    const reader = await new CommittedReader(suite.kafka.brokers, { out: `${id}-out` }).start();
    try {
      await waitFor(() => reader.records.length >= 1, 'output once the topic exists');
      await waitFor(() => suite.manager.get(id).error === undefined, 'the error to clear after a completed checkpoint');
      expect(suite.manager.get(id).status).toBe('running');
    } finally {
      await reader.stop();
    }
  });
});
