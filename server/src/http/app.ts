/**
 * The Express app: the JSON API under /api (token required) and, when given, the built web app. Everything the
 * app touches comes in through `AppOptions`, so tests build one in-process against a temporary data dir.
 */
import { join } from 'node:path';
import express, { type Express } from 'express';
import { logger } from '../log.ts';
import { PipelineStore } from '../storage/pipeline-store.ts';
import { requireToken } from './auth.ts';
import { jsonBody } from './body.ts';
import { errorHandler, notFound } from './errors.ts';
import { pipelinesRouter } from './pipelines.ts';
import { deploymentsRouter, serverInfo, type DeploymentBackend } from './deployments.ts';
import { webAppRouter } from './static.ts';

export interface AppOptions {
  dataDir: string;
  token: string;
  /** Null (the default) answers every /api/deployments call with 503 E_UNAVAILABLE. Its `flinkTarget()` is GET /api/info's. */
  deployments?: DeploymentBackend | null;
  /** The built web app to serve at `/`; none when absent. */
  webDist?: string;
  /** Where unexpected errors are reported; default the server's log (log.ts). */
  log?: (message: string, err: unknown) => void;
}

export function createApp(options: AppOptions): Express {
  const log = options.log ?? ((message, err) => logger.error({ err }, message));
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });

  const api = express.Router();
  api.use(requireToken(options.token));
  api.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  api.use(jsonBody);
  api.use('/pipelines', pipelinesRouter(new PipelineStore(join(options.dataDir, 'pipelines'))));
  api.use('/deployments', deploymentsRouter(options.deployments ?? null, log));
  api.get('/info', (_req, res) => res.json(serverInfo(options.deployments ?? null)));
  api.use(notFound);
  app.use('/api', api);

  if (options.webDist) app.use(webAppRouter(options.webDist));
  app.use(notFound);
  app.use(errorHandler(log));
  return app;
}
