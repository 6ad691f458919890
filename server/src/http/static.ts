/**
 * The built web app (web/dist): files as they are, and index.html for any other GET that asks for HTML, so
 * client-side routes survive a reload. Vite puts content hashes in asset names, so those may be cached for long;
 * index.html never is, so a rebuilt app is picked up at once.
 */
import { existsSync } from 'node:fs';
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

/**
 * The built web app's directory, building it first when it is missing (a fresh checkout). Vite is loaded only
 * then, so a server with a build never loads the bundler. Undefined when there is nothing to build from.
 */
export async function ensureWebBuild(root: string, say: (line: string) => void): Promise<string | undefined> {
  const dist = join(root, 'web/dist');
  if (existsSync(join(dist, 'index.html'))) return dist;
  const configFile = join(root, 'web/vite.config.ts');
  if (!existsSync(configFile)) {
    say('The web app is not built and web/vite.config.ts is missing: serving the API only.');
    return undefined;
  }
  say('Building the web app (first start only; about a minute)…');
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile, logLevel: 'warn' });
  if (!existsSync(join(dist, 'index.html'))) throw new Error(`the web build finished but ${join(dist, 'index.html')} is missing`);
  say(`Built the web app in ${Math.round((Date.now() - started) / 1000)} s.`);
  return dist;
}
