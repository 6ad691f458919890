/**
 * `/api/pipelines`: pipeline documents stored on the server, each with a revision.
 *
 * Revisions (optimistic concurrency, as in Node-RED's flow API):
 * - Every stored pipeline has an integer `revision`, 1 when created, +1 on every write.
 * - `GET /api/pipelines/:id` answers `PipelineResponse` and the header `ETag: "<revision>"`.
 * - `PUT /api/pipelines/:id` takes the document as the whole body. Its precondition goes in a header:
 *     `If-Match: "<revision>"` — write only if the stored revision is still that one; otherwise 409 E_CONFLICT
 *                                (the error carries the current `revision`). A missing pipeline is also a conflict.
 *     `If-None-Match: *`        — create only; 409 E_CONFLICT if the id is taken.
 *     neither                   — write unconditionally (create or overwrite).
 *   The quotes around the revision are optional (`If-Match: 3` works too). The answer is `PipelineWriteResponse`
 *   (201 when created, 200 when replaced) with the new `ETag`.
 * - `DELETE /api/pipelines/:id` answers 204; it honours `If-Match` the same way.
 * The document's `id` must equal `:id` (400 E_BAD_REQUEST); an invalid document is 400 E_VALIDATION with problems.
 */
import type { PipelineDoc } from '../pipeline/types.ts';

export interface PipelineSummary {
  id: string;
  name: string;
  revision: number;
  /** ISO 8601. */
  updatedAt: string;
}

export interface PipelineListResponse {
  pipelines: PipelineSummary[];
}

export interface PipelineResponse {
  pipeline: PipelineDoc;
  revision: number;
  updatedAt: string;
}

export interface PipelineWriteResponse {
  id: string;
  revision: number;
  updatedAt: string;
  created: boolean;
}

/** `ETag`/`If-Match` value for a revision. */
export function revisionTag(revision: number): string {
  return `"${revision}"`;
}

/** The revision named by an `ETag`/`If-Match` value, quoted or not (`W/` weak tags are read as strong). */
export function parseRevisionTag(tag: string): number | undefined {
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(tag);
  return match ? Number(match[1]) : undefined;
}
