/** `/api/pipelines` — see shared/api/pipelines.ts for the protocol, revisions included. */
import { Router, type Request } from 'express';
import { PIPELINE_ID_PATTERN } from '../../../shared/pipeline/types.ts';
import { validatePipeline } from '../../../shared/validation/validate.ts';
import {
  parseRevisionTag,
  revisionTag,
  type PipelineListResponse,
  type PipelineResponse,
  type PipelineWriteResponse,
} from '../../../shared/api/pipelines.ts';
import { RevisionConflict, type PipelineStore, type Precondition } from '../storage/pipeline-store.ts';
import { HttpError, validationError } from './errors.ts';
import { requireBody } from './body.ts';

const PIPELINE_ID = new RegExp(PIPELINE_ID_PATTERN);

export function pipelinesRouter(store: PipelineStore): Router {
  const router = Router();

  router.get('/', async (_req, res) => {
    const body: PipelineListResponse = { pipelines: await store.list() };
    res.json(body);
  });

  router.get('/:id', async (req, res) => {
    const id = pipelineId(req);
    const stored = await store.get(id);
    if (!stored) throw new HttpError(404, 'E_NOT_FOUND', `no pipeline "${id}"`);
    const body: PipelineResponse = stored;
    res.set('ETag', revisionTag(stored.revision)).json(body);
  });

  router.put('/:id', async (req, res) => {
    const id = pipelineId(req);
    const precondition = preconditionOf(req);
    const document = requireBody(req.body, 'the pipeline document');
    const result = validatePipeline(document);
    if (!result.ok) throw validationError(result.problems);
    if (result.pipeline.id !== id) {
      throw new HttpError(
        400,
        'E_BAD_REQUEST',
        `the document's id "${result.pipeline.id}" differs from "${id}" in the URL; PUT it to /api/pipelines/${result.pipeline.id}`,
      );
    }
    const stored = await conflictsAs409(() => store.put(result.pipeline, precondition), precondition);
    const body: PipelineWriteResponse = {
      id,
      revision: stored.revision,
      updatedAt: stored.updatedAt,
      created: stored.created,
    };
    res
      .status(stored.created ? 201 : 200)
      .set('ETag', revisionTag(stored.revision))
      .json(body);
  });

  router.delete('/:id', async (req, res) => {
    const id = pipelineId(req);
    const precondition = preconditionOf(req);
    const deleted = await conflictsAs409(() => store.delete(id, precondition), precondition);
    if (!deleted) throw new HttpError(404, 'E_NOT_FOUND', `no pipeline "${id}"`);
    res.status(204).end();
  });

  return router;
}

function pipelineId(req: Request): string {
  const id = String(req.params.id);
  if (!PIPELINE_ID.test(id)) {
    throw new HttpError(
      404,
      'E_NOT_FOUND',
      `"${id}" is not a pipeline id (lower-case letters, digits and "-", at most 63 characters)`,
    );
  }
  return id;
}

function preconditionOf(req: Request): Precondition {
  const ifMatch = req.get('If-Match');
  const ifNoneMatch = req.get('If-None-Match');
  if (ifMatch !== undefined && ifNoneMatch !== undefined) {
    throw new HttpError(
      400,
      'E_BAD_REQUEST',
      'send If-Match (update revision N) or If-None-Match: * (create), not both',
    );
  }
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*')
      throw new HttpError(400, 'E_BAD_REQUEST', 'If-None-Match takes only "*" (create only if absent)');
    return 'absent';
  }
  if (ifMatch === undefined) return undefined;
  const revision = parseRevisionTag(ifMatch);
  if (revision === undefined)
    throw new HttpError(
      400,
      'E_BAD_REQUEST',
      `If-Match must be a revision such as "3", got ${JSON.stringify(ifMatch)}`,
    );
  return revision;
}

async function conflictsAs409<T>(write: () => Promise<T>, precondition: Precondition): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!(err instanceof RevisionConflict)) throw err;
    if (err.current === null) {
      throw new HttpError(
        409,
        'E_CONFLICT',
        `pipeline "${err.id}" was deleted since you loaded it; save it without If-Match to create it again`,
      );
    }
    const message =
      precondition === 'absent'
        ? `a pipeline "${err.id}" already exists (revision ${err.current}); open it, or give yours another id`
        : `pipeline "${err.id}" changed since you loaded it (it is now at revision ${err.current}); reload it, then save again`;
    throw new HttpError(409, 'E_CONFLICT', message, { revision: err.current });
  }
}
