import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild, PAGE_POLICY, SIMULATION_WORKER_POLICY, WORKER_POLICY } from '../../server/src/http/static.ts';
import { startApp, tempDataDir, type RunningApp } from './support.ts';

describe('serving the built web app', () => {
  const data = tempDataDir();
  const dist = join(data.dir, 'dist');
  let app: RunningApp;
  beforeAll(async () => {
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Weir</title>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1);');
    writeFileSync(join(dist, 'assets', 'index-abc123.css'), 'body {}');
    writeFileSync(join(dist, 'assets', 'ts.worker-abc123.js'), 'console.log(2);');
    writeFileSync(join(dist, 'assets', 'simulation.worker-abc123.js'), 'console.log(3);');
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

  it('serves the page with a Content-Security-Policy of its own origin only, and forbids framing it', async () => {
    for (const path of ['/', '/pipelines/clicks', '/assets/index-abc123.css']) {
      const res = await fetch(app.url + path, { headers: { Accept: 'text/html,*/*' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toBe(PAGE_POLICY);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const directives = Object.fromEntries(
      PAGE_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]),
    );
    expect(directives).toMatchObject({
      'default-src': "'self'",
      'script-src': "'self'",
      'connect-src': "'self'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
    });
    expect(PAGE_POLICY).not.toMatch(/unsafe-eval|\*|https?:/);
  });

  it('serves each script with the policy it runs under as a worker: only the simulation worker may evaluate code, and no worker may fetch', async () => {
    const policyOf = async (path: string) => (await fetch(app.url + path)).headers.get('content-security-policy');
    expect(await policyOf('/assets/simulation.worker-abc123.js')).toBe(SIMULATION_WORKER_POLICY);
    expect(await policyOf('/assets/ts.worker-abc123.js')).toBe(WORKER_POLICY);
    expect(await policyOf('/assets/index-abc123.js')).toBe(WORKER_POLICY);
    expect(SIMULATION_WORKER_POLICY).toContain("'unsafe-eval'");
    expect(WORKER_POLICY).not.toContain("'unsafe-eval'");
    for (const policy of [WORKER_POLICY, SIMULATION_WORKER_POLICY]) expect(policy).toMatch(/^default-src 'none'; /);
    expect(SIMULATION_WORKER_POLICY).not.toMatch(/connect-src/);
  });

  it('keeps /api behind the token and never answers it with the page', async () => {
    const res = await fetch(`${app.url}/api/pipelines`, { headers: { Accept: 'text/html' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });
});

describe('building the web app on start', () => {
  /** A checkout with a web build config, one source file and (when `builtAt` is given) a build of that age. */
  function checkout(builtAt?: Date): { root: string; remove(): void } {
    const data = tempDataDir();
    const root = data.dir;
    mkdirSync(join(root, 'web/src'), { recursive: true });
    writeFileSync(join(root, 'web/vite.config.ts'), '');
    writeFileSync(join(root, 'web/src/main.ts'), '');
    const sourcesAt = new Date('2026-01-01T00:00:00Z');
    for (const path of ['web/src/main.ts', 'web/src', 'web/vite.config.ts', 'web'])
      utimesSync(join(root, path), sourcesAt, sourcesAt);
    if (builtAt) {
      mkdirSync(join(root, 'web/dist'));
      writeFileSync(join(root, 'web/dist/index.html'), 'old build');
      utimesSync(join(root, 'web/dist/index.html'), builtAt, builtAt);
      utimesSync(join(root, 'web/dist'), builtAt, builtAt);
      utimesSync(join(root, 'web'), sourcesAt, sourcesAt);
    }
    return { root, remove: data.remove };
  }
  const building = (root: string, fail = false) => {
    const calls: string[] = [];
    const build = async (configFile: string) => {
      calls.push(configFile);
      if (fail) throw new Error('vite failed');
      writeFileSync(join(root, 'web/dist/index.html'), 'new build');
    };
    return { calls, build };
  };

  it('keeps a build that is newer than every source', async () => {
    const { root, remove } = checkout(new Date('2026-02-01T00:00:00Z'));
    try {
      const { calls, build } = building(root);
      expect(await ensureWebBuild(root, () => {}, build)).toBe(join(root, 'web/dist'));
      expect(calls).toEqual([]);
    } finally {
      remove();
    }
  });

  it('rebuilds a build that is older than a source, as after an update', async () => {
    const { root, remove } = checkout(new Date('2025-12-01T00:00:00Z'));
    try {
      const said: string[] = [];
      const { calls, build } = building(root);
      expect(await ensureWebBuild(root, (line) => said.push(line), build)).toBe(join(root, 'web/dist'));
      expect(calls).toEqual([join(root, 'web/vite.config.ts')]);
      expect(readFileSync(join(root, 'web/dist/index.html'), 'utf8')).toBe('new build');
      expect(said[0]).toBe('Rebuilding the web app: its sources changed since the last build…');
    } finally {
      remove();
    }
  });

  it('serves the previous build with a warning when a rebuild fails, and fails when there is none', async () => {
    const stale = checkout(new Date('2025-12-01T00:00:00Z'));
    const none = checkout();
    try {
      const said: string[] = [];
      expect(await ensureWebBuild(stale.root, (line) => said.push(line), building(stale.root, true).build)).toBe(
        join(stale.root, 'web/dist'),
      );
      expect(said.at(-1)).toMatch(/^Rebuilding the web app failed \(vite failed\); serving the previous build/);
      await expect(ensureWebBuild(none.root, () => {}, building(none.root, true).build)).rejects.toThrow('vite failed');
    } finally {
      stale.remove();
      none.remove();
    }
  });
});
