/** Pure edits of a source's samples, and the text forms the samples panel shows them in. */
import { problem, type ValidationProblem } from '../../../shared/pipeline/errors.ts';
import { validateSample } from '../../../shared/pipeline/samples.ts';
import type { Json, Key, RecordSample, Sample, WatermarkSample } from '../../../shared/pipeline/types.ts';

export function moveSample(samples: readonly Sample[], from: number, to: number): Sample[] {
  if (from === to || from < 0 || to < 0 || from >= samples.length || to >= samples.length) return samples as Sample[];
  const next = samples.slice();
  const [moved] = next.splice(from, 1);
  next.splice(to, 0, moved!);
  return next;
}

export function removeSample(samples: readonly Sample[], index: number): Sample[] {
  return samples.filter((_, i) => i !== index);
}

export function replaceSample(samples: readonly Sample[], index: number, sample: Sample): Sample[] {
  return samples.map((s, i) => (i === index ? sample : s));
}

/** A new record sample after the last one, with event time a second past the latest timestamp seen in the samples. */
export function newRecordSample(samples: readonly Sample[]): RecordSample {
  const last = [...samples].reverse().find((s): s is RecordSample => 'value' in s);
  if (!last) return { value: {} };
  const value =
    last.value !== null && typeof last.value === 'object' && !Array.isArray(last.value)
      ? { ...last.value }
      : last.value;
  const sample: RecordSample = { value };
  if (last.key !== undefined) sample.key = last.key;
  if (last.timestamp !== undefined) sample.timestamp = last.timestamp + 1000;
  return sample;
}

/** A watermark marker just past the latest explicit timestamp, or 0. */
export function newWatermarkSample(samples: readonly Sample[]): WatermarkSample {
  let latest = -1;
  for (const s of samples) {
    if ('watermark' in s && !('value' in s)) latest = Math.max(latest, s.watermark);
    else if ('timestamp' in s && typeof s.timestamp === 'number') latest = Math.max(latest, s.timestamp);
  }
  return { watermark: latest + 1 };
}

/** The key as typed: JSON when it parses to a scalar (`1`, `"1"`, `true`, `null`), else the text itself. */
export function parseKey(text: string): Key | undefined {
  if (text.trim() === '') return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || ['string', 'number', 'boolean'].includes(typeof parsed)) return parsed as Key;
  } catch {
    // Not JSON: a bare word is a string key.
  }
  return text;
}

/** A key shown so that it reads back the same: strings that would parse as something else keep their quotes. */
export function formatKey(key: Key | undefined): string {
  if (key === undefined) return '';
  if (typeof key !== 'string') return JSON.stringify(key);
  return parseKey(key) === key && key.trim() === key ? key : JSON.stringify(key);
}

/** `undefined` for an empty field; NaN for text that is not an integer (the caller shows it as invalid). */
export function parseInteger(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : NaN;
}

export function parseValue(text: string): { ok: true; value: Json } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as Json };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

/** Samples as JSON text, one sample a line, so that long lists stay scannable and diffable. */
export function samplesToText(samples: readonly Sample[]): string {
  if (samples.length === 0) return '[]\n';
  return '[\n' + samples.map((s) => '  ' + JSON.stringify(s)).join(',\n') + '\n]\n';
}

/** Parses and checks samples typed as JSON; problems carry paths like `samples[3].timestamp`. */
export function parseSamplesText(text: string): { samples: Sample[] | null; problems: ValidationProblem[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { samples: null, problems: [problem('samples', 'E_JSON', (err as Error).message)] };
  }
  if (!Array.isArray(parsed))
    return {
      samples: null,
      problems: [problem('samples', 'E_TYPE', 'must be an array of samples: [ { "value": … }, { "watermark": ms } ]')],
    };
  const problems: ValidationProblem[] = [];
  parsed.forEach((s, i) => validateSample(s, `samples[${i}]`, problems));
  return { samples: problems.length === 0 ? (parsed as Sample[]) : null, problems };
}

/** Problems of each sample, by index (for marking rows). */
export function problemsByIndex(samples: readonly Sample[]): Map<number, ValidationProblem[]> {
  const result = new Map<number, ValidationProblem[]>();
  samples.forEach((s, i) => {
    const problems: ValidationProblem[] = [];
    validateSample(s, `samples[${i}]`, problems);
    if (problems.length > 0) result.set(i, problems);
  });
  return result;
}
