/**
 * DELETE /api/deployments/:id against the real DeploymentManager: the deployment leaves the list and its record the
 * data directory; an unknown id is 404 E_NOT_FOUND; the token is required. No broker is needed: a stopped deployment
 * never touches Kafka, and a running one is deleted while its worker still tries to reach a broker that is not there.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeploymentManager } from '../../server/src/deployments/manager.ts';
import { DeploymentStore } from '../../server/src/deployments/store.ts';
import { samplePipeline, tempDataDir, useApp } from './support.ts';

describe('DELETE /api/deployments/:id', () => {
  const data = tempDataDir();
  const store = new DeploymentStore(data.dir);
  // Port 1: nothing listens there, and nothing here must need a broker.
  const manager = new DeploymentManager({ dataDir: data.dir, kafka: { brokers: ['127.0.0.1:1'] }, log: () => {} });
  const app = useApp({ deployments: manager });
  const record = (id: string) => join(data.dir, 'deployments', `${id}.json`);
  const listed = async () =>
    ((await (await app.call('/api/deployments')).json()) as { deployments: Array<{ id: string }> }).deployments.map(
      (d) => d.id,
    );

  beforeAll(async () => {
    for (const id of ['old-clicks', 'kept-clicks']) {
      store.save({
        id,
        pipeline: samplePipeline(id),
        desired: 'stopped',
        version: 3,
        deployedAt: 1,
        allowStateLoss: false,
      });
    }
    await manager.start();
  });
  afterAll(async () => {
    await manager.shutdown();
    data.remove();
  });

  it('deletes a stopped deployment: 204, gone from the list and from the data directory', async () => {
    expect(await listed()).toEqual(['kept-clicks', 'old-clicks']);
    const res = await app.call('/api/deployments/old-clicks', { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(await listed()).toEqual(['kept-clicks']);
    expect(existsSync(record('old-clicks'))).toBe(false);
    expect(existsSync(record('kept-clicks'))).toBe(true);
    expect((await app.call('/api/deployments/old-clicks')).status).toBe(404);
    // What the next start of the server reads: the deleted one is not there to come back.
    expect(store.load().map((d) => d.id)).toEqual(['kept-clicks']);
  });

  it('answers 404 E_NOT_FOUND for an unknown id, and for one deleted already', async () => {
    for (const id of ['nope', 'old-clicks']) {
      const res = await app.call(`/api/deployments/${id}`, { method: 'DELETE' });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'E_NOT_FOUND', message: `no deployment "${id}"` } });
    }
  });

  it('needs the token, and deletes nothing without it', async () => {
    for (const token of [null, 'wrong-token']) {
      const res = await app.call('/api/deployments/kept-clicks', { method: 'DELETE', token });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_AUTH');
    }
    expect(await listed()).toEqual(['kept-clicks']);
    expect(existsSync(record('kept-clicks'))).toBe(true);
  });

  it('ends the run of a deployment whose worker is running, without a savepoint, and deletes it', async () => {
    const deployed = await app.call('/api/deployments', {
      method: 'POST',
      body: { pipeline: samplePipeline('live-clicks') },
    });
    expect(deployed.status).toBe(201);
    expect(existsSync(record('live-clicks'))).toBe(true);
    // Its worker runs (still starting: it waits for a broker that is not there) when the DELETE comes.
    expect(((await (await app.call('/api/deployments/live-clicks')).json()) as { status: string }).status).toBe(
      'starting',
    );
    const res = await app.call('/api/deployments/live-clicks', { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await listed()).toEqual(['kept-clicks']);
    expect(existsSync(record('live-clicks'))).toBe(false);
    // Deployed again, it is a new deployment (version 1), not the deleted one's next version.
    expect(
      (await app.call('/api/deployments', { method: 'POST', body: { pipeline: samplePipeline('live-clicks') } }))
        .status,
    ).toBe(201);
    expect(((await (await app.call('/api/deployments/live-clicks')).json()) as { version: number }).version).toBe(1);
    expect((await app.call('/api/deployments/live-clicks', { method: 'DELETE' })).status).toBe(204);
  });
});
