/**
 * The built web app (web/dist): files as they are, and index.html for any other GET that asks for HTML, so
 * client-side routes survive a reload. Vite puts content hashes in asset names, so those may be cached for long;
 * index.html never is, so a rebuilt app is picked up at once. Every answer carries the app's security headers.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ServerResponse } from 'node:http';
import express, { type RequestHandler, type Router } from 'express';

/**
 * What the editor's page may load and do: its own scripts, styles, fonts and workers, and requests to its own
 * server (the API, its event streams) — nothing from another origin, no inline script, no eval, no plugins, no
 * <base>, and no other page may frame it. Monaco and React set styles on elements and Monaco writes <style> tags,
 * hence inline styles; the favicon is a data: URL. Downloads (Export) are blob: links, which CSP does not govern.
 */
export const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * A dedicated worker runs under the policy its script is served with, not the page's. Monaco's workers load their
 * modules and evaluate nothing.
 */
export const WORKER_POLICY = "default-src 'none'; script-src 'self'; frame-ancestors 'none'";

/**
 * The simulation worker (web/src/simulation/simulation.worker.ts, built as `simulation.worker-<hash>.js`) turns the
 * compiled user functions into functions (`new Function`, shared/udf/compile.ts), so it may evaluate strings; it may
 * reach nothing, so the code it simulates cannot send anything anywhere.
 */
export const SIMULATION_WORKER_POLICY = "default-src 'none'; script-src 'self' 'unsafe-eval'; frame-ancestors 'none'";

function securityHeaders(res: ServerResponse, policy: string): void {
  res.setHeader('Content-Security-Policy', policy);
  res.setHeader('X-Frame-Options', 'DENY');
  // The page's address carries the API token (?token=…): no request it makes may pass it on.
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/** A script's policy is the one it runs under if it is started as a worker; any other file gets the page's. */
function policyOf(path: string): string {
  if (!path.endsWith('.js')) return PAGE_POLICY;
  return basename(path).startsWith('simulation.worker-') ? SIMULATION_WORKER_POLICY : WORKER_POLICY;
}

export function webAppRouter(distDir: string): Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    securityHeaders(res, PAGE_POLICY);
    next();
  });
  const setHeaders = (res: ServerResponse, path: string) => securityHeaders(res, policyOf(path));
  router.use(
    '/assets',
    express.static(join(distDir, 'assets'), { immutable: true, maxAge: '1y', index: false, setHeaders }),
  );
  router.use(express.static(distDir, { index: false, maxAge: 0, setHeaders }));
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
export async function ensureWebBuild(
  root: string,
  say: (line: string) => void,
  build: WebBuild = viteBuild,
): Promise<string | undefined> {
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
  say(
    built
      ? 'Rebuilding the web app: its sources changed since the last build…'
      : 'Building the web app (first start only; about a minute)…',
  );
  const started = Date.now();
  try {
    await build(configFile);
    if (!existsSync(index)) throw new Error(`the web build finished but ${index} is missing`);
  } catch (err) {
    if (!built || !existsSync(index)) throw err;
    say(
      `Rebuilding the web app failed (${(err as Error).message}); serving the previous build. \`npm run build\` shows the whole output.`,
    );
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
