/**
 * The Flink target's answers that depend only on what Flink's REST API says: a tiny HTTP server stands in for the
 * cluster's overview, classpath and configuration (the cluster itself is test/integration/flink-deploy.test.ts's).
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlinkDeployments } from '../../server/src/deployments/flink-deployment.ts';
import { DeploymentManager } from '../../server/src/deployments/manager.ts';
import { DeploymentService } from '../../server/src/deployments/service.ts';
import { DeploymentStore } from '../../server/src/deployments/store.ts';
import { FlinkCluster } from '../../server/src/flink/cluster.ts';
import { FlinkRestClient, FlinkRestError } from '../../server/src/flink/rest-client.ts';
import { samplePipeline, startApp, tempDataDir, type RunningApp } from './support.ts';

interface FakeFlink {
  url: string;
  /** What GET <path> answers (with any query, unless the path with its query is there too): [status, JSON body]. */
  routes: Map<string, [number, unknown]>;
  requests: string[];
  close(): Promise<void>;
}

async function fakeFlink(): Promise<FakeFlink> {
  const routes = new Map<string, [number, unknown]>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const url = req.url ?? '';
    const [status, body] = routes.get(url) ??
      routes.get(url.split('?')[0]!) ?? [404, { errors: ['Not found: ' + url] }];
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    routes,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function healthyCluster(flink: FakeFlink, free: number, total = 2): void {
  flink.routes.set('/overview', [
    200,
    { taskmanagers: 1, 'slots-total': total, 'slots-available': free, 'flink-version': '2.3.0' },
  ]);
  flink.routes.set('/jobmanager/environment', [
    200,
    { classpath: ['/opt/flink/lib/flink-dist-2.3.0.jar', '/opt/flink/lib/polyglot-23.1.8.jar'] },
  ]);
  flink.routes.set('/jobmanager/config', [
    200,
    [{ key: 'execution.checkpointing.savepoint-dir', value: 'file:///savepoints' }],
  ]);
}

async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('FlinkRestClient', () => {
  let flink: FakeFlink;
  beforeAll(async () => {
    flink = await fakeFlink();
  });
  afterAll(() => flink.close());

  it("passes on Flink's own message, without the stack trace, and the URL it asked", async () => {
    flink.routes.set('/jobs/abc', [
      500,
      {
        errors: [
          'org.apache.flink.runtime.rest.handler.RestHandlerException: Job abc not found.\n\tat org.apache.flink.X.y(X.java:1)\n',
        ],
      },
    ]);
    const error = await new FlinkRestClient(flink.url).job('abc').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlinkRestError);
    expect((error as FlinkRestError).status).toBe(500);
    expect((error as Error).message).toBe(
      `Flink answered 500 to GET /jobs/abc: org.apache.flink.runtime.rest.handler.RestHandlerException: Job abc not found. (${flink.url}/jobs/abc)`,
    );
  });

  it('says when nothing answers at the address', async () => {
    const url = await closedPort();
    const error = await new FlinkRestClient(url).overview().catch((e: unknown) => e);
    expect((error as Error).message).toBe(`cannot reach the Flink cluster: ECONNREFUSED (${url})`);
  });

  it('asks for many metrics in several requests, each short enough for Flink', async () => {
    const ids = Array.from({ length: 400 }, (_, i) => `${i % 4}.some_rather_long_operator_name_${i}.weirNode`);
    flink.routes.set('/jobs/j/vertices/v/metrics', [200, [{ id: '0.x.weirNode', value: '{}' }]]);
    flink.requests.length = 0;
    const answer = await new FlinkRestClient(flink.url).vertexMetrics('j', 'v', ids);
    expect(answer).toEqual(flink.requests.map(() => ({ id: '0.x.weirNode', value: '{}' })));
    expect(flink.requests.length).toBeGreaterThan(1);
    for (const request of flink.requests) expect(request.length).toBeLessThan(4096);
    const asked = flink.requests.flatMap((r) => decodeURIComponent(r.slice(r.indexOf('?get=') + 5)).split(','));
    expect(asked.sort()).toEqual([...ids].sort());
  });
});

describe('POST /api/deployments with target "flink", answered from the cluster\'s REST API', () => {
  let flink: FakeFlink;
  let app: RunningApp;
  let service: DeploymentService;
  const data = tempDataDir();

  const deployTo = async (restUrl: string, parallelism: number) => {
    const kafka = { brokers: ['127.0.0.1:1'] };
    const flinkDeployments = new FlinkDeployments({
      dataDir: data.dir,
      kafka,
      cluster: new FlinkCluster(restUrl),
      log: () => {},
    });
    service = new DeploymentService(
      new DeploymentManager({ dataDir: data.dir, kafka, log: () => {} }),
      flinkDeployments,
    );
    await service.start();
    app = await startApp({ dataDir: data.dir, deployments: service });
    try {
      const res = await app.call('/api/deployments', {
        method: 'POST',
        body: { pipeline: samplePipeline(), target: 'flink', parallelism },
      });
      const listed = await (await app.call('/api/deployments')).json();
      return {
        status: res.status,
        error: ((await res.json()) as { error: { code: string; message: string } }).error,
        listed,
      };
    } finally {
      await app.close();
      await service.shutdown();
    }
  };

  beforeAll(async () => {
    flink = await fakeFlink();
  });
  afterAll(async () => {
    await flink.close();
    data.remove();
  });

  it('answers 409 E_FLINK_FULL when the parallelism exceeds the free task slots, and deploys nothing', async () => {
    healthyCluster(flink, 2);
    const { status, error, listed } = await deployTo(flink.url, 3);
    expect(status).toBe(409);
    expect(error).toEqual({
      code: 'E_FLINK_FULL',
      message: `the Flink cluster at ${flink.url} has 2 free task slots of 2; parallelism 3 needs 3`,
    });
    expect(listed).toEqual({ deployments: [] });
  });

  it('answers 502 E_FLINK_UNAVAILABLE naming the address when the cluster cannot be reached', async () => {
    const url = await closedPort();
    const { status, error } = await deployTo(url, 1);
    expect(status).toBe(502);
    expect(error).toEqual({
      code: 'E_FLINK_UNAVAILABLE',
      message: `the Flink cluster at ${url} cannot be reached: cannot reach the Flink cluster: ECONNREFUSED (${url})`,
    });
  });

  it('answers 502 E_FLINK_UNAVAILABLE when the cluster has no GraalJS for the pipeline code', async () => {
    healthyCluster(flink, 2);
    flink.routes.set('/jobmanager/environment', [200, { classpath: ['/opt/flink/lib/flink-dist-2.3.0.jar'] }]);
    const { status, error } = await deployTo(flink.url, 1);
    expect(status).toBe(502);
    expect(error.code).toBe('E_FLINK_UNAVAILABLE');
    expect(error.message).toBe(
      `the Flink cluster at ${flink.url} has no GraalJS on its classpath: put org.graalvm.polyglot:polyglot and js-community 23.1.8 (and their dependencies) in its lib/ folder`,
    );
  });

  it('answers 502 E_FLINK_UNAVAILABLE when the cluster has nowhere to put savepoints', async () => {
    healthyCluster(flink, 2);
    flink.routes.set('/jobmanager/config', [200, [{ key: 'rest.port', value: '8081' }]]);
    const { status, error } = await deployTo(flink.url, 1);
    expect(status).toBe(502);
    expect(error.message).toMatch(
      new RegExp(
        `^the Flink cluster at ${flink.url} has no savepoint directory: set execution.checkpointing.savepoint-dir`,
      ),
    );
  });
});

describe('DELETE /api/deployments/:id of a deployment on Flink', () => {
  /** One job, "j1", running until Flink is told to cancel it (unless `refuseCancel`). */
  let job: { state: string; refuseCancel: boolean };
  let requests: string[];
  let server: Server;
  let url: string;
  const data = tempDataDir();

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      const answer = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'PATCH' && req.url === '/jobs/j1?mode=cancel') {
        if (job.refuseCancel) return answer(500, { errors: ['Internal server error.'] });
        job.state = 'CANCELED';
        return answer(202, {});
      }
      if (req.method === 'GET' && req.url === '/jobs/j1')
        return answer(200, { jid: 'j1', name: 'clicks', state: job.state, 'start-time': 1, duration: 1, vertices: [] });
      answer(404, { errors: ['Not found: ' + req.url] });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    data.remove();
  });

  /** The server as it starts again with a Flink deployment of job j1 on record as running. */
  async function serverWithRunningJob(): Promise<{ app: RunningApp; service: DeploymentService; record: string }> {
    job = { state: 'RUNNING', refuseCancel: false };
    requests = [];
    const kafka = { brokers: ['127.0.0.1:1'] };
    const store = new DeploymentStore(data.dir);
    store.save({
      id: 'clicks',
      pipeline: samplePipeline(),
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
        countsBefore: {},
        checkpointsBefore: { completed: 0, failed: 0 },
      },
    });
    const flinkDeployments = new FlinkDeployments({
      dataDir: data.dir,
      kafka,
      cluster: new FlinkCluster(url),
      pollIntervalMs: 50,
      log: () => {},
    });
    const service = new DeploymentService(
      new DeploymentManager({ dataDir: data.dir, kafka, log: () => {} }),
      flinkDeployments,
    );
    await service.start();
    const app = await startApp({ dataDir: data.dir, deployments: service });
    return { app, service, record: join(data.dir, 'deployments', 'clicks.json') };
  }

  it('cancels the job (no savepoint) and forgets the deployment', async () => {
    const { app, service, record } = await serverWithRunningJob();
    try {
      const res = await app.call('/api/deployments/clicks', { method: 'DELETE' });
      expect(res.status).toBe(204);
      expect(requests).toContain('PATCH /jobs/j1?mode=cancel');
      expect(requests.some((r) => r.includes('savepoints') || r.includes('/stop'))).toBe(false);
      expect(await (await app.call('/api/deployments')).json()).toEqual({ deployments: [] });
      expect(existsSync(record)).toBe(false);
    } finally {
      await app.close();
      await service.shutdown();
    }
  });

  it('keeps the deployment, with 502 E_FLINK_UNAVAILABLE, when the cluster does not cancel a job that runs', async () => {
    const { app, service, record } = await serverWithRunningJob();
    job.refuseCancel = true;
    try {
      const res = await app.call('/api/deployments/clicks', { method: 'DELETE' });
      expect(res.status).toBe(502);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('E_FLINK_UNAVAILABLE');
      expect(error.message).toMatch(
        /^the Flink job j1 could not be cancelled, so the deployment is kept: Flink answered 500 to PATCH \/jobs\/j1\?mode=cancel/,
      );
      expect(((await (await app.call('/api/deployments/clicks')).json()) as { target: string }).target).toBe('flink');
      expect(existsSync(record)).toBe(true);
    } finally {
      await app.close();
      await service.shutdown();
    }
  });
});
