import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_BUILT_PAGE, PAGE_POLICY, SIMULATION_WORKER_POLICY, WORKER_POLICY } from '../../server/src/http/static.ts';
import { webBuildOf } from '../../server/src/http/web-build.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
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

describe('serving before the web app is built', () => {
  const data = tempDataDir();
  const dist = join(data.dir, 'dist');
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ dataDir: data.dir, webDist: dist });
  });
  afterAll(async () => {
    await app.close();
    data.remove();
  });

  it('answers a page request with how to build the editor, serves the API, and serves the build once there is one', async () => {
    const before = await fetch(`${app.url}/pipelines/clicks`, { headers: { Accept: 'text/html' } });
    expect(before.status).toBe(503);
    expect(before.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await before.text()).toBe(NOT_BUILT_PAGE);
    expect(NOT_BUILT_PAGE).toContain('`npm run build`');
    expect((await app.call('/api/pipelines')).status).toBe(200);

    mkdirSync(dist);
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Weir</title>');
    const after = await fetch(`${app.url}/pipelines/clicks`, { headers: { Accept: 'text/html' } });
    expect(after.status).toBe(200);
    expect(await after.text()).toContain('<title>Weir</title>');
  });
});

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

describe('the web build the server serves', () => {
  it('is missing, stale when older than a source, and fresh otherwise', () => {
    const cases = [
      [undefined, 'missing'],
      [new Date('2025-12-01T00:00:00Z'), 'stale'],
      [new Date('2026-02-01T00:00:00Z'), 'fresh'],
    ] as const;
    for (const [builtAt, state] of cases) {
      const { root, remove } = checkout(builtAt);
      try {
        expect(webBuildOf(root)).toEqual({ dist: join(root, 'web/dist'), state });
      } finally {
        remove();
      }
    }
  });

  it('is never built by the server: no module of server/src imports Vite', () => {
    const importsVite: string[] = [];
    const visit = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) visit(path);
        else if (/from ['"]vite['"]|import\(\s*['"]vite['"]/.test(readFileSync(path, 'utf8'))) importsVite.push(path);
      }
    };
    visit(join(REPO_ROOT, 'server/src'));
    expect(importsVite).toEqual([]);
  });
});

/**
 * `npm start`'s prestart step, tools/web-build.mjs, run in a copy of the checkout whose Vite is a stand-in: it notes
 * its arguments in vite-calls.txt and writes web/dist/index.html, or fails when FAIL_BUILD is set.
 */
describe('building the web app before npm start', () => {
  function prestartCheckout(builtAt?: Date): { root: string; remove(): void } {
    const made = checkout(builtAt);
    const { root } = made;
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
    mkdirSync(join(root, 'tools'));
    copyFileSync(join(REPO_ROOT, 'tools/web-build.mjs'), join(root, 'tools/web-build.mjs'));
    mkdirSync(join(root, 'server/src/http'), { recursive: true });
    copyFileSync(join(REPO_ROOT, 'server/src/http/web-build.ts'), join(root, 'server/src/http/web-build.ts'));
    mkdirSync(join(root, 'node_modules/vite/bin'), { recursive: true });
    writeFileSync(
      join(root, 'node_modules/vite/package.json'),
      JSON.stringify({ name: 'vite', type: 'module', bin: { vite: 'bin/vite.js' } }),
    );
    writeFileSync(
      join(root, 'node_modules/vite/bin/vite.js'),
      [
        "import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';",
        "appendFileSync('vite-calls.txt', process.argv.slice(2).join(' ') + '\\n');",
        "if (process.env.FAIL_BUILD) { console.error('vite failed'); process.exit(1); }",
        "mkdirSync('web/dist', { recursive: true });",
        "writeFileSync('web/dist/index.html', 'new build');",
      ].join('\n'),
    );
    // Its own files are sources too: dated with the others, so a build from 2026-02 is newer than all of them.
    const sourcesAt = new Date('2026-01-01T00:00:00Z');
    for (const path of ['package.json', 'web']) utimesSync(join(root, path), sourcesAt, sourcesAt);
    return made;
  }

  function prestart(root: string, env: Record<string, string> = {}) {
    const run = spawnSync(process.execPath, ['tools/web-build.mjs'], {
      cwd: root,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    const callsFile = join(root, 'vite-calls.txt');
    const calls = existsSync(callsFile) ? readFileSync(callsFile, 'utf8').trim().split('\n') : [];
    return { code: run.status, stdout: run.stdout, stderr: run.stderr, calls };
  }

  it('builds a missing build with `vite build --config web/vite.config.ts`, and leaves a fresh one alone', () => {
    const { root, remove } = prestartCheckout();
    try {
      const first = prestart(root);
      expect(first.code).toBe(0);
      expect(first.calls).toEqual(['build --config web/vite.config.ts --logLevel warn']);
      expect(first.stdout).toContain('Building the editor (first start only');
      expect(readFileSync(join(root, 'web/dist/index.html'), 'utf8')).toBe('new build');

      const again = prestart(root);
      expect(again.code).toBe(0);
      expect(again.calls).toHaveLength(1);
      expect(again.stdout).toBe('');
    } finally {
      remove();
    }
  });

  it('rebuilds a stale build; when that fails it keeps the previous one and lets the server start', () => {
    const { root, remove } = prestartCheckout(new Date('2025-12-01T00:00:00Z'));
    try {
      const failed = prestart(root, { FAIL_BUILD: '1' });
      expect(failed.code).toBe(0);
      expect(failed.stdout).toContain('Rebuilding the editor: its sources changed');
      expect(failed.stderr).toContain('Rebuilding the editor failed (see above); serving the previous build.');
      expect(readFileSync(join(root, 'web/dist/index.html'), 'utf8')).toBe('old build');

      const rebuilt = prestart(root);
      expect(rebuilt.code).toBe(0);
      expect(rebuilt.calls).toHaveLength(2);
      expect(readFileSync(join(root, 'web/dist/index.html'), 'utf8')).toBe('new build');
    } finally {
      remove();
    }
  });

  it('stops npm start when the first build fails', () => {
    const { root, remove } = prestartCheckout();
    try {
      const failed = prestart(root, { FAIL_BUILD: '1' });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('Building the editor failed (see above). `npm run build` tries again');
    } finally {
      remove();
    }
  });
});
