import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, WeirClient } from '../../web/src/api/client.ts';
import { samplePipeline, TOKEN, useApp } from './support.ts';

async function failure(work: Promise<unknown>): Promise<ApiError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('the web app’s API client against the server', () => {
  const app = useApp();
  let client: WeirClient;
  beforeAll(() => {
    client = new WeirClient({ baseUrl: `${app.url}/api/`, token: () => TOKEN });
  });

  it('saves with a revision guard and reads back the document and its revision', async () => {
    const doc = samplePipeline('client-doc');
    expect(await client.savePipeline(doc, { create: true })).toMatchObject({ revision: 1, created: true });
    expect(await client.savePipeline({ ...doc, name: 'Two' }, { revision: 1 })).toMatchObject({
      revision: 2,
      created: false,
    });
    const read = await client.getPipeline('client-doc');
    expect(read.revision).toBe(2);
    expect(read.pipeline.name).toBe('Two');
    expect((await client.listPipelines()).map((p) => p.id)).toContain('client-doc');
    await client.deletePipeline('client-doc', 2);
    expect((await failure(client.getPipeline('client-doc'))).code).toBe('E_NOT_FOUND');
  });

  it('surfaces a stale write as E_CONFLICT with the server’s revision', async () => {
    const doc = samplePipeline('client-conflict');
    await client.savePipeline(doc);
    await client.savePipeline(doc, { revision: 1 });
    const err = await failure(client.savePipeline(doc, { revision: 1 }));
    expect(err.status).toBe(409);
    expect(err.code).toBe('E_CONFLICT');
    expect(err.revision).toBe(2);
  });

  it('surfaces validation problems with their paths and codes', async () => {
    const doc = { ...samplePipeline('client-invalid'), edges: [{ from: 'events', to: 'ghost' }] };
    const err = await failure(client.savePipeline(doc));
    expect(err.code).toBe('E_VALIDATION');
    expect(err.problems.map((p) => p.code)).toContain('E_UNKNOWN_NODE');
  });

  it('surfaces a wrong token as E_AUTH and no token without asking the server', async () => {
    const wrong = new WeirClient({ baseUrl: `${app.url}/api/`, token: () => 'wrong' });
    const err = await failure(wrong.listPipelines());
    expect(err.code).toBe('E_AUTH');
    expect(err.status).toBe(401);
    const none = new WeirClient({
      baseUrl: `${app.url}/api/`,
      token: () => null,
      fetch: () => Promise.reject(new Error('must not be called')),
    });
    const missing = await failure(none.listPipelines());
    expect(missing.code).toBe('E_AUTH');
    expect(missing.message).toMatch(/\?token=/);
  });

  it('surfaces the deployment routes of a server without deployments as E_UNAVAILABLE', async () => {
    expect((await failure(client.deploy(samplePipeline()))).code).toBe('E_UNAVAILABLE');
  });
});

describe('the web app’s API client without a Weir server', () => {
  let html: Server;
  let htmlUrl = '';
  beforeAll(async () => {
    // What a development server answers for /api/…: its index.html.
    html = createServer((_req, res) =>
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><div id="root"></div>'),
    );
    await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
    htmlUrl = `http://127.0.0.1:${(html.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => html.close(() => resolve())));

  it('says the server is not reachable when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = new WeirClient({ baseUrl: `http://127.0.0.1:${port}/api/`, token: () => TOKEN });
    const err = await failure(client.deploy(samplePipeline()));
    expect(err.code).toBe('E_UNREACHABLE');
    expect(err.message).toMatch(/npm start/);
  });

  it('says the server is not reachable when a page answers instead of the API', async () => {
    const client = new WeirClient({ baseUrl: `${htmlUrl}/api/`, token: () => TOKEN });
    const err = await failure(client.listDeployments());
    expect(err.code).toBe('E_UNREACHABLE');
    expect(err.message).toMatch(/npm run dev/);
  });
});
