/**
 * The deployments API end to end: the real app over HTTP, the real DeploymentManager, a real Kafka broker. What a
 * browser does — deploy, follow the status and the output over Server-Sent Events, stop, resume, upgrade — done
 * with fetch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeploymentManager } from '../../server/src/deployments/manager.ts';
import type { DeploymentInfo, TailRecord } from '../../shared/api/deployments.ts';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';
import { openEventStream, startApp, TOKEN, type EventStreamReader, type RunningApp } from '../server/support.ts';
import { createTopic, startKafka, type RunningKafka } from './support/kafka.ts';
import { produceRaw, uniqueSuffix } from './support/deploy-fixtures.ts';
import { PATIENCE_MS } from '../patience.ts';

describe('deployments API on a real broker', () => {
  const suffix = uniqueSuffix();
  const input = `weir-api-in-${suffix}`;
  const output = `weir-api-out-${suffix}`;
  const id = `api-${suffix}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 63);
  let kafka: RunningKafka;
  let manager: DeploymentManager;
  let app: RunningApp;
  let dataDir: string;
  const streams: EventStreamReader[] = [];

  function pipeline(withMapper: boolean): PipelineDoc {
    const nodes: PipelineDoc['nodes'] = [{ id: 'events', type: 'source.kafka', params: { topic: input } }];
    if (withMapper)
      nodes.push({ id: 'mapper', type: 'map', params: { code: ['export default (v) => ({ ...v, seen: true });'] } });
    nodes.push({ id: 'out', type: 'sink.kafka', params: { topic: output } });
    const edges = withMapper
      ? [
          { from: 'events', to: 'mapper' },
          { from: 'mapper', to: 'out' },
        ]
      : [{ from: 'events', to: 'out' }];
    return { format: 'weir/v1', id, name: 'API test', settings: { checkpointIntervalMs: 300 }, nodes, edges };
  }

  const sse = async (path: string) => {
    const stream = await openEventStream(`${app.url}${path}${path.includes('?') ? '&' : '?'}token=${TOKEN}`);
    streams.push(stream);
    return stream;
  };

  const info = async (): Promise<DeploymentInfo> => {
    const res = await app.call(`/api/deployments/${id}`);
    expect(res.status).toBe(200);
    return (await res.json()) as DeploymentInfo;
  };

  const waitForStatus = async (status: DeploymentInfo['status']) => {
    let last: DeploymentInfo | undefined;
    const deadline = Date.now() + PATIENCE_MS;
    while (Date.now() < deadline) {
      last = await info();
      if (last.status === status) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`deployment did not become ${status}; last: ${JSON.stringify(last)}`);
  };

  beforeAll(async () => {
    kafka = await startKafka();
    await createTopic(kafka.brokers, input, 2);
    await createTopic(kafka.brokers, output, 1);
    dataDir = mkdtempSync(join(tmpdir(), 'weir-api-'));
    manager = new DeploymentManager({
      dataDir,
      kafka: { brokers: kafka.brokers },
      sessionTimeoutMs: 6000,
      metricsIntervalMs: 200,
      log: () => {},
    });
    await manager.start();
    app = await startApp({ dataDir, deployments: manager });
  });

  afterAll(async () => {
    for (const s of streams) s.close();
    await app?.close();
    await manager?.shutdown();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await kafka?.stop();
  });

  it('deploys a pipeline, reports it running over SSE, and streams its committed output on the sink tail', async () => {
    const res = await app.call('/api/deployments', { method: 'POST', body: { pipeline: pipeline(true) } });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/deployments/${id}`);
    const created = await res.json();
    expect(created.id).toBe(id);
    expect(['starting', 'running']).toContain(created.status);

    const events = await sse(`/api/deployments/${id}/events`);
    expect(events.status).toBe(200);
    const running = await events.next((e) => e.event === 'status' && (e.data as DeploymentInfo).status === 'running');
    expect((running.data as DeploymentInfo).sinks).toEqual({ out: output });

    const tail = await sse(`/api/deployments/${id}/tail/out`);
    expect(tail.status).toBe(200);
    await produceRaw(kafka.brokers, input, [
      { key: 'a', value: JSON.stringify({ n: 1 }), partition: 0 },
      { key: 'b', value: JSON.stringify({ n: 2 }), partition: 1 },
      { key: 'c', value: JSON.stringify({ n: 3 }), partition: 0 },
    ]);
    const received: TailRecord[] = [];
    while (received.length < 3) received.push((await tail.next((e) => e.event === 'record')).data as TailRecord);
    expect(received.map((r) => r.value).sort((x, y) => (x as { n: number }).n - (y as { n: number }).n)).toEqual([
      { n: 1, seen: true },
      { n: 2, seen: true },
      { n: 3, seen: true },
    ]);
    expect(received.every((r) => r.sink === 'out' && r.topic === output)).toBe(true);
    expect(received.map((r) => r.key).sort()).toEqual(['a', 'b', 'c']);

    // Output is visible only once a checkpoint committed it; the metrics stream must come to say so.
    const metrics = await events.next((e) => {
      if (e.event !== 'metrics') return false;
      const m = e.data as DeploymentInfo['metrics'];
      return m.checkpoints.completed > 0 && (m.nodes.mapper?.in ?? 0) >= 3;
    });
    const figures = metrics.data as DeploymentInfo['metrics'];
    expect(figures.nodes.events?.out.out).toBe(3);
    expect(figures.nodes.mapper?.out.out).toBe(3);
  });

  it('reports per-node counts and checkpoints in GET /api/deployments/:id and lists the deployment', async () => {
    const current = await info();
    expect(current.pipelineId).toBe(id);
    expect(current.metrics.nodes.events?.out.out).toBe(3);
    expect(current.metrics.nodes.out?.in).toBe(3);
    expect(current.metrics.checkpoints.completed).toBeGreaterThan(0);
    const list = await (await app.call('/api/deployments')).json();
    expect(list.deployments.map((d: DeploymentInfo) => d.id)).toContain(id);
  });

  it('answers 409 E_STATE_LOSS naming the nodes an upgrade would drop, and upgrades once allowStateLoss is set', async () => {
    const refused = await app.call('/api/deployments', { method: 'POST', body: { pipeline: pipeline(false) } });
    expect(refused.status).toBe(409);
    const error = (await refused.json()).error;
    expect(error.code).toBe('E_STATE_LOSS');
    expect(error.nodes).toEqual(['mapper']);
    expect((await info()).status).toBe('running');

    const accepted = await app.call('/api/deployments', {
      method: 'POST',
      body: { pipeline: pipeline(false), allowStateLoss: true },
    });
    expect(accepted.status).toBe(201);
    await waitForStatus('running');
    const tail = await sse(`/api/deployments/${id}/tail/out`);
    await produceRaw(kafka.brokers, input, [{ key: 'd', value: JSON.stringify({ n: 4 }), partition: 0 }]);
    // The upgraded graph has no mapper: the record reaches the sink as it came. Older records may come first
    // (the tail starts a little before the end of the topic).
    const fresh = await tail.next(
      (e) => e.event === 'record' && ((e.data as TailRecord).value as { n: number }).n === 4,
    );
    expect((fresh.data as TailRecord).value).toEqual({ n: 4 });
  });

  it('stops a deployment with a savepoint and resumes it', async () => {
    const stopped = await app.call(`/api/deployments/${id}/stop`, { method: 'POST' });
    expect(stopped.status).toBe(200);
    expect((await stopped.json()).status).toBe('stopped');
    expect((await info()).status).toBe('stopped');

    const again = await app.call(`/api/deployments/${id}/resume`, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(['starting', 'running']).toContain((await again.json()).status);
    await waitForStatus('running');
    const twice = await app.call(`/api/deployments/${id}/resume`, { method: 'POST' });
    expect(twice.status).toBe(409);
    expect((await twice.json()).error.code).toBe('E_STATE');
  });

  it('answers 400 with coded problems to an invalid pipeline, and 404 to unknown deployments and sinks', async () => {
    const invalid = { ...pipeline(true), edges: [{ from: 'events', to: 'nowhere' }] };
    const res = await app.call('/api/deployments', { method: 'POST', body: { pipeline: invalid } });
    expect(res.status).toBe(400);
    const error = (await res.json()).error;
    expect(error.code).toBe('E_VALIDATION');
    expect(error.problems.map((p: { code: string }) => p.code)).toContain('E_UNKNOWN_NODE');

    const missing = await app.call('/api/deployments', { method: 'POST', body: { pipline: pipeline(true) } });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error.message).toMatch(/pipline/);

    expect((await app.call('/api/deployments/no-such-deployment')).status).toBe(404);
    expect((await app.call('/api/deployments/no-such-deployment/stop', { method: 'POST' })).status).toBe(404);
    const noSink = await app.call(`/api/deployments/${id}/tail/nosink?token=${TOKEN}`, { token: null });
    expect(noSink.status).toBe(404);
    expect((await noSink.json()).error.message).toMatch(/its sinks: out/);
  });
});
