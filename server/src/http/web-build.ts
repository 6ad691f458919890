/**
 * The built editor (web/dist) and whether it is up to date, without Vite: the server only serves a build, and
 * `npm start` builds one first when it is missing or older than its sources (tools/web-build.mjs, which imports this
 * file with Node's own type stripping, so it takes nothing but Node's built-ins).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What the web app is built from: a build older than any of these is stale (a `git pull`, a local edit). */
const WEB_SOURCES = ['web', 'shared', 'examples', 'package.json'];

export interface WebBuild {
  /** The directory the server serves the editor from. */
  dist: string;
  /** `stale`: older than a file it is built from; sources that are not there (an installed server) never are. */
  state: 'missing' | 'stale' | 'fresh';
}

/** The editor's build of the checkout at `root`. */
export function webBuildOf(root: string): WebBuild {
  const dist = join(root, 'web/dist');
  const index = join(dist, 'index.html');
  if (!existsSync(index)) return { dist, state: 'missing' };
  return { dist, state: statSync(index).mtimeMs >= newestSource(root) ? 'fresh' : 'stale' };
}

function newestSource(root: string): number {
  let newest = 0;
  const visit = (path: string) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    newest = Math.max(newest, stat.mtimeMs);
    if (!stat.isDirectory()) return;
    for (const entry of readdirSync(path)) {
      if (entry === 'dist' || entry === 'node_modules' || entry.startsWith('.')) continue;
      visit(join(path, entry));
    }
  };
  for (const source of WEB_SOURCES) visit(join(root, source));
  return newest;
}
