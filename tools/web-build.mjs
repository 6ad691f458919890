// `npm start`'s first step (package.json "prestart"): builds the editor with Vite when its build (web/dist) is missing,
// as in a fresh clone, or older than its sources, as after a `git pull`, so that the editor simulates with the same
// engine the server deploys with. The server itself only serves a build (server/src/http/web-build.ts says which).
// A failed first build stops `npm start`; a failed rebuild keeps the previous build, with a warning.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { webBuildOf } from '../server/src/http/web-build.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const config = 'web/vite.config.ts';

/** Vite's command-line entry, or null when it is not installed (an install without the development dependencies). */
function viteBin() {
  try {
    const manifest = createRequire(import.meta.url).resolve('vite/package.json');
    const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
    return join(dirname(manifest), typeof bin === 'string' ? bin : bin.vite);
  } catch {
    return null;
  }
}

const { state } = webBuildOf(root);
if (state === 'fresh' || !existsSync(join(root, config))) process.exit(0);

const vite = viteBin();
if (vite === null) {
  console.warn(
    state === 'missing'
      ? 'The editor is not built and Vite is not installed (`npm install` installs it): the server serves the API only.'
      : 'The editor was built before its sources last changed and Vite is not installed (`npm install` installs it): serving that build.',
  );
  process.exit(0);
}

console.log(
  state === 'missing'
    ? 'Building the editor (first start only; about a minute)…'
    : 'Rebuilding the editor: its sources changed since the last build…',
);
const started = Date.now();
const run = spawnSync(process.execPath, [vite, 'build', '--config', config, '--logLevel', 'warn'], {
  cwd: root,
  stdio: 'inherit',
});
if (run.status === 0 && webBuildOf(root).state !== 'missing') {
  console.log(`Built the editor in ${Math.round((Date.now() - started) / 1000)} s.`);
  process.exit(0);
}
if (state === 'stale' && webBuildOf(root).state !== 'missing') {
  console.warn('Rebuilding the editor failed (see above); serving the previous build. `npm run build` tries again.');
  process.exit(0);
}
console.error('Building the editor failed (see above). `npm run build` tries again and shows the whole output.');
process.exit(1);
