/**
 * The one error shape every `/api` response uses (DESIGN "The server"): `{ error: { code, message, problems? } }`.
 * Validation failures carry the same coded problems the editor and the CLI show (shared/pipeline/errors.ts).
 */
import type { ValidationProblem } from '../pipeline/errors.ts';

export const API_ERROR_CODES = {
  E_AUTH: 'the request has no valid `Authorization: Bearer <token>` header',
  E_JSON: 'the request body is not valid JSON, or not JSON at all',
  E_TOO_LARGE: 'the request body is larger than the server accepts',
  E_NOT_FOUND: 'no such route, pipeline, deployment or sink',
  E_BAD_REQUEST: 'the request is well-formed JSON but not what this endpoint takes',
  E_VALIDATION: 'the pipeline document has problems; see `problems`',
  E_CONFLICT: 'the pipeline changed since the revision the write was based on',
  E_STATE_LOSS: 'the upgrade would drop state of the nodes in `nodes`; resend with `allowStateLoss: true` to accept',
  E_STATE: 'the deployment is not in a state that allows this action',
  E_UNAVAILABLE: 'deployments are not enabled on this server',
  E_FLINK_UNCONFIGURED:
    'the request asks for the Flink target, but this server has no Flink cluster (FLINK_REST_URL or WEIR_FLINK=local)',
  E_FLINK_FULL: 'the Flink cluster has fewer free task slots than the parallelism asks for',
  E_FLINK_UNAVAILABLE:
    'the Flink cluster cannot be reached or cannot run Weir jobs; the message names its URL and what Flink said',
  E_INTERNAL: 'the server failed; its log has the details',
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_CODES;

export interface ApiErrorBody {
  error: {
    code: ApiErrorCode;
    message: string;
    /** E_VALIDATION: every problem found, each with a JSON path into the document. */
    problems?: ValidationProblem[];
    /** E_STATE_LOSS: the node ids whose state the new pipeline cannot keep. */
    nodes?: string[];
    /** E_CONFLICT: the revision the server holds now. */
    revision?: number;
  };
}

/** Request bodies the server accepts at most (JSON, UTF-8); larger ones get 413 E_TOO_LARGE. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;
