/** `/api/deployments` — see shared/api/deployments.ts for the protocol and its events — and `/api/info`. */
import { Router } from 'express';
import { validatePipeline } from '../../../shared/validation/validate.ts';
import {
  DEPLOYMENT_TARGETS,
  type DeployResponse,
  type DeploymentHistory,
  type DeploymentListResponse,
  type DeploymentInfo,
  type DeploymentTarget,
} from '../../../shared/api/deployments.ts';
import type { DeploymentManager } from '../deployments/manager.ts';
import type { ServerInfo } from '../../../shared/api/info.ts';
import { FLINK_SETUP, WEIR_PARALLELISM } from '../deployments/types.ts';
import { HttpError, validationError } from './errors.ts';
import { requireBody } from './body.ts';
import { SseStream } from './sse.ts';

/**
 * What the HTTP layer uses of the deployment runtime (a DeploymentService, or a DeploymentManager alone: Weir target
 * only). Its `DeploymentError`s map to statuses in errors.ts.
 */
export type DeploymentBackend = Pick<
  DeploymentManager,
  'deploy' | 'list' | 'get' | 'history' | 'stop' | 'resume' | 'remove' | 'subscribe' | 'tail'
> & {
  /** The Flink cluster behind the "flink" target; absent or null when there is none. */
  flinkTarget?(): { restUrl: string } | null;
};

const DEPLOY_BODY =
  '{ "pipeline": <document>, "allowStateLoss"?: boolean, "target"?: "weir" | "flink", "parallelism"?: number }';

export function deploymentsRouter(
  deployments: DeploymentBackend | null,
  log: (message: string, err: unknown) => void,
): Router {
  const router = Router();
  if (!deployments) {
    router.use((_req, _res, next) =>
      next(new HttpError(503, 'E_UNAVAILABLE', 'deployments are not enabled on this server (it runs without Kafka)')),
    );
    return router;
  }

  router.get('/', (_req, res) => {
    const body: DeploymentListResponse = { deployments: deployments.list() };
    res.json(body);
  });

  router.post('/', async (req, res) => {
    const body = requireBody(req.body, DEPLOY_BODY);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HttpError(400, 'E_BAD_REQUEST', `the body must be an object ${DEPLOY_BODY}`);
    }
    const { pipeline, allowStateLoss, target, parallelism, ...rest } = body as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (pipeline === undefined && 'format' in rest && 'nodes' in rest) {
      throw new HttpError(
        400,
        'E_BAD_REQUEST',
        `the body is a pipeline document itself; send it wrapped: ${DEPLOY_BODY}`,
      );
    }
    if (unknown.length > 0) {
      throw new HttpError(
        400,
        'E_BAD_REQUEST',
        `unknown field ${unknown.map((k) => `"${k}"`).join(', ')}; the body is ${DEPLOY_BODY}`,
      );
    }
    if (pipeline === undefined)
      throw new HttpError(400, 'E_BAD_REQUEST', 'the body needs "pipeline": the pipeline document to deploy');
    if (allowStateLoss !== undefined && typeof allowStateLoss !== 'boolean') {
      throw new HttpError(400, 'E_BAD_REQUEST', '"allowStateLoss" must be true or false');
    }
    const options = deployOptions(target, parallelism, deployments);
    const result = validatePipeline(pipeline);
    if (!result.ok) throw validationError(result.problems, 'the pipeline to deploy');
    const deployed = await deployments.deploy(result.pipeline, { ...options, allowStateLoss: allowStateLoss === true });
    const answer: DeployResponse = { id: deployed.id, status: deployed.status };
    res
      .status(201)
      .location(`/api/deployments/${encodeURIComponent(deployed.id)}`)
      .json(answer);
  });

  router.get('/:id', (req, res) => {
    const info: DeploymentInfo = deployments.get(req.params.id);
    res.json(info);
  });

  router.get('/:id/history', (req, res) => {
    const history: DeploymentHistory = deployments.history(req.params.id);
    res.json(history);
  });

  router.post('/:id/stop', async (req, res) => {
    const info: DeploymentInfo = await deployments.stop(req.params.id);
    res.json(info);
  });

  router.post('/:id/resume', async (req, res) => {
    const info: DeploymentInfo = await deployments.resume(req.params.id);
    res.json(info);
  });

  router.delete('/:id', async (req, res) => {
    await deployments.remove(req.params.id);
    res.status(204).end();
  });

  router.get('/:id/events', (req, res) => {
    const info = deployments.get(req.params.id);
    const stream = new SseStream(req, res);
    stream.send('status', info);
    stream.send('metrics', info.metrics);
    const unsubscribe = deployments.subscribe(info.id, (event) => {
      // A dropped metrics event is replaced by the next one; a dropped status is re-sent once the client catches up.
      if (!stream.send(event.type, event.data) && event.type === 'status') {
        stream.whenWritable(() => stream.send('status', event.data));
      }
    });
    stream.onClose(unsubscribe);
  });

  router.get('/:id/tail/:sinkId', async (req, res) => {
    const info = deployments.get(req.params.id);
    const sinkId = req.params.sinkId;
    if (!Object.hasOwn(info.sinks, sinkId)) {
      const known = Object.keys(info.sinks);
      throw new HttpError(
        404,
        'E_NOT_FOUND',
        `deployment "${info.id}" has no sink "${sinkId}"${known.length ? `; its sinks: ${known.join(', ')}` : ''}`,
      );
    }
    const stream = new SseStream(req, res);
    let gapPending = false;
    try {
      const stop = await deployments.tail(info.id, sinkId, (record) => {
        if (stream.send('record', record) || gapPending) return;
        gapPending = true;
        stream.whenWritable(() => {
          gapPending = false;
          stream.send('gap', { dropped: stream.dropped });
          stream.dropped = 0;
        });
      });
      stream.onClose(
        () => void stop().catch((err: unknown) => log(`stopping the tail of ${info.id}/${sinkId} failed`, err)),
      );
    } catch (err) {
      // The stream has begun, so the status code is spent: the reason goes out as an event.
      stream.send('end', { reason: `the tail of "${sinkId}" failed: ${(err as Error).message}` });
      stream.close();
    }
  });

  return router;
}

/** GET /api/info: what the editor may offer. */
export function serverInfo(deployments: DeploymentBackend | null): ServerInfo {
  const flink = deployments?.flinkTarget?.() ?? null;
  return {
    deployments: deployments !== null,
    targets: deployments === null ? [] : flink ? ['weir', 'flink'] : ['weir'],
    flink,
  };
}

/** `target` and `parallelism` of a deploy request, checked before the pipeline is (they say where it is to run). */
function deployOptions(
  target: unknown,
  parallelism: unknown,
  deployments: DeploymentBackend,
): { target: DeploymentTarget; parallelism: number } {
  if (target !== undefined && !DEPLOYMENT_TARGETS.includes(target as DeploymentTarget)) {
    throw new HttpError(
      400,
      'E_BAD_REQUEST',
      `"target" must be ${DEPLOYMENT_TARGETS.map((t) => `"${t}"`).join(' or ')}, got ${JSON.stringify(target)}`,
    );
  }
  if (
    parallelism !== undefined &&
    (typeof parallelism !== 'number' || !Number.isInteger(parallelism) || parallelism < 1)
  ) {
    throw new HttpError(
      400,
      'E_BAD_REQUEST',
      `"parallelism" must be a whole number of at least 1, got ${JSON.stringify(parallelism)}`,
    );
  }
  const chosen = (target ?? 'weir') as DeploymentTarget;
  const count = (parallelism ?? 1) as number;
  if (chosen === 'weir' && count !== 1)
    throw new HttpError(400, 'E_BAD_REQUEST', `"parallelism": ${count} with the Weir target: ${WEIR_PARALLELISM}`);
  if (chosen === 'flink' && !deployments.flinkTarget?.()) {
    throw new HttpError(409, 'E_FLINK_UNCONFIGURED', `this server has no Flink cluster to deploy to: ${FLINK_SETUP}`);
  }
  return { target: chosen, parallelism: count };
}
