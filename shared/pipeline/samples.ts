/** The samples of a source node (SPEC §2): record samples and watermark markers, the same for every source type. */
import { problem, type ValidationProblem } from './errors.ts';

const RECORD_SAMPLE_FIELDS = new Set(['value', 'key', 'timestamp', 'partition', 'headers']);
const MARKER_FIELDS = new Set(['watermark', 'partition']);

/** Checks one sample (SPEC §2): a record sample or a watermark marker. */
export function validateSample(sample: unknown, path: string, out: ValidationProblem[]): void {
  if (typeof sample !== 'object' || sample === null || Array.isArray(sample)) {
    out.push(problem(path, 'E_TYPE', 'a sample must be an object: { "value": … } or { "watermark": ms }'));
    return;
  }
  const s = sample as Record<string, unknown>;
  const isMarker = 'watermark' in s && !('value' in s);
  if (!isMarker && !('value' in s))
    out.push(
      problem(`${path}.value`, 'E_REQUIRED', 'a record sample needs a "value" (or give "watermark" for a marker)'),
    );
  const allowed = isMarker ? MARKER_FIELDS : RECORD_SAMPLE_FIELDS;
  for (const name of Object.keys(s)) {
    if (!allowed.has(name))
      out.push(
        problem(
          `${path}.${name}`,
          'E_UNKNOWN_FIELD',
          `unknown field in a ${isMarker ? 'watermark marker' : 'record sample'}; known: ${[...allowed].join(', ')}`,
        ),
      );
  }
  if (isMarker && (typeof s.watermark !== 'number' || !Number.isSafeInteger(s.watermark)))
    out.push(problem(`${path}.watermark`, 'E_TYPE', 'must be an integer number of milliseconds'));
  if (s.timestamp !== undefined && (typeof s.timestamp !== 'number' || !Number.isSafeInteger(s.timestamp)))
    out.push(problem(`${path}.timestamp`, 'E_TYPE', 'must be an integer number of milliseconds'));
  if (
    s.partition !== undefined &&
    (typeof s.partition !== 'number' || !Number.isSafeInteger(s.partition) || s.partition < 0)
  )
    out.push(problem(`${path}.partition`, 'E_RANGE', 'must be an integer ≥ 0'));
  if (s.key !== undefined && s.key !== null && typeof s.key === 'object')
    out.push(problem(`${path}.key`, 'E_TYPE', 'a key must be a JSON scalar or null'));
  if (s.headers !== undefined) {
    const h = s.headers;
    if (typeof h !== 'object' || h === null || Array.isArray(h) || Object.values(h).some((v) => typeof v !== 'string'))
      out.push(problem(`${path}.headers`, 'E_TYPE', 'headers must be an object of strings'));
  }
}
