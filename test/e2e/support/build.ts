/**
 * Builds the web app (`vite build`, as `npm run build` does) when web/dist is older than its sources, so a run of
 * several end-to-end files builds once.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { webBuildOf } from '../../../server/src/http/web-build.ts';

export const repoRoot = join(import.meta.dirname, '../../..');
export const distDir = join(repoRoot, 'web/dist');

export function ensureBuilt(): void {
  if (webBuildOf(repoRoot).state === 'fresh') return;
  const result = spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
}
