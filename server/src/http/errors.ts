/**
 * One error type for the HTTP layer (as Hono's HTTPException): handlers throw `HttpError`, and the error
 * middleware turns it — and anything else thrown — into the one shape `{ error: { code, message, … } }`.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { ValidationProblem } from '../../../shared/pipeline/errors.ts';
import { API_ERROR_CODES, MAX_BODY_BYTES, type ApiErrorBody, type ApiErrorCode } from '../../../shared/api/errors.ts';
import { DeploymentError, DeploymentValidationError, StateLossError } from '../deployments/types.ts';
import { StoredFileError } from '../storage/pipeline-store.ts';

export type ErrorExtras = Omit<ApiErrorBody['error'], 'code' | 'message'>;

export class HttpError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly extras: ErrorExtras;

  constructor(status: number, code: ApiErrorCode, message: string, extras: ErrorExtras = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extras = extras;
    this.name = 'HttpError';
  }
}

export function validationError(problems: ValidationProblem[], what = 'the pipeline'): HttpError {
  const count = problems.length === 1 ? 'a problem' : `${problems.length} problems`;
  return new HttpError(400, 'E_VALIDATION', `${what} has ${count}; nothing was changed`, { problems });
}

export function sendError(
  res: Response,
  status: number,
  code: ApiErrorCode,
  message: string,
  extras: ErrorExtras = {},
): void {
  const body: ApiErrorBody = { error: { code, message, ...extras } };
  res.status(status).json(body);
}

export const notFound: RequestHandler = (req, res) => {
  sendError(res, 404, 'E_NOT_FOUND', `no route ${req.method} ${req.originalUrl.split('?')[0]}`);
};

/**
 * body-parser errors carry a `type`; everything else that is not an HttpError is a bug, logged with its stack. What
 * the client is told never names a path of the server's file system: those go to the log.
 */
export function errorHandler(log: (message: string, err: unknown) => void): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      // A stream (SSE) broke after it began: the status is gone, all we can do is end it.
      log(`${req.method} ${req.originalUrl.split('?')[0]} failed after the response began`, err);
      res.end();
      return;
    }
    if (err instanceof HttpError) return sendError(res, err.status, err.code, err.message, err.extras);
    if (err instanceof DeploymentError) return sendDeploymentError(res, err);
    if (err instanceof StoredFileError) {
      // Not a bug of ours: a file in the data directory was edited into something unreadable. No stack helps here.
      log(`${req.method} ${req.originalUrl.split('?')[0]} failed`, err.message);
      return sendError(
        res,
        500,
        'E_INTERNAL',
        `${err.shown} in the server's data directory: ${err.problem}; repair that file, or PUT the pipeline again to replace it`,
      );
    }
    const type = (err as { type?: unknown } | null)?.type;
    switch (type) {
      case 'entity.too.large':
        return sendError(
          res,
          413,
          'E_TOO_LARGE',
          `the request body is larger than the limit of ${MAX_BODY_BYTES / (1024 * 1024)} MB`,
        );
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return sendError(res, 415, 'E_JSON', 'send the body as JSON in UTF-8 (Content-Type: application/json)');
      case 'request.aborted':
      case 'request.size.invalid':
        return sendError(res, 400, 'E_JSON', 'the request body ended early');
    }
    // Express and body-parser mark what the client got wrong (a malformed %-escape in the path, a body that does
    // not decompress) with a 4xx status.
    const status = (err as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendError(
        res,
        status,
        status === 404 ? 'E_NOT_FOUND' : 'E_BAD_REQUEST',
        err instanceof Error ? err.message : String(err),
      );
    }
    log(`${req.method} ${req.originalUrl.split('?')[0]} failed`, err);
    // Its message may name files of the server (an fs error does): the log has it, the client gets the catalogue's.
    sendError(res, 500, 'E_INTERNAL', API_ERROR_CODES.E_INTERNAL);
  };
}

const DEPLOYMENT_STATUS: Partial<Record<ApiErrorCode, number>> = {
  E_NOT_FOUND: 404,
  E_VALIDATION: 400,
  E_BAD_REQUEST: 400,
  E_STATE: 409,
  E_STATE_LOSS: 409,
  E_CONFLICT: 409,
  E_UNAVAILABLE: 503,
  E_FLINK_UNCONFIGURED: 409,
  E_FLINK_FULL: 409,
  E_FLINK_UNAVAILABLE: 502,
};

function sendDeploymentError(res: Response, err: DeploymentError): void {
  const extras: ErrorExtras = {};
  if (err instanceof DeploymentValidationError) extras.problems = err.problems;
  if (err instanceof StateLossError) extras.nodes = err.nodes;
  sendError(res, DEPLOYMENT_STATUS[err.code] ?? 500, err.code, err.message, extras);
}
