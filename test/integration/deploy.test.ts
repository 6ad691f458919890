/**
 * Deployments against a real broker: the page-views example deployed by the manager commits the same output that
 * `simulate()` computes on the same events, keeps its state across a restart of the manager and across an upgrade.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentManager } from '../../server/src/deployments/manager.ts';
import { StateLossError, type DeploymentManagerOptions } from '../../server/src/deployments/types.ts';
import type { TailRecord } from '../../shared/api/deployments.ts';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';
import { startKafka, type RunningKafka } from './support/kafka.ts';
import {
  canonical,
  CommittedReader,
  createInputTopic,
  deleteTestTopics,
  expectedOutput,
  pageViewEvents,
  pageViewsNames,
  pageViewsPipeline,
  produceEvents,
  sleep,
  waitFor,
  type OutputRecord,
} from './support/deploy-fixtures.ts';

describe('deployments on a real broker', () => {
  let kafka: RunningKafka;
  const dirs: string[] = [];
  const managers: DeploymentManager[] = [];

  function manager(dataDir?: string, extra: Partial<DeploymentManagerOptions> = {}): DeploymentManager {
    const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'weir-deploy-'));
    if (!dataDir) dirs.push(dir);
    const m = new DeploymentManager({
      dataDir: dir,
      kafka: { brokers: kafka.brokers },
      sessionTimeoutMs: 6000,
      log: () => {},
      ...extra,
    });
    managers.push(m);
    return m;
  }

  beforeAll(async () => {
    kafka = await startKafka();
  });

  afterAll(async () => {
    await Promise.all(managers.map((m) => m.shutdown().catch(() => {})));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    if (kafka) await deleteTestTopics(kafka.brokers).catch(() => {});
    await kafka?.stop();
  });

  it('commits exactly the output that simulate() computes on the same events', async () => {
    const names = pageViewsNames('pv');
    const pipeline = pageViewsPipeline(names, { checkpointIntervalMs: 500 });
    await createInputTopic(kafka.brokers, names.input, 3);
    const events = pageViewEvents(6000);
    await produceEvents(kafka.brokers, names.input, events);
    const expected = canonical(expectedOutput(pipeline, 'events', events));
    // 6000 events 50 ms apart span five minutes: four closed minutes for each of the seven users at least.
    expect(expected.length).toBeGreaterThanOrEqual(28);

    const m = manager();
    await m.start();
    await m.deploy(pipeline);
    const reader = await new CommittedReader(kafka.brokers, {
      page_view_counts: names.output,
      late_page_views: names.late,
    }).start();
    try {
      await waitFor(() => reader.records.length >= expected.length, `${expected.length} committed records`);
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

  it('carries window state across a restart of the manager: windows spanning the restart count every event', async () => {
    const names = pageViewsNames('pvrestart');
    const pipeline = pageViewsPipeline(names, { checkpointIntervalMs: 500 });
    await createInputTopic(kafka.brokers, names.input, 3);
    const events = pageViewEvents(4000);
    // The split falls mid-minute (event 2000 is 100 s in), so the window of minute 2 holds events from both halves.
    const [before, after] = [events.slice(0, 2000), events.slice(2000)];
    const expectedBefore = canonical(expectedOutput(pipeline, 'events', before));
    const expectedAll = canonical(expectedOutput(pipeline, 'events', events));
    const minuteOfSplit = Math.floor(after[0]!.timestamp / 60_000) * 60_000;
    expect(before.at(-1)!.timestamp).toBeGreaterThanOrEqual(minuteOfSplit);

    const dataDir = mkdtempSync(join(tmpdir(), 'weir-deploy-'));
    dirs.push(dataDir);
    const first = manager(dataDir);
    await first.start();
    await first.deploy(pipeline);
    await produceEvents(kafka.brokers, names.input, before);
    const reader = await new CommittedReader(kafka.brokers, { page_view_counts: names.output }).start();
    try {
      await waitFor(() => reader.records.length >= expectedBefore.length, 'the first half of the output');
      await first.shutdown();

      await produceEvents(kafka.brokers, names.input, after);
      const second = manager(dataDir);
      await second.start();
      expect(second.get(names.id).version).toBe(1);
      await waitFor(() => reader.records.length >= expectedAll.length, 'the whole output');
      await sleep(1500);
      expect(canonical(reader.records)).toEqual(expectedAll);
      const across = reader.records.filter(
        (r) => (JSON.parse(r.value) as { window: { start: number } }).window.start === minuteOfSplit,
      );
      expect(across.length).toBeGreaterThan(0);
      // Record counts go on from the checkpoint rather than starting again at zero.
      await waitFor(
        () => second.get(names.id).metrics.nodes.events?.out.out === events.length,
        'the source count to reach every event',
      );
    } finally {
      await reader.stop();
    }
  });

  it('upgrades a running pipeline with a new node and keeps its window state; refuses to drop state unless told to', async () => {
    const names = pageViewsNames('pvupgrade');
    const summaryTopic = `${names.id}-summary`;
    const v1 = pageViewsPipeline(names, { checkpointIntervalMs: 500 });
    const v2: PipelineDoc = {
      ...v1,
      nodes: [
        ...v1.nodes,
        {
          id: 'summary',
          type: 'map',
          params: { code: ['export default (r: any) => ({ user: r.key, views: r.result, start: r.window.start });'] },
        },
        { id: 'summary_out', type: 'sink.kafka', params: { topic: summaryTopic } },
      ],
      edges: [...v1.edges, { from: 'perMinute', to: 'summary' }, { from: 'summary', to: 'summary_out' }],
    };
    await createInputTopic(kafka.brokers, names.input, 3);
    const events = pageViewEvents(4000);
    const [before, after] = [events.slice(0, 2000), events.slice(2000)];
    const firedBefore = expectedOutput(v1, 'events', before).filter((r) => r.sink === 'page_view_counts');
    const all = expectedOutput(v2, 'events', events);
    const windowOf = (r: OutputRecord) => {
      const v = JSON.parse(r.value) as { window?: { start: number }; start?: number };
      return `${r.key}|${v.window?.start ?? v.start}`;
    };
    const firedBeforeWindows = new Set(firedBefore.map(windowOf));
    const expectedCounts = canonical(all.filter((r) => r.sink === 'page_view_counts'));
    // The new node sees only windows that fire after the upgrade, each with its full count (state kept).
    const expectedSummary = canonical(
      all.filter((r) => r.sink === 'summary_out' && !firedBeforeWindows.has(windowOf(r))),
    );
    expect(expectedSummary.length).toBeGreaterThan(0);

    const m = manager();
    await m.start();
    await m.deploy(v1);
    await produceEvents(kafka.brokers, names.input, before);
    const counts = await new CommittedReader(kafka.brokers, { page_view_counts: names.output }).start();
    try {
      await waitFor(() => counts.records.length >= firedBefore.length, 'the output of version 1');
      expect(await m.deploy(v2)).toEqual({ id: names.id, status: 'starting' });
      const summary = await new CommittedReader(kafka.brokers, { summary_out: summaryTopic }).start();
      try {
        await produceEvents(kafka.brokers, names.input, after);
        await waitFor(
          () => counts.records.length >= expectedCounts.length && summary.records.length >= expectedSummary.length,
          'the output of version 2',
        );
        await sleep(1000);
        expect(canonical(counts.records)).toEqual(expectedCounts);
        expect(canonical(summary.records)).toEqual(expectedSummary);
      } finally {
        await summary.stop();
      }
      expect(m.get(names.id).version).toBe(2);

      // Version 3 renames the window node: its state cannot follow.
      const v3: PipelineDoc = {
        ...v2,
        nodes: v2.nodes.map((n) => (n.id === 'perMinute' ? { ...n, id: 'perMinute2' } : n)),
        edges: v2.edges.map((e) => ({
          ...e,
          from: e.from === 'perMinute' ? 'perMinute2' : e.from,
          to: e.to === 'perMinute' ? 'perMinute2' : e.to,
        })),
      };
      const refused = await m.deploy(v3).then(
        () => null,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(StateLossError);
      expect((refused as StateLossError).code).toBe('E_STATE_LOSS');
      expect((refused as StateLossError).nodes).toEqual(['perMinute']);
      expect(m.get(names.id)).toMatchObject({ version: 2, status: 'running' });

      await m.deploy(v3, { allowStateLoss: true });
      await waitFor(() => m.get(names.id).status === 'running', 'version 3 to run');
      expect(m.get(names.id)).toMatchObject({ version: 3 });
      expect(m.get(names.id).error).toBeUndefined();
    } finally {
      await counts.stop();
    }
  });

  it('delivers at-least-once without transactions, stays stopped across a manager restart, resumes from its savepoint and tails its sink', async () => {
    const names = pageViewsNames('pvalos');
    const pipeline = pageViewsPipeline(names, { checkpointIntervalMs: 500, delivery: 'at-least-once' });
    await createInputTopic(kafka.brokers, names.input, 3);
    const events = pageViewEvents(4000);
    const [before, after] = [events.slice(0, 2000), events.slice(2000)];
    const expectedBefore = canonical(expectedOutput(pipeline, 'events', before));
    const expectedAll = canonical(expectedOutput(pipeline, 'events', events));

    const dataDir = mkdtempSync(join(tmpdir(), 'weir-deploy-'));
    dirs.push(dataDir);
    const m = manager(dataDir);
    await m.start();
    await m.deploy(pipeline);
    await produceEvents(kafka.brokers, names.input, before);
    const reader = await new CommittedReader(kafka.brokers, { page_view_counts: names.output }).start();
    try {
      await waitFor(() => reader.records.length >= expectedBefore.length, 'the first half of the output');
      const stopped = await m.stop(names.id);
      expect(stopped).toMatchObject({ status: 'stopped', delivery: 'at-least-once' });
      const readBefore = stopped.metrics.nodes[pipeline.nodes[0]!.id]!.out.out;
      expect(readBefore).toBe(before.length);

      const other = manager(dataDir);
      await other.start();
      expect(other.get(names.id).status).toBe('stopped');
      await other.shutdown();

      await produceEvents(kafka.brokers, names.input, after);
      await sleep(1000);
      expect(reader.records).toHaveLength(expectedBefore.length);
      expect((await m.resume(names.id)).status).toBe('starting');
      // The counts go on from the savepoint's: the first metrics of the resumed run already hold them.
      const firstMetrics = await new Promise<Record<string, { out: Record<string, number> }>>((resolve) => {
        const unsubscribe = m.subscribe(names.id, (event) => {
          if (event.type !== 'metrics') return;
          unsubscribe();
          resolve(event.data.nodes);
        });
      });
      expect(firstMetrics[pipeline.nodes[0]!.id]!.out.out).toBeGreaterThanOrEqual(readBefore!);
      await waitFor(() => reader.records.length >= expectedAll.length, 'the whole output');
      await sleep(1000);
      // No crash, so at-least-once repeated nothing either.
      expect(canonical(reader.records)).toEqual(expectedAll);
    } finally {
      await reader.stop();
    }

    const tailed: TailRecord[] = [];
    const stopTail = await m.tail(names.id, 'page_view_counts', (record) => tailed.push(record));
    try {
      await waitFor(() => tailed.length >= Math.min(50, expectedAll.length), 'the tail to deliver the last records');
      expect(tailed[0]).toMatchObject({ sink: 'page_view_counts', topic: names.output });
      expect(tailed.every((r) => typeof (r.value as { result?: unknown }).result === 'number')).toBe(true);
    } finally {
      await stopTail();
    }
  });
});
