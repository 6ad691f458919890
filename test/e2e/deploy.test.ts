/**
 * Deploying from the browser, end to end: `weir serve` as a child process against a real broker, the built editor
 * in Chromium. A user opens the page-views template, presses Deploy, watches it run, sends page views to its input
 * topic, reads the window count it commits in the sink's live tail, and stops it.
 */
import { describe, it, expect, beforeAll, afterAll, onTestFailed } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { DeploymentHistory, DeploymentInfo } from '../../shared/api/deployments.ts';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';
import { kafkaClient, startKafka, type RunningKafka } from '../integration/support/kafka.ts';
import { PATIENCE_MS } from '../patience.ts';
import { ensureBuilt, repoRoot } from './support/build.ts';
import { launchBrowser, openApp, screenshot, type AppPage } from './support/browser.ts';
import { documentOf } from './support/simulation-page.ts';

const example = JSON.parse(readFileSync(join(repoRoot, 'examples/page-views.weir.json'), 'utf8')) as PipelineDoc;
const topicOf = (nodeId: string) => example.nodes.find((n) => n.id === nodeId)!.params.topic as string;
const INPUT = topicOf('events');
const COUNTS = topicOf('page_view_counts');
const LATE = topicOf('late_page_views');
/** What the deployment runtime names after the pipeline id: its changelog and dead-letter topics, its consumer group. */
const OWNED_TOPICS = [`${example.id}.changelog`, `${example.id}.dlq`];
const GROUP = `weir-${example.id}`;

const TOKEN = `e2e-${randomBytes(12).toString('hex')}`;

/**
 * Event times an hour ago, on a minute boundary, so the broker's retention keeps the window result's record (its
 * timestamp is the window's end - 1). Offsets from `BASE` are those of a window starting at 0.
 */
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;

let kafka: RunningKafka | undefined;
let server: WeirServer | undefined;
let browser: Browser | undefined;
let app: AppPage;
let page: Page;
let dataDir: string | undefined;

interface WeirServer {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** `weir serve` on a port the system picks; resolves with the address it prints. */
async function startServer(brokers: string[], dir: string): Promise<WeirServer> {
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'bin/weir.js'), 'serve'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      WEIR_DATA_DIR: dir,
      WEIR_TOKEN: TOKEN,
      KAFKA_BROKERS: brokers.join(','),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`weir serve printed no address within ${PATIENCE_MS / 1000} s:\n${output}`)),
      PATIENCE_MS,
    );
    const onData = () => {
      const match = /Weir is running at (http:\/\/[^/\s]+)\//.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`weir serve exited before listening:\n${output}`));
    });
  });

  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM'); // savepoints, then exit
      const timer = setTimeout(() => child.kill('SIGKILL'), PATIENCE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = PATIENCE_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Leaves nothing of an earlier run on the shared broker that a fresh deployment would read: its topics are deleted
 * and made again empty, and its consumer group's offsets are dropped.
 */
async function resetTopics(brokers: string[]): Promise<void> {
  const admin = kafkaClient(brokers, 'weir-e2e-deploy-admin').admin();
  await admin.connect();
  try {
    const stale = (await admin.listTopics()).filter((t) => [INPUT, COUNTS, LATE, ...OWNED_TOPICS].includes(t));
    if (stale.length > 0) await admin.deleteTopics({ topics: stale, timeout: 30_000 });
    await admin.deleteGroups([GROUP]).catch(() => {}); // none yet, on a fresh broker
    await until('the deleted topics to be gone', async () =>
      (await admin.listTopics()).some((t) => stale.includes(t)) ? undefined : true,
    );
    // One partition each: the source's watermark is then that of the one partition the events go to.
    const topics = [INPUT, COUNTS, LATE].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 }));
    await until('the topics to be created', () =>
      admin
        .createTopics({ topics, waitForLeaders: true, timeout: 30_000 })
        .then((created) => (created ? true : undefined)),
    );
  } finally {
    await admin.disconnect();
  }
}

async function produce(
  brokers: string[],
  events: Array<{ user_id: number; event_type: string; page_url: string; ts: number }>,
): Promise<void> {
  const producer = kafkaClient(brokers, 'weir-e2e-deploy-producer').producer();
  await producer.connect();
  try {
    await producer.send({
      topic: INPUT,
      messages: events.map((e) => ({ key: String(e.user_id), value: JSON.stringify(e) })),
    });
  } finally {
    await producer.disconnect();
  }
}

async function deploymentFromApi(id: string): Promise<DeploymentInfo> {
  const res = await fetch(`${server!.url}/api/deployments/${encodeURIComponent(id)}`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as DeploymentInfo;
}

describe('deploying the page-views template from the browser', () => {
  beforeAll(async () => {
    ensureBuilt();
    kafka = await startKafka();
    await resetTopics(kafka.brokers);
    dataDir = mkdtempSync(join(tmpdir(), 'weir-e2e-deploy-'));
    server = await startServer(kafka.brokers, dataDir);
    browser = await launchBrowser();
    app = await openApp(browser, `${server.url}/?token=${encodeURIComponent(TOKEN)}`);
    page = app.page;
    await page.getByRole('region', { name: 'Getting started' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await kafka?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs on the server, commits the window count of user 1 that the sink tail shows, and stops from the panel', async () => {
    onTestFailed(() => console.error(`weir serve said:\n${server!.output()}`));
    await page.getByRole('button', { name: 'Templates' }).click();
    await page.getByRole('menuitem', { name: new RegExp(`^${example.name}`) }).click();
    await page.waitForFunction(
      (id) =>
        (window as unknown as { weir: { store: { getState(): { document: { id: string } } } } }).weir.store.getState()
          .document.id === id,
      example.id,
    );
    const doc = await documentOf(page);
    expect(doc.nodes.map((n) => n.id)).toEqual(example.nodes.map((n) => n.id));
    expect(new URL(page.url()).searchParams.has('token')).toBe(false); // moved into storage, out of the address bar
    await screenshot(page, 'deploy-template');

    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    const panel = page.getByRole('complementary', { name: 'Deployments' });
    const detail = panel.getByRole('region', { name: `Deployment ${doc.id}` });
    await detail.locator('.status-badge', { hasText: 'Running' }).waitFor();
    await panel
      .getByRole('list', { name: 'Deployed pipelines' })
      .getByRole('button', { name: new RegExp(`${example.name}.*${doc.id}.*Running`) })
      .waitFor();
    expect((await deploymentFromApi(doc.id)).status).toBe('running');
    await screenshot(page, 'deploy-running');
    // The panel is a column beside the inspector, never over it.
    const inspectorBox = (await page.locator('.inspector').boundingBox())!;
    const panelBox = (await panel.boundingBox())!;
    expect(inspectorBox.width).toBeGreaterThan(200);
    expect(panelBox.x).toBeGreaterThanOrEqual(inspectorBox.x + inspectorBox.width - 1);

    // User 1's two page views (and a click the filter drops) fall in the window [BASE, BASE + 60 s); user 2's view
    // at BASE + 130 s moves the watermark to BASE + 124 999, past that window's end - 1, so it fires. User 2's own
    // window [BASE + 120 s, BASE + 180 s) stays open.
    await produce(kafka!.brokers, [
      { user_id: 1, event_type: 'page_view', page_url: '/home', ts: BASE + 1000 },
      { user_id: 1, event_type: 'page_view', page_url: '/pricing', ts: BASE + 2000 },
      { user_id: 1, event_type: 'click', page_url: '/pricing', ts: BASE + 3000 },
      { user_id: 2, event_type: 'page_view', page_url: '/home', ts: BASE + 130_000 },
    ]);

    await detail.getByRole('tab', { name: new RegExp(`^${COUNTS}`) }).click();
    const tail = detail.getByRole('tabpanel', { name: `Records written to ${COUNTS}` });
    const result = tail.locator('.tail-record', { hasText: '"result":2' });
    await result.waitFor();
    // SPEC: a window's output is keyed by its key, stamped end - 1, and valued { key, window: { start, end }, result }.
    const expected = { key: 1, window: { start: BASE, end: BASE + 60_000 }, result: 2 };
    expect(await result.locator('.tail-record__value').textContent()).toBe(JSON.stringify(expected));
    expect(await result.locator('.tail-record__time').textContent()).toBe(new Date(BASE + 59_999).toISOString());
    expect(await tail.locator('.tail-record').count()).toBe(1);
    await expect
      .poll(() => detail.locator('.checkpoints dd').first().textContent(), { timeout: PATIENCE_MS })
      .not.toBe('0');
    await screenshot(page, 'deploy-tail');

    // The running job on the canvas: each node of the open pipeline shows its live rate in (sources their rate out
    // and their lag),
    // each edge the records per second of its port, apart from simulation counts (green "live" dot, "/s").
    const source = page.locator('[data-live-node="events"]');
    await expect.poll(() => source.textContent(), { timeout: PATIENCE_MS }).toMatch(/^[\d.,kM]+\/s out · lag 0$/);
    const sink = page.locator(`[data-live-node="page_view_counts"]`);
    await expect.poll(() => sink.textContent(), { timeout: PATIENCE_MS }).toMatch(/\/s in/);
    const edge = page.locator('.edge-live[data-live-edge="events.out"]');
    await expect.poll(() => edge.textContent(), { timeout: PATIENCE_MS }).toMatch(/^[\d.,kM]+\/s$/);
    expect(await page.locator('.op-node__holding').count()).toBe(0); // four records hold nothing back
    await screenshot(page, 'deploy-live-canvas');

    // Charts over time: the server samples a point every 5 s; three of them show the history is the server's below.
    const charts = detail.getByRole('region', { name: 'Charts over time' });
    const pointsShown = async () => Number(await charts.getAttribute('data-points'));
    await expect.poll(pointsShown, { timeout: PATIENCE_MS }).toBeGreaterThanOrEqual(3);
    for (const title of [
      'Records in per second',
      'Records out per second',
      'Consumer lag (records)',
      'Checkpoint duration',
      'Checkpoint size',
    ]) {
      const chart = charts.getByRole('img', { name: new RegExp(`^${title.replace(/[()]/g, '\\$&')}, latest: `) });
      await chart.waitFor();
      expect((await chart.boundingBox())!.width).toBeGreaterThan(150);
    }
    expect(await charts.getByRole('img', { name: /^Consumer lag \(records\), latest: 0$/ }).count()).toBe(1); // one partition, all read
    expect(await charts.locator('.chart__line path[d*="L"]').count()).toBeGreaterThan(0); // lines, not lone dots
    await charts.scrollIntoViewIfNeeded();
    await screenshot(page, 'deploy-charts');
    const before = await pointsShown();

    // The history is the server's: a reload, and the panel opened again, shows at least what was there before.
    const history = page.waitForResponse((res) => res.url().endsWith(`/api/deployments/${doc.id}/history`));
    await page.reload();
    await page.getByRole('button', { name: 'Deployments', exact: true }).click();
    const kept = (await (await history).json()) as DeploymentHistory;
    expect(kept.points.length).toBeGreaterThanOrEqual(before);
    await expect.poll(pointsShown, { timeout: PATIENCE_MS }).toBeGreaterThanOrEqual(kept.points.length);
    await charts.getByRole('img', { name: /^Records in per second, latest: / }).waitFor();
    await screenshot(page, 'deploy-charts-reloaded');

    await detail.getByRole('button', { name: 'Stop', exact: true }).click();
    await detail.locator('.status-badge', { hasText: 'Stopped' }).waitFor();
    expect(await detail.getByRole('button', { name: 'Resume', exact: true }).isEnabled()).toBe(true);
    expect((await deploymentFromApi(doc.id)).status).toBe('stopped');
    await screenshot(page, 'deploy-stopped');
  });

  it('outlines the node that holds a job back: the source whose lag grows while a slow filter reads behind', async () => {
    onTestFailed(() => console.error(`weir serve said:\n${server!.output()}`));
    // The template again, on topics of its own, with a filter that takes 5 ms a record: about 200 records/s, read in
    // slices of 1 000, so a reading of the metrics comes every few seconds.
    const slowInput = 'slow_user_events';
    const slow: PipelineDoc = {
      ...example,
      id: 'slow-page-views',
      name: 'Slow page views',
      nodes: example.nodes.map((n) => {
        if (n.id === 'events') return { ...n, params: { ...n.params, topic: slowInput } };
        if (n.type === 'sink.kafka') return { ...n, params: { ...n.params, topic: `slow_${String(n.params.topic)}` } };
        if (n.id === 'views')
          return {
            ...n,
            params: {
              code: [
                'export default (e: Value) => {',
                '  const end = Date.now() + 5;',
                '  while (Date.now() < end) {}',
                "  return e.event_type === 'page_view';",
                '};',
              ],
            },
          };
        return n;
      }),
    };
    const admin = kafkaClient(kafka!.brokers, 'weir-e2e-slow-admin').admin();
    await admin.connect();
    try {
      const topics = [
        slowInput,
        ...slow.nodes.filter((n) => n.type === 'sink.kafka').map((n) => String(n.params.topic)),
      ];
      await admin.createTopics({
        topics: topics.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
    await page.evaluate(
      (text) =>
        (window as unknown as { weir: { store: { getState(): { loadDocument(d: unknown): void } } } }).weir.store
          .getState()
          .loadDocument(JSON.parse(text)),
      JSON.stringify(slow),
    );
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    const panel = page.getByRole('complementary', { name: 'Deployments' });
    await panel
      .getByRole('region', { name: `Deployment ${slow.id}` })
      .locator('.status-badge', { hasText: 'Running' })
      .waitFor();

    // Records arrive at 600/s, far faster than the filter lets them through, until the canvas says who holds it back.
    const producer = kafkaClient(kafka!.brokers, 'weir-e2e-slow-producer').producer();
    await producer.connect();
    const holding = page.locator('.react-flow__node[data-node-id="events"] .op-node__holding');
    // What the canvas shows, read at one moment: the outline comes and goes with each reading of the metrics.
    const seen = () =>
      page.evaluate(() => ({
        outlined: [...document.querySelectorAll('.op-node__holding')].map((e) =>
          e.closest('.react-flow__node')?.getAttribute('data-node-id'),
        ),
        text: document.querySelector('[data-live-node="events"]')?.textContent ?? '',
        title: document.querySelector('[data-live-node="events"]')?.getAttribute('title') ?? '',
      }));
    let shown = await seen();
    let sent = 0;
    try {
      const deadline = Date.now() + PATIENCE_MS;
      while (shown.outlined.length === 0 && Date.now() < deadline) {
        const messages = Array.from({ length: 300 }, (_, i) => ({
          value: JSON.stringify({ user_id: i % 7, event_type: 'page_view', page_url: '/', ts: BASE + sent + i }),
        }));
        await producer.send({ topic: slowInput, messages });
        sent += messages.length;
        await new Promise((r) => setTimeout(r, 500));
        shown = await seen();
      }
      if (shown.outlined.length > 0) await screenshot(page, 'deploy-holding-back');
    } finally {
      await producer.disconnect();
    }
    // One node holds the job back: the source, whose lag grows (the Weir target runs a pipeline in one loop, so a
    // slow node anywhere shows as its source's lag).
    expect(shown.outlined).toEqual(['events']);
    expect(shown.text).toMatch(/holds the job back/);
    expect(shown.title).toMatch(
      /Holds the job back\. Lag grew by [\d.,kM]+\/s to [\d.,kM\s]+ records: the job reads this source more slowly than records arrive\./,
    );

    const res = await fetch(`${server!.url}/api/deployments/${slow.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(204);
    await holding.waitFor({ state: 'detached', timeout: PATIENCE_MS });
  });

  it('threw no errors in the page', () => {
    expect(app.errors).toEqual([]);
  });
});
