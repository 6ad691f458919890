/**
 * `weir simulate` runs user code in an isolate of its own: it reaches its record, `ctx` and JavaScript's built-ins,
 * never the process (environment, files, child processes, network), and what the budget guard cannot stop (a
 * backtracking regular expression) or memory outside the JS heap is stopped from outside, naming the node.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PATIENCE_MS } from '../patience.ts';
import { lines, ROOT, type WeirRun } from './run-weir.ts';

const dir = mkdtempSync(join(tmpdir(), 'weir-isolation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** examples/high-ids with its filter replaced by a map running `code`. */
function pipelineWith(name: string, code: string): string {
  const doc = JSON.parse(readFileSync(join(ROOT, 'examples/high-ids.weir.json'), 'utf8'));
  doc.id = `isolation-${name}`;
  doc.tests = [];
  doc.nodes[1] = { id: 'probe', type: 'map', params: { code: [code] } };
  doc.edges = [
    { from: 'records', to: 'probe' },
    { from: 'probe', to: 'highIds' },
  ];
  const file = join(dir, `${name}.weir.json`);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

function simulate(file: string, env: Record<string, string> = {}): Promise<WeirRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/weir.js', 'simulate', file],
      { cwd: ROOT, timeout: PATIENCE_MS, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

function firstValue(run: WeirRun): unknown {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return (JSON.parse(lines(run.stdout)[0]!) as { value: unknown }).value;
}

describe('user code in weir simulate', () => {
  it('sees no process, require, module loader, timers or network, and no environment variable', async () => {
    const code = `export default () => {
      const g: any = globalThis;
      const names = ['process', 'require', 'module', 'Buffer', 'fetch', 'XMLHttpRequest', 'WebSocket', 'setTimeout', 'setInterval', 'queueMicrotask', 'SharedArrayBuffer', 'Atomics', 'WebAssembly'];
      let viaFunction = 'none';
      try { viaFunction = typeof (Function('return this')() as any).process; } catch (e) { viaFunction = 'threw'; }
      return { present: names.filter((n) => g[n] !== undefined), viaFunction, secret: JSON.stringify(g.process?.env?.WEIR_ISOLATION_SECRET ?? null) };
    };`;
    const value = firstValue(await simulate(pipelineWith('globals', code), { WEIR_ISOLATION_SECRET: 'hunter2' }));
    expect(value).toEqual({ present: [], viaFunction: 'undefined', secret: 'null' });
  });

  it('cannot climb from a record to the host through constructors or prototypes', async () => {
    const direct = await simulate(
      pipelineWith(
        'climb',
        `export default (value: any) => Object.getPrototypeOf(value).constructor.constructor('return typeof process === "undefined" ? "isolated" : "host"')();`,
      ),
    );
    expect(firstValue(direct)).toBe('isolated');
  });

  it('refuses code that touches the budget guard', async () => {
    const run = await simulate(
      pipelineWith('guard', 'export default (v: unknown) => { __guard = () => {}; while (true) {} }'),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('nodes[1].params.code: E_UDF_RESERVED');
  });

  it('stops a regular expression that backtracks forever, naming the node, after ten budgets of CPU time', async () => {
    const run = await simulate(pipelineWith('regex', "export default () => /^(a+)+$/.test('a'.repeat(40) + 'b');"), {
      WEIR_UDF_BUDGET_MS: '200',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('node "probe": user code used');
    expect(run.stderr).toContain('of CPU time in one call without returning');
  });

  it('counts ArrayBuffers against the memory limit', async () => {
    const code =
      'const keep: ArrayBuffer[] = []; export default () => { for (let i = 0; i < 64; i++) keep.push(new ArrayBuffer(32 * 1024 * 1024)); return keep.length; };';
    const run = await simulate(pipelineWith('memory', code), { WEIR_SIMULATION_MEMORY_MB: '256' });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/node "probe" failed: Array buffer allocation failed|memory limit of 256 MB/);
  });
});
