/**
 * Deploying to Flink through Weir's API, end to end: the real app and DeploymentService, a real broker, and a real
 * Flink cluster of the test's own (its own ports and state dir, stopped afterwards). The page-views example runs at
 * parallelism 2 on page views over two partitions; its committed output (read_committed) must be every window result
 * a live run produces (all `simulate()` gives but what only end of input would flush). Then Stop takes a savepoint,
 * Resume submits a new job from it, and page views added to a window that was open when it stopped must be counted
 * on top of the ones before: the state was kept (and the offsets: nothing is counted twice).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlinkDeployments } from '../../server/src/deployments/flink-deployment.ts';
import { DeploymentManager } from '../../server/src/deployments/manager.ts';
import { DeploymentService } from '../../server/src/deployments/service.ts';
import { FlinkCluster } from '../../server/src/flink/cluster.ts';
import type { DeploymentInfo, DeploymentStatus, TailRecord } from '../../shared/api/deployments.ts';
import { openEventStream, startApp, TOKEN, type EventStreamReader, type RunningApp } from '../server/support.ts';
import { startFlink, type RunningFlink } from './support/flink.ts';
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
  type InputEvent,
} from './support/deploy-fixtures.ts';

/** Long enough for a loaded 2-core machine; polls end as soon as their condition holds. */
const PATIENCE_MS = 300_000;
const TEST_TIMEOUT_MS = 4 * PATIENCE_MS;
const PARTITIONS = 2;
const PARALLELISM = 2;
const EVENTS = 400;
const AUTHOR_NODES = ['events', 'views', 'byUser', 'perMinute', 'page_view_counts', 'late_page_views'];

async function until<T>(what: string, look: () => Promise<T> | T, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  let last: T = await look();
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(
        `gave up after ${PATIENCE_MS / 1000} s waiting for ${what}; last seen: ${JSON.stringify(last)?.slice(0, 2000)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
    last = await look();
  }
  return last;
}

describe('a pipeline deployed to a Flink cluster', () => {
  const names = pageViewsNames('flink-deploy');
  const pipeline = pageViewsPipeline(names);
  // Users round-robin over two partitions, 500 ms apart in event time: 200 s of page views (three one-minute windows
  // that the watermark closes, a fourth it leaves open), each partition in order.
  const events = pageViewEvents(EVENTS, { partitions: PARTITIONS, stepMs: 500 });
  let kafka: RunningKafka;
  let flink: RunningFlink;
  let service: DeploymentService;
  let app: RunningApp;
  let dataDir: string;
  let reader: CommittedReader;
  const streams: EventStreamReader[] = [];
  /** Every event produced so far, in order: the committed output must always be what they give in simulation. */
  const produced: InputEvent[] = [];
  const post = async (path: string, body?: unknown) => {
    const res = await app.call(path, { method: 'POST', ...(body === undefined ? {} : { body }) });
    return {
      status: res.status,
      body: (await res.json()) as DeploymentInfo & { error: { code: string; message: string; nodes?: string[] } },
    };
  };
  /**
   * Page views for `users` at event time `ts`, then one on each partition two minutes later, which closes their
   * window (and opens the next). The broker refuses timestamps more than an hour ahead of its clock.
   */
  const intoOpenWindow = (ts: number, users: number[]): InputEvent[] => {
    const more: InputEvent[] = users.map((user) => ({
      partition: user % PARTITIONS,
      key: String(user),
      value: { user_id: user, event_type: 'page_view', page_url: '/again', ts },
      timestamp: ts,
    }));
    for (let p = 0; p < PARTITIONS; p++) {
      more.push({
        partition: p,
        key: String(p),
        value: { user_id: p, event_type: 'page_view', page_url: '/later', ts: ts + 120_000 },
        timestamp: ts + 120_000,
      });
    }
    return more;
  };
  const produceAndCompare = async (more: InputEvent[]) => {
    produced.push(...more);
    await produceEvents(kafka.brokers, names.input, more);
    const expected = expectedOutput(pipeline, 'events', produced);
    await committed(expected);
    expect(canonical(reader.records)).toEqual(canonical(expected));
    return expected;
  };

  const info = async (): Promise<DeploymentInfo> => {
    const res = await app.call(`/api/deployments/${names.id}`);
    expect(res.status).toBe(200);
    return (await res.json()) as DeploymentInfo;
  };
  const status = (wanted: DeploymentStatus) => until(`status ${wanted}`, info, (i) => i.status === wanted);
  const flinkJob = async (jobId: string) =>
    (await fetch(`${flink.restUrl}/jobs/${jobId}`)).json() as Promise<{ state: string }>;
  const committed = (expected: ReturnType<typeof expectedOutput>) =>
    until(
      `${expected.length} committed window results`,
      () => reader.records.length,
      (n) => n >= expected.length,
    );

  beforeAll(async () => {
    [kafka, flink] = await Promise.all([startKafka(), startFlink({ slots: PARALLELISM })]);
    await createInputTopic(kafka.brokers, names.input, PARTITIONS);
    dataDir = mkdtempSync(join(tmpdir(), 'weir-flink-deploy-'));
    const settings = { dataDir, kafka: { brokers: kafka.brokers }, log: () => {} };
    service = new DeploymentService(
      new DeploymentManager(settings),
      new FlinkDeployments({ ...settings, cluster: new FlinkCluster(flink.restUrl), pollIntervalMs: 1000 }),
    );
    await service.start();
    app = await startApp({ dataDir, deployments: service });
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    for (const stream of streams) stream.close();
    await reader?.stop();
    await app?.close();
    await service?.shutdown();
    await flink?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (kafka) await deleteTestTopics(kafka.brokers).catch(() => {});
    await kafka?.stop();
  }, TEST_TIMEOUT_MS);

  it('is refused with 409 E_FLINK_FULL when it asks for more parallelism than the cluster has free slots', async () => {
    const res = await app.call('/api/deployments', {
      method: 'POST',
      body: { pipeline, target: 'flink', parallelism: PARALLELISM + 1 },
    });
    expect(res.status).toBe(409);
    expect((await res.json()).error).toEqual({
      code: 'E_FLINK_FULL',
      message: `the Flink cluster at ${flink.restUrl} has ${PARALLELISM} free task slots of ${PARALLELISM}; parallelism ${PARALLELISM + 1} needs ${PARALLELISM + 1}`,
    });
    expect((await (await app.call('/api/deployments')).json()).deployments).toEqual([]);
  });

  it(
    'runs at parallelism 2, commits what a live run produces, and resumes from its savepoint with its state',
    async () => {
      const res = await app.call('/api/deployments', {
        method: 'POST',
        body: { pipeline, target: 'flink', parallelism: PARALLELISM },
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ id: names.id, status: 'starting' });
      const statuses: DeploymentStatus[] = [];
      const events$ = await openEventStream(`${app.url}/api/deployments/${names.id}/events?token=${TOKEN}`);
      streams.push(events$);
      void (async () => {
        for (;;)
          statuses.push(((await events$.next((e) => e.event === 'status', PATIENCE_MS)).data as DeploymentInfo).status);
      })().catch(() => {});

      const running = await status('running');
      expect(running).toMatchObject({
        target: 'flink',
        parallelism: PARALLELISM,
        flink: { restUrl: flink.restUrl, state: 'RUNNING', savepointPath: null },
      });
      const firstJob = running.flink!.jobId!;
      expect(firstJob).toMatch(/^[0-9a-f]{32}$/);
      expect(running.flink!.dashboardUrl).toBe(`${flink.restUrl}/#/job/running/${firstJob}/overview`);
      expect((await flinkJob(firstJob)).state).toBe('RUNNING');

      // The sink's live tail reads the topic Flink's KafkaSink writes.
      const tailed: TailRecord[] = [];
      const tail = await openEventStream(`${app.url}/api/deployments/${names.id}/tail/page_view_counts?token=${TOKEN}`);
      streams.push(tail);
      void (async () => {
        for (;;) tailed.push((await tail.next((e) => e.event === 'record', PATIENCE_MS)).data as TailRecord);
      })().catch(() => {});

      reader = await new CommittedReader(kafka.brokers, {
        page_view_counts: names.output,
        late_page_views: names.late,
      }).start();
      const expected = await produceAndCompare(events);
      expect(expected.length).toBeGreaterThan(0);
      await until(
        'the live tail to show a window result',
        () => tailed.length,
        (n) => n > 0,
      );
      expect(tailed[0]).toMatchObject({ sink: 'page_view_counts', topic: names.output });

      // Per-node figures from Flink's REST API, in the shape the panel shows for every deployment.
      const pageViews = events.filter((e) => (e.value as { event_type: string }).event_type === 'page_view').length;
      const measured = await until(
        'every node counted every record, the checkpoints and the lag',
        info,
        (i) =>
          i.metrics.nodes.events?.out.out === EVENTS &&
          i.metrics.nodes.perMinute?.in === pageViews &&
          i.metrics.checkpoints.completed > 0 &&
          i.metrics.lag.events === 0,
      );
      expect(Object.keys(measured.metrics.nodes).sort()).toEqual([...AUTHOR_NODES].sort());
      expect(measured.metrics.nodes.views).toMatchObject({ in: EVENTS, out: { out: pageViews }, errors: 0 });
      expect(measured.metrics.nodes.page_view_counts!.in).toBe(
        expected.filter((r) => r.sink === 'page_view_counts').length,
      );
      for (const node of Object.values(measured.metrics.nodes)) {
        if (node.backpressure !== undefined) expect(['ok', 'low', 'high']).toContain(node.backpressure);
      }
      expect(measured.metrics.checkpoints).toMatchObject({
        failed: expect.any(Number),
        lastId: expect.any(Number),
        lastDurationMs: expect.any(Number),
        lastSizeBytes: expect.any(Number),
      });
      expect(measured.metrics.checkpoints.lastCompletedAt).toBeGreaterThan(0);
      await until(
        'a rate and a back-pressure level',
        info,
        (i) =>
          i.metrics.nodes.views?.inPerSecond !== undefined &&
          Object.values(i.metrics.nodes).some((n) => n.backpressure !== undefined),
      );

      // Stop: a savepoint, and Flink's job is over.
      const stopped = (await (
        await app.call(`/api/deployments/${names.id}/stop`, { method: 'POST' })
      ).json()) as DeploymentInfo;
      expect(stopped.status).toBe('stopped');
      expect(stopped.flink!.savepointPath).toMatch(/savepoint-/);
      expect(stopped.flink!.dashboardUrl).toBe(`${flink.restUrl}/#/job/completed/${firstJob}/overview`);
      expect((await flinkJob(firstJob)).state).toBe('FINISHED'); // Stop answers once the job is over
      expect(stopped.metrics.nodes.events!.out.out).toBe(EVENTS);

      // Resume: a new job from the savepoint. Page views for the window that was open at the stop, then one on
      // each partition two minutes of event time later, which moves the watermark past that window so that it fires.
      const resumed = (await (
        await app.call(`/api/deployments/${names.id}/resume`, { method: 'POST' })
      ).json()) as DeploymentInfo;
      expect(resumed.status).toBe('starting');
      const again = await status('running');
      const secondJob = again.flink!.jobId!;
      expect(secondJob).not.toBe(firstJob);
      expect(again.flink!.savepointPath).toBe(stopped.flink!.savepointPath);
      const more = intoOpenWindow(events[events.length - 1]!.timestamp, [0, 1, 0, 1, 0, 1]);
      const expectedAll = await produceAndCompare(more);
      expect(expectedAll.length).toBeGreaterThan(expected.length);

      // The figures go on from where the first job left them.
      await until(
        "the second job's counts on top of the first's",
        info,
        (i) => i.metrics.nodes.events?.out.out === EVENTS + more.length,
      );
      expect(statuses).toEqual(expect.arrayContaining(['starting', 'running', 'stopping', 'stopped']));
      expect(statuses.indexOf('running')).toBeGreaterThan(statuses.indexOf('starting'));
      expect(statuses.lastIndexOf('running')).toBeGreaterThan(statuses.indexOf('stopped'));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses upgrades that would lose state or move targets, and upgrades from a savepoint with the state kept',
    async () => {
      const before = await status('running');
      const job = before.flink!.jobId!;
      const withoutLate = {
        ...pipeline,
        nodes: pipeline.nodes.filter((n) => n.id !== 'late_page_views'),
        edges: pipeline.edges.filter((e) => e.to !== 'late_page_views'),
      };
      const lossy = await post('/api/deployments', {
        pipeline: withoutLate,
        target: 'flink',
        parallelism: PARALLELISM,
      });
      expect(lossy.status).toBe(409);
      expect(lossy.body.error).toMatchObject({ code: 'E_STATE_LOSS', nodes: ['late_page_views'] });
      const narrower = await post('/api/deployments', { pipeline, target: 'flink', parallelism: 1 });
      expect(narrower.status).toBe(409);
      expect(narrower.body.error.code).toBe('E_STATE_LOSS');
      expect(narrower.body.error.message).toMatch(
        /runs at parallelism 2 on Flink, and its state restores only at that parallelism/,
      );
      const elsewhere = await post('/api/deployments', { pipeline });
      expect(elsewhere.status).toBe(409);
      expect(elsewhere.body.error).toEqual({
        code: 'E_STATE',
        message: `pipeline "${names.id}" is running on the Flink cluster; stop it there before deploying it to the Weir server`,
      });
      expect(await info()).toMatchObject({ status: 'running', version: before.version, flink: { jobId: job } });

      const renamed = {
        ...pipeline,
        nodes: pipeline.nodes.map((n) => (n.id === 'views' ? { ...n, label: 'Page views, v2' } : n)),
      };
      const upgrade = await post('/api/deployments', { pipeline: renamed, target: 'flink', parallelism: PARALLELISM });
      expect(upgrade.status).toBe(201);
      const upgraded = await status('running');
      expect(upgraded.version).toBe(before.version + 1);
      expect(upgraded.flink!.jobId).not.toBe(job);
      expect(upgraded.flink!.savepointPath).not.toBe(before.flink!.savepointPath);
      expect(upgraded.flink!.savepointPath).toMatch(/savepoint-/);
      // The window the resumed job left open (the later page views') goes on counting in the new version.
      await produceAndCompare(intoOpenWindow(produced[produced.length - 1]!.timestamp, [0, 1, 1]));
    },
    TEST_TIMEOUT_MS,
  );

  it('is found running again by a server that starts on the same data directory', async () => {
    const running = await info();
    const again = new FlinkDeployments({
      dataDir,
      kafka: { brokers: kafka.brokers },
      cluster: new FlinkCluster(flink.restUrl),
      pollIntervalMs: 1000,
      log: () => {},
    });
    try {
      await again.start();
      const seen = await until(
        'the restarted server to see the job run',
        () => again.get(names.id),
        (i) => i.status === 'running',
      );
      expect(seen.flink).toMatchObject({
        jobId: running.flink!.jobId,
        state: 'RUNNING',
        savepointPath: running.flink!.savepointPath,
      });
      expect(seen.version).toBe(running.version);
    } finally {
      await again.shutdown();
    }
    expect((await flinkJob(running.flink!.jobId!)).state).toBe('RUNNING');
  });

  it(
    "reports a job that fails on a record as restarting (then failed) with Flink's root exception, and stops it",
    async () => {
      const failing = pageViewsNames('flink-fail');
      await createInputTopic(kafka.brokers, failing.input, 1);
      const doc = {
        format: 'weir/v1' as const,
        id: failing.id,
        name: 'Fails on a bad record',
        nodes: [
          { id: 'in', type: 'source.kafka', params: { topic: failing.input } },
          {
            id: 'check',
            type: 'map',
            onError: 'fail' as const,
            params: {
              code: [
                "export default (v: { bad?: boolean }) => { if (v.bad) throw new Error('bad record seen'); return v; };",
              ],
            },
          },
          { id: 'out', type: 'sink.kafka', params: { topic: failing.output } },
        ],
        edges: [
          { from: 'in', to: 'check' },
          { from: 'check', to: 'out' },
        ],
      };
      // The first job stopped, so its slots are free for this one (the upgraded page-views job holds the other two).
      await post(`/api/deployments/${names.id}/stop`);
      expect((await post('/api/deployments', { pipeline: doc, target: 'flink', parallelism: 1 })).status).toBe(201);
      await until(
        'the failing job to run',
        () => app.call(`/api/deployments/${failing.id}`).then((r) => r.json() as Promise<DeploymentInfo>),
        (i) => i.status === 'running',
      );
      await produceEvents(kafka.brokers, failing.input, [
        { partition: 0, key: null, value: { bad: true }, timestamp: Date.now() },
      ]);
      const restarting = await until(
        'the job to restart after the failure',
        () => app.call(`/api/deployments/${failing.id}`).then((r) => r.json() as Promise<DeploymentInfo>),
        // Flink restarts it from its last checkpoint, where the record fails again, until its restart strategy
        // gives up (FAILED): either way the status carries Flink's root exception.
        (i) => (i.status === 'restarting' || i.status === 'failed') && /bad record seen/.test(i.error ?? ''),
      );
      expect(restarting.error).toMatch(/node "check"/);
      const stopped = await post(`/api/deployments/${failing.id}/stop`);
      expect(stopped.status).toBe(200);
      expect(stopped.body.status).toBe('stopped');
      expect(['FINISHED', 'CANCELED']).toContain((await flinkJob(restarting.flink!.jobId!)).state);
    },
    TEST_TIMEOUT_MS,
  );
});
