/**
 * GET /api/deployments/:id/history through the real DeploymentService, with no broker: the Weir target's
 * DeploymentManager (a deployment there waits for a broker that is not there, so its engine never comes up and it
 * makes no points), and the Flink target, whose job a tiny HTTP server reports as running — the deployment's polls
 * read its figures, and every reading is sampled into the history, here at a short resolution so that points
 * gather within a second.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentHistory } from '../../shared/api/deployments.ts';
import { FlinkDeployments } from '../../server/src/deployments/flink-deployment.ts';
import { DeploymentManager } from '../../server/src/deployments/manager.ts';
import { DeploymentService } from '../../server/src/deployments/service.ts';
import { DeploymentStore } from '../../server/src/deployments/store.ts';
import { FlinkCluster } from '../../server/src/flink/cluster.ts';
import { PATIENCE_MS } from '../patience.ts';
import { samplePipeline, startApp, tempDataDir, type RunningApp } from './support.ts';

const RESOLUTION_MS = 100;
const history = { resolutionMs: RESOLUTION_MS, capacity: 6 };

describe('GET /api/deployments/:id/history', () => {
  const data = tempDataDir();
  const kafka = { brokers: ['127.0.0.1:1'] }; // nothing listens there
  let flink: Server;
  let service: DeploymentService;
  let app: RunningApp;
  const get = async (id: string): Promise<DeploymentHistory> => {
    const res = await app.call(`/api/deployments/${id}/history`);
    expect(res.status).toBe(200);
    return (await res.json()) as DeploymentHistory;
  };

  beforeAll(async () => {
    // Job "j1" runs; nothing else is known (no figures, no checkpoints yet: the deployment's figures are then its counts so far).
    flink = createServer((req, res) => {
      const body =
        req.method === 'GET' && req.url === '/jobs/j1'
          ? { jid: 'j1', name: 'clicks', state: 'RUNNING', 'start-time': 1, duration: 1, vertices: [] }
          : null;
      res
        .writeHead(body ? 200 : 404, { 'content-type': 'application/json' })
        .end(JSON.stringify(body ?? { errors: [`Not found: ${req.url}`] }));
    });
    await new Promise<void>((resolve) => flink.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(flink.address() as AddressInfo).port}`;
    const store = new DeploymentStore(data.dir);
    store.save({
      id: 'idle-clicks',
      pipeline: samplePipeline('idle-clicks'),
      desired: 'stopped',
      version: 1,
      deployedAt: 1,
      allowStateLoss: false,
    });
    store.save({
      id: 'flink-clicks',
      pipeline: samplePipeline('flink-clicks'),
      desired: 'running',
      version: 1,
      deployedAt: 1,
      allowStateLoss: false,
      target: 'flink',
      parallelism: 1,
      flink: {
        restUrl: url,
        jobId: 'j1',
        savepointPath: null,
        resumeFrom: null,
        countsBefore: { events: { in: 0, out: { out: 40 }, errors: 0 } },
        checkpointsBefore: { completed: 3, failed: 0 },
      },
    });
    service = new DeploymentService(
      new DeploymentManager({ dataDir: data.dir, kafka, log: () => {}, metricsIntervalMs: 40, history }),
      new FlinkDeployments({
        dataDir: data.dir,
        kafka,
        cluster: new FlinkCluster(url),
        pollIntervalMs: 30,
        log: () => {},
        history,
      }),
    );
    await service.start();
    app = await startApp({ dataDir: data.dir, deployments: service });
  });
  afterAll(async () => {
    await app?.close();
    await service?.shutdown();
    await new Promise<void>((resolve) => flink.close(() => resolve()));
    data.remove();
  });

  it('answers a deployment that has not run with no points, and the resolution and length of its history', async () => {
    expect(await get('idle-clicks')).toEqual({
      id: 'idle-clicks',
      resolutionMs: RESOLUTION_MS,
      capacity: 6,
      points: [],
    });
  });

  it('has no points for a deployment whose engine is not up (it waits for Kafka)', async () => {
    expect(
      (await app.call('/api/deployments', { method: 'POST', body: { pipeline: samplePipeline('waiting-clicks') } }))
        .status,
    ).toBe(201);
    // Its worker reports every 40 ms meanwhile: readings without figures, which make no point.
    await new Promise((resolve) => setTimeout(resolve, 10 * RESOLUTION_MS));
    expect((await get('waiting-clicks')).points).toEqual([]);
  });

  it("samples a running deployment's readings: one point per interval, oldest first, no more than the capacity", async () => {
    const deadline = Date.now() + PATIENCE_MS;
    let answer = await get('flink-clicks');
    while (answer.points.length < 6 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await get('flink-clicks');
    }
    expect(answer).toMatchObject({ id: 'flink-clicks', resolutionMs: RESOLUTION_MS, capacity: 6 });
    expect(answer.points).toHaveLength(6);
    const intervals = answer.points.map((p) => Math.floor(p.at / RESOLUTION_MS));
    for (let i = 1; i < intervals.length; i++) expect(intervals[i]).toBeGreaterThan(intervals[i - 1]!);
    const last = answer.points.at(-1)!;
    expect(last.nodes.events).toEqual({ in: 0, out: 40, inPerSecond: 0, outPerSecond: 0 });
    expect(last.checkpoints).toEqual({ completed: 3, failed: 0, lastDurationMs: null, lastSizeBytes: null });
    expect(last.restarts).toBe(0);
  });

  it('answers 404 E_NOT_FOUND for an unknown id, and for a deleted deployment', async () => {
    expect((await app.call('/api/deployments/waiting-clicks', { method: 'DELETE' })).status).toBe(204);
    for (const id of ['nope', 'waiting-clicks']) {
      const res = await app.call(`/api/deployments/${id}/history`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'E_NOT_FOUND', message: `no deployment "${id}"` } });
    }
  });

  it('needs the token, like every route', async () => {
    for (const token of [null, 'wrong-token']) {
      const res = await app.call('/api/deployments/flink-clicks/history', { token });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_AUTH');
    }
  });
});
