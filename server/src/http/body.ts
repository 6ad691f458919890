/**
 * JSON request bodies: read as text (with the size limit) and parsed by the same reader the editor and the CLI use,
 * so a malformed body gets the same E_JSON message with a line and a column. A body nested deeper than
 * MAX_JSON_DEPTH is refused before it is parsed, after one pass over its text.
 */
import express, { type RequestHandler } from 'express';
import { lineAndColumn, MAX_JSON_DEPTH, nestedTooDeep, parseJsonText } from '../../../shared/pipeline/validate-json.ts';
import { MAX_BODY_BYTES } from '../../../shared/api/errors.ts';
import { HttpError } from './errors.ts';

const JSON_TYPES = ['application/json', 'application/*+json'];

const readText = express.text({ type: JSON_TYPES, limit: MAX_BODY_BYTES, defaultCharset: 'utf-8' });

const parse: RequestHandler = (req, _res, next) => {
  if (typeof req.body === 'string') {
    if (req.body.trim() === '') {
      req.body = undefined;
      return next();
    }
    const tooDeep = nestedTooDeep(req.body);
    if (tooDeep >= 0) {
      const { line, column } = lineAndColumn(req.body, tooDeep);
      return next(
        new HttpError(
          400,
          'E_JSON',
          `the request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels (line ${line}, column ${column}), the most the server reads`,
        ),
      );
    }
    const parsed = parseJsonText(req.body);
    if (!parsed.ok)
      return next(new HttpError(400, 'E_JSON', `the request body is not valid JSON: ${parsed.problem.message}`));
    req.body = parsed.value;
    return next();
  }
  if (hasBody(req.headers) && req.body === undefined) {
    return next(
      new HttpError(
        415,
        'E_JSON',
        `send the body as JSON with "Content-Type: application/json" (got ${req.headers['content-type'] ?? 'no Content-Type'})`,
      ),
    );
  }
  next();
};

export const jsonBody: RequestHandler[] = [readText, parse];

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  return (
    headers['transfer-encoding'] !== undefined ||
    (headers['content-length'] !== undefined && headers['content-length'] !== '0')
  );
}

/** The body, which a handler that needs one requires; 400 when it is missing. */
export function requireBody(body: unknown, what: string): unknown {
  if (body === undefined) throw new HttpError(400, 'E_JSON', `the request needs a JSON body: ${what}`);
  return body;
}
