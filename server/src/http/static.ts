/**
 * The built web app (web/dist): files as they are, and index.html for any other GET that asks for HTML, so
 * client-side routes survive a reload. Vite puts content hashes in asset names, so those may be cached for long;
 * index.html never is, so a rebuilt app is picked up at once.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import express, { type RequestHandler, type Router } from 'express';

export function webAppRouter(distDir: string): Router {
  const router = express.Router();
  router.use(
    '/assets',
    express.static(join(distDir, 'assets'), { immutable: true, maxAge: '1y', index: false }),
  );
  router.use(express.static(distDir, { index: false, maxAge: 0 }));
  router.use(spaFallback(join(distDir, 'index.html')));
  return router;
}

const FILE_NAME = /\.[A-Za-z0-9]+$/;

function spaFallback(indexHtml: string): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // A missing file (a stale asset name) is a 404, not the app's page served as JavaScript.
    if (FILE_NAME.test(req.path) || !req.accepts('html') || !existsSync(indexHtml)) return next();
    res.set('Cache-Control', 'no-cache').sendFile(indexHtml);
  };
}

/** What the web app is built from: a build older than any of these is stale (a `git pull`, a local edit). */
const WEB_SOURCES = ['web', 'shared', 'examples', 'package.json'];

/** Runs the web build of `root`; the default loads Vite only when a build is needed. */
export type WebBuild = (configFile: string) => Promise<void>;

const viteBuild: WebBuild = async (configFile) => {
  const { build } = await import('vite');
  await build({ configFile, logLevel: 'warn' });
};

/**
 * The built web app's directory, building it first when it is missing (a fresh checkout) or older than its sources
 * (an update), so the editor always simulates with the same engine the server deploys with. A failed rebuild keeps
 * the previous build, with a warning; a failed first build is an error. Undefined when there is nothing to build from.
 */
export async function ensureWebBuild(root: string, say: (line: string) => void, build: WebBuild = viteBuild): Promise<string | undefined> {
  const dist = join(root, 'web/dist');
  const index = join(dist, 'index.html');
  const configFile = join(root, 'web/vite.config.ts');
  const built = existsSync(index);
  if (!existsSync(configFile)) {
    if (built) return dist;
    say('The web app is not built and web/vite.config.ts is missing: serving the API only.');
    return undefined;
  }
  if (built && statSync(index).mtimeMs >= newestSource(root)) return dist;
  say(built ? 'Rebuilding the web app: its sources changed since the last build…' : 'Building the web app (first start only; about a minute)…');
  const started = Date.now();
  try {
    await build(configFile);
    if (!existsSync(index)) throw new Error(`the web build finished but ${index} is missing`);
  } catch (err) {
    if (!built || !existsSync(index)) throw err;
    say(`Rebuilding the web app failed (${(err as Error).message}); serving the previous build. \`npm run build\` shows the whole output.`);
    return dist;
  }
  say(`Built the web app in ${Math.round((Date.now() - started) / 1000)} s.`);
  return dist;
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
