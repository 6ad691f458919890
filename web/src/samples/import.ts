/**
 * Samples from a file: JSON Lines (one sample a line, as `weir simulate --input` reads them), a JSON array, or CSV
 * (one record a row, the header naming the value's fields, numbers and booleans parsed as such).
 *
 * A line or item that is a valid sample (`{ "value": … }` or `{ "watermark": ms }`, nothing else) is taken as one;
 * anything else is taken as a bare value and wrapped, so a file of plain events imports as well.
 */
import Papa from 'papaparse';
import type { ValidationProblem } from '../../../shared/pipeline/errors.ts';
import { validateSample } from '../../../shared/pipeline/samples.ts';
import type { Json, Sample } from '../../../shared/pipeline/types.ts';

export interface ImportResult {
  samples: Sample[];
  /** What could not be read, one message per line or row, at most a few dozen. */
  problems: string[];
}

const MAX_PROBLEMS = 50;

export type ImportFormat = 'jsonl' | 'json' | 'csv';

/** The format by file name, else by a look at the text. */
export function detectFormat(fileName: string, text: string): ImportFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  const start = text.trimStart();
  if (start.startsWith('[')) return 'json';
  if (start.startsWith('{')) return 'jsonl';
  return 'csv';
}

function isSample(item: unknown): item is Sample {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return false;
  if (!('value' in item) && !('watermark' in item)) return false;
  const problems: ValidationProblem[] = [];
  validateSample(item, '', problems);
  return problems.length === 0;
}

/** A sample as it is, or a bare value wrapped into a record sample. */
export function asSample(item: unknown): Sample {
  return isSample(item) ? item : { value: item as Json };
}

export function parseJsonLines(text: string): ImportResult {
  const samples: Sample[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      samples.push(asSample(JSON.parse(line)));
    } catch (err) {
      if (problems.length < MAX_PROBLEMS) problems.push(`line ${i + 1}: ${(err as Error).message}`);
    }
  });
  return { samples, problems };
}

export function parseJsonArray(text: string): ImportResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { samples: [], problems: [`not valid JSON: ${(err as Error).message}`] };
  }
  if (!Array.isArray(parsed)) return { samples: [], problems: ['a JSON file must hold an array of samples or values'] };
  return { samples: parsed.map(asSample), problems: [] };
}

export function parseCsv(text: string): ImportResult {
  const result = Papa.parse<Record<string, Json>>(text, { header: true, dynamicTyping: true, skipEmptyLines: true });
  const problems = result.errors.slice(0, MAX_PROBLEMS).map((e) => `row ${(e.row ?? 0) + 1}: ${e.message}`);
  return { samples: result.data.map((row) => ({ value: row })), problems };
}

export function parseSamplesFile(fileName: string, text: string): ImportResult {
  const format = detectFormat(fileName, text);
  return format === 'csv' ? parseCsv(text) : format === 'json' ? parseJsonArray(text) : parseJsonLines(text);
}

/** JSON Lines, one sample a line: what `weir simulate --input SOURCE=FILE` reads. */
export function toJsonLines(samples: readonly Sample[]): string {
  return samples.map((s) => JSON.stringify(s)).join('\n') + (samples.length > 0 ? '\n' : '');
}
