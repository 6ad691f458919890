import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PATIENCE_MS } from '../patience.ts';
import { ROOT } from './run-weir.ts';

function serve(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/weir.js', 'serve'],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: PATIENCE_MS },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

describe('weir serve', () => {
  const base = mkdtempSync(join(tmpdir(), 'weir-serve-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('names the data directory it cannot use as a configuration mistake, not an internal error', async () => {
    writeFileSync(join(base, 'file'), '');
    const dataDir = join(base, 'file', 'data');
    // An unused port and a broker that is never contacted: the data directory fails before either matters.
    const run = await serve({ WEIR_DATA_DIR: dataDir, PORT: '0', KAFKA_BROKERS: '127.0.0.1:1', WEIR_TOKEN: '' });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `weir serve: cannot keep the server's lock in ${join(dataDir, 'server.lock')}: a file is in the way of the directory; set WEIR_DATA_DIR to a directory you can write\n`,
    );
  });
});

const TOKEN = 'serve-test-token-0123456789';

interface RunningServe {
  child: ChildProcess;
  url: string;
  output(): string;
  /** SIGTERM, as Ctrl-C: resolves with the exit code once it has exited. */
  stop(): Promise<number | null>;
}

/**
 * `weir serve` left running, on a port the system picks, with a broker address nothing listens on (the server talks to
 * Kafka only for deployments, and there are none). Resolves once it prints its address.
 */
async function startServe(dataDir: string, env: Record<string, string> = {}): Promise<RunningServe> {
  const child = spawn(process.execPath, ['bin/weir.js', 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      WEIR_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      KAFKA_BROKERS: '127.0.0.1:1',
      WEIR_TOKEN: TOKEN,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`weir serve printed no address within ${PATIENCE_MS / 1000} s:\n${output}`)),
      PATIENCE_MS,
    );
    child.stdout!.on('data', () => {
      const match = /Weir is running at (http:\/\/[^/\s]+)\//.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`weir serve exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    child,
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A pid no process has: one that just exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.once('exit', () => resolve(child.pid!));
  });
}

describe('weir serve and its data directory lock', () => {
  const base = mkdtempSync(join(tmpdir(), 'weir-serve-lock-'));
  const running: RunningServe[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.stop()));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('refuses a second server on the same data directory, naming the first one, while the first keeps answering', async () => {
    const dataDir = join(base, 'shared');
    const first = await startServe(dataDir);
    running.push(first);
    const second = await serve({
      WEIR_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      KAFKA_BROKERS: '127.0.0.1:1',
      WEIR_TOKEN: TOKEN,
    });
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `weir serve: another Weir server (pid ${first.child.pid}) is using the data directory ${dataDir}; stop it or set WEIR_DATA_DIR to another directory\n`,
    );
    expect(second.stdout).toBe('');

    const answer = await fetch(`${first.url}/api/info`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(answer.status).toBe(200);
    expect(JSON.parse(readFileSync(join(dataDir, 'server.lock'), 'utf8')).pid).toBe(first.child.pid);

    // A clean stop releases the directory.
    running.splice(0);
    expect(await first.stop()).toBe(0);
    expect(existsSync(join(dataDir, 'server.lock'))).toBe(false);
  });

  it('takes over the lock a crashed server left behind (its pid is gone)', async () => {
    const dataDir = join(base, 'crashed');
    const crashed = await deadPid();
    // What a server killed with kill -9 leaves: its lock file, naming a process that no longer runs.
    mkdirSync(dataDir);
    writeFileSync(
      join(dataDir, 'server.lock'),
      JSON.stringify({ pid: crashed, host: hostname(), startedAt: Date.now() - 60_000 }) + '\n',
    );

    const server = await startServe(dataDir);
    running.push(server);
    expect((await fetch(`${server.url}/api/info`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect(JSON.parse(readFileSync(join(dataDir, 'server.lock'), 'utf8')).pid).toBe(server.child.pid);
  });
});

describe('weir serve and a deployment record it cannot read', () => {
  const base = mkdtempSync(join(tmpdir(), 'weir-serve-records-'));
  const running: RunningServe[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.stop()));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('starts, serves the other deployments, and warns once in its log, naming the file it moved aside', async () => {
    const dataDir = join(base, 'data');
    const records = join(dataDir, 'deployments');
    mkdirSync(records, { recursive: true });
    const pipeline = { format: 'weir/v1', id: 'kept', name: 'Kept', nodes: [], edges: [] };
    const kept = { id: 'kept', pipeline, desired: 'stopped', version: 1, deployedAt: 1, allowStateLoss: false };
    writeFileSync(join(records, 'kept.json'), JSON.stringify(kept));
    writeFileSync(join(records, 'broken.json'), '{"id": "broken", "pipeli');

    const server = await startServe(dataDir, { WEIR_LOG_LEVEL: 'warn' });
    running.push(server);
    const answer = await fetch(`${server.url}/api/deployments`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(answer.status).toBe(200);
    const listed = (await answer.json()) as { deployments: Array<{ id: string; status: string }> };
    expect(listed.deployments.map((d) => [d.id, d.status])).toEqual([['kept', 'stopped']]);

    const warnings = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: string; msg: string })
      .filter((line) => line.msg.includes('broken.json'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe('warn');
    expect(warnings[0]!.msg).toMatch(
      /^the deployment record broken\.json cannot be read \(.*\); it was moved to .*broken\.json\.unreadable-\d+ and is not loaded$/,
    );
    expect(readdirSync(records).sort()).toEqual([expect.stringMatching(/^broken\.json\.unreadable-\d+$/), 'kept.json']);
  });
});
