/**
 * Builds the web app (`vite build`, as `npm run build` does) when web/dist is older than its sources, so a run of
 * several end-to-end files builds once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '../../..');
export const distDir = join(repoRoot, 'web/dist');

const SOURCES = ['web', 'shared', 'examples', 'package.json'];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'dist' || entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

export function ensureBuilt(): void {
  const index = join(distDir, 'index.html');
  if (existsSync(index)) {
    const built = statSync(index).mtimeMs;
    const sources = Math.max(...SOURCES.map((p) => newestMtime(join(repoRoot, p))));
    if (built > sources) return;
  }
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
