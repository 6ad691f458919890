import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, tempDataDir, type RunningApp } from './support.ts';

describe('serving the built web app', () => {
  const data = tempDataDir();
  const dist = join(data.dir, 'dist');
  let app: RunningApp;
  beforeAll(async () => {
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Weir</title>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1);');
    app = await startApp({ dataDir: data.dir, webDist: dist });
  });
  afterAll(async () => {
    await app.close();
    data.remove();
  });

  it('serves index.html at / and for other pages, without the token and never from cache', async () => {
    for (const path of ['/', '/?token=abc', '/pipelines/clicks']) {
      const res = await fetch(app.url + path, { headers: { Accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<title>Weir</title>');
    }
  });

  it('serves hashed assets as immutable and answers 404 for a missing one instead of the page', async () => {
    const asset = await fetch(`${app.url}/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    const missing = await fetch(`${app.url}/assets/index-old999.js`, { headers: { Accept: '*/*' } });
    expect(missing.status).toBe(404);
  });

  it('keeps /api behind the token and never answers it with the page', async () => {
    const res = await fetch(`${app.url}/api/pipelines`, { headers: { Accept: 'text/html' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });
});
