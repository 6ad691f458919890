/**
 * The built web app (web/dist): files as they are, and index.html for any other GET that asks for HTML, so
 * client-side routes survive a reload. Vite puts content hashes in asset names, so those may be cached for long;
 * index.html never is, so a rebuilt app is picked up at once. Every answer carries the app's security headers.
 * The server never builds the app (Vite is a development dependency; web-build.ts): while there is no build, a page
 * request is answered with how to make one, and the build is served from the first request after it exists.
 */
import { existsSync } from 'node:fs';
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

/** What a page request gets while the editor is not built. */
export const NOT_BUILT_PAGE =
  'The Weir editor is not built yet: run `npm run build` in the Weir checkout (or start the server with `npm start`, which builds it first), then reload this page. The API under /api works meanwhile.\n';

function spaFallback(indexHtml: string): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // A missing file (a stale asset name) is a 404, not the app's page served as JavaScript.
    if (FILE_NAME.test(req.path) || !req.accepts('html')) return next();
    if (!existsSync(indexHtml)) {
      res.status(503).set('Cache-Control', 'no-cache').type('text/plain').send(NOT_BUILT_PAGE);
      return;
    }
    res.set('Cache-Control', 'no-cache').sendFile(indexHtml);
  };
}
