/**
 * A broker outage during an exactly-once run: the deployment says it is reconnecting (with the reason) while Kafka
 * cannot be reached, says nothing of it once Kafka answers again, and commits every record exactly once. The broker
 * here is the test's own (its own port), since the test stops and starts it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeploymentManager } from '../../server/src/deployments/manager.ts';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';
import { PATIENCE_MS } from '../patience.ts';
import { CommittedReader, createInputTopic, produceRaw, uniqueSuffix, waitFor } from './support/deploy-fixtures.ts';
import { ROOT } from '../cli/run-weir.ts';
import { startKafka, type RunningKafka } from './support/kafka.ts';

const PORT = 19392;

function script(name: 'start' | 'stop'): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [join(ROOT, `tools/kafka/${name}.sh`)],
      { cwd: ROOT, env: { ...process.env, KAFKA_PORT: String(PORT) }, timeout: PATIENCE_MS },
      (err, _stdout, stderr) => (err ? reject(new Error(`${name}.sh failed: ${stderr}`)) : resolve()),
    );
  });
}

describe('a deployment through a broker outage', () => {
  let kafka: RunningKafka;
  let manager: DeploymentManager;
  const dataDir = mkdtempSync(join(tmpdir(), 'weir-deploy-outage-'));

  beforeAll(async () => {
    kafka = await startKafka({ port: PORT });
    manager = new DeploymentManager({
      dataDir,
      kafka: { brokers: kafka.brokers },
      sessionTimeoutMs: 6000,
      log: () => {},
      restart: { initialDelayMs: 500, maxDelayMs: 2000 },
    });
    await manager.start();
  });

  afterAll(async () => {
    await manager?.shutdown();
    await script('start').catch(() => {});
    await kafka?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows that it is reconnecting while the broker is down, and commits every record once after it is back', async () => {
    const id = `outage-${uniqueSuffix()}`;
    const pipeline: PipelineDoc = {
      format: 'weir/v1',
      id,
      name: id,
      settings: { checkpointIntervalMs: 300, delivery: 'exactly-once' },
      nodes: [
        { id: 'events', type: 'source.kafka', params: { topic: `${id}-in` } },
        { id: 'double', type: 'map', params: { code: ['export default (v: any) => ({ n: v.n, doubled: v.n * 2 });'] } },
        { id: 'out', type: 'sink.kafka', params: { topic: `${id}-out` } },
      ],
      edges: [
        { from: 'events', to: 'double' },
        { from: 'double', to: 'out' },
      ],
    };
    await createInputTopic(kafka.brokers, `${id}-in`, 1);
    const batch = (from: number) => Array.from({ length: 20 }, (_, i) => ({ value: JSON.stringify({ n: from + i }) }));
    await produceRaw(kafka.brokers, `${id}-in`, batch(0));
    const seen: Array<{ status: string; reconnecting?: { since: number; reason: string } }> = [];
    await manager.deploy(pipeline);
    const unsubscribe = manager.subscribe(id, (event) => {
      if (event.type === 'status')
        seen.push({
          status: event.data.status,
          ...(event.data.reconnecting ? { reconnecting: event.data.reconnecting } : {}),
        });
    });
    try {
      await waitFor(
        () => manager.get(id).status === 'running' && manager.get(id).metrics.checkpoints.completed >= 2,
        'the run to checkpoint',
      );

      await script('stop');
      await waitFor(() => seen.some((s) => s.reconnecting !== undefined), 'the deployment to say it is reconnecting');
      const reconnecting = seen.find((s) => s.reconnecting !== undefined)!;
      expect(reconnecting.reconnecting!.reason.length).toBeGreaterThan(0);
      expect(reconnecting.reconnecting!.since).toBeGreaterThan(0);

      await script('start');
      await produceRaw(kafka.brokers, `${id}-in`, batch(20));
      await waitFor(
        () =>
          manager.get(id).status === 'running' &&
          manager.get(id).reconnecting === undefined &&
          manager.get(id).metrics.checkpoints.completed >= 4,
        'the run to be back',
      );

      const reader = await new CommittedReader(kafka.brokers, { out: `${id}-out` }).start();
      try {
        await waitFor(() => reader.records.length >= 40, 'all 40 outputs');
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const values = reader.records.map((r) => (JSON.parse(r.value) as { n: number }).n).sort((a, b) => a - b);
        expect(values).toEqual(Array.from({ length: 40 }, (_, i) => i));
      } finally {
        await reader.stop();
      }
    } finally {
      unsubscribe();
    }
  });
});
