import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PATIENCE_MS } from '../patience.ts';
import { ROOT } from './run-weir.ts';

function serve(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/weir.js', 'serve'], { cwd: ROOT, env: { ...process.env, ...env }, timeout: PATIENCE_MS }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
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
    expect(run.stderr).toBe(`weir serve: cannot keep the API token in ${join(dataDir, 'token')}: a file is in the way of the directory; set WEIR_DATA_DIR to a directory you can write\n`);
  });
});
