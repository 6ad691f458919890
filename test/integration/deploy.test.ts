/**
 * Deployments against a real broker: the page-views example deployed by the manager commits the same output that
 * `simulate()` computes on the same events, keeps its state across a restart of the manager and across an upgrade.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentManager } from '../../server/src/deployments/manager.ts';
import type { DeploymentManagerOptions } from '../../server/src/deployments/types.ts';
import { createTopic, startKafka, type RunningKafka } from './support/kafka.ts';
import {
  CommittedReader,
  canonical,
  expectedOutput,
  pageViewEvents,
  pageViewsNames,
  pageViewsPipeline,
  produceEvents,
  sleep,
  waitFor,
} from './support/deploy-fixtures.ts';

const HOOK_TIMEOUT = 180_000;

describe('deployments on a real broker', () => {
  let kafka: RunningKafka;
  const dirs: string[] = [];
  const managers: DeploymentManager[] = [];

  function manager(dataDir?: string, extra: Partial<DeploymentManagerOptions> = {}): DeploymentManager {
    const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'weir-deploy-'));
    if (!dataDir) dirs.push(dir);
    const m = new DeploymentManager({ dataDir: dir, kafka: { brokers: kafka.brokers }, sessionTimeoutMs: 6000, log: () => {}, ...extra });
    managers.push(m);
    return m;
  }

  beforeAll(async () => {
    kafka = await startKafka();
  }, HOOK_TIMEOUT);

  afterAll(async () => {
    await Promise.all(managers.map((m) => m.shutdown().catch(() => {})));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await kafka?.stop();
  }, HOOK_TIMEOUT);

  it('commits exactly the output that simulate() computes on the same events', async () => {
    const names = pageViewsNames('pv');
    const pipeline = pageViewsPipeline(names, { checkpointIntervalMs: 500 });
    await createTopic(kafka.brokers, names.input, 3);
    const events = pageViewEvents(6000);
    await produceEvents(kafka.brokers, names.input, events);
    const expected = canonical(expectedOutput(pipeline, 'events', events));
    // 6000 events 50 ms apart span five minutes: four closed minutes for each of the seven users at least.
    expect(expected.length).toBeGreaterThanOrEqual(28);

    const m = manager();
    await m.start();
    await m.deploy(pipeline);
    const reader = await new CommittedReader(kafka.brokers, { page_view_counts: names.output, late_page_views: names.late }).start();
    try {
      await waitFor(() => reader.records.length >= expected.length, 60_000, `${expected.length} committed records`);
      await sleep(1500); // two more checkpoints: nothing may follow
      expect(canonical(reader.records)).toEqual(expected);
      const info = m.get(names.id);
      expect(info.status).toBe('running');
      expect(info.metrics.nodes.events?.out.out).toBe(6000);
      expect(info.metrics.checkpoints.completed).toBeGreaterThan(0);
    } finally {
      await reader.stop();
    }
  });
});
