/**
 * Every `/api` request needs `Authorization: Bearer <token>`. Tokens are compared in constant time (over their
 * SHA-256 digests, so their lengths leak nothing either). EventSource cannot set headers, so the two Server-Sent
 * Events endpoints — and only they — also accept `?token=`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { sendError } from './errors.ts';

const SSE_PATH = /^\/deployments\/[^/]+\/(?:events|tail\/[^/]+)\/?$/;

export function requireToken(token: string): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const presented = presentedToken(req);
    if (presented === undefined) {
      return unauthorized(
        res,
        'missing "Authorization: Bearer <token>" header; the token is in the URL `weir serve` printed',
      );
    }
    if (!timingSafeEqual(digest(presented), expected)) {
      return unauthorized(res, 'wrong token; use the one in the URL `weir serve` printed (or WEIR_TOKEN)');
    }
    next();
  };
}

/** RFC 9110 §11.6.1: a 401 names the authentication scheme it wants. */
function unauthorized(res: Response, message: string): void {
  res.set('WWW-Authenticate', 'Bearer realm="weir"');
  sendError(res, 401, 'E_AUTH', message);
}

function presentedToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    return match ? match[1] : '';
  }
  // req.path is relative to the /api mount point here.
  if (req.method === 'GET' && SSE_PATH.test(req.path) && typeof req.query.token === 'string') return req.query.token;
  return undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
