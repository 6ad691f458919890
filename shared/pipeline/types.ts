/**
 * The pipeline document (SPEC §1): the one canonical model that the editor, the CLI and the server read and write.
 * Everything UI-only lives under `ui`; nothing here is session state.
 */

export const PIPELINE_FORMAT = 'weir/v1';

export const PIPELINE_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
export const NODE_ID_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,63}$';

/** A JSON value, as stored in documents, records and state. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A record key: a JSON scalar or null (SPEC §2). */
export type Key = null | boolean | number | string;

/** A code field holds a string or an array of lines; writers emit lines (SPEC §1). */
export type Code = string | string[];

export type Delivery = 'exactly-once' | 'at-least-once';

export interface PipelineSettings {
  checkpointIntervalMs?: number;
  delivery?: Delivery;
  maxParallelism?: number;
}

export interface RecordSample {
  value: Json;
  key?: Key;
  timestamp?: number;
  partition?: number;
  headers?: Record<string, string>;
}

export interface WatermarkSample {
  watermark: number;
  partition?: number;
}

export type Sample = RecordSample | WatermarkSample;

export function isWatermarkSample(sample: Sample): sample is WatermarkSample {
  return (sample as WatermarkSample).watermark !== undefined && !('value' in sample);
}

export type ErrorPolicy = 'fail' | 'skip' | 'route';

export interface NodeDoc {
  id: string;
  type: string;
  label?: string;
  params: Record<string, unknown>;
  onError?: ErrorPolicy;
  samples?: Sample[];
  ui?: Record<string, unknown>;
}

export interface EdgeDoc {
  from: string;
  to: string;
  fromPort?: string;
  toPort?: string;
}

export interface ExpectedRecord {
  key: Key;
  value: Json;
  timestamp: number;
}

export interface PipelineTest {
  name: string;
  inputs?: Record<string, Sample[]>;
  expect: Record<string, ExpectedRecord[]>;
}

export interface PipelineDoc {
  format: typeof PIPELINE_FORMAT;
  id: string;
  name: string;
  description?: string;
  settings?: PipelineSettings;
  nodes: NodeDoc[];
  edges: EdgeDoc[];
  tests?: PipelineTest[];
  ui?: Record<string, unknown>;
}

export const DEFAULT_SETTINGS: Required<PipelineSettings> = {
  checkpointIntervalMs: 1000,
  delivery: 'exactly-once',
  maxParallelism: 128,
};

export function settingsOf(doc: PipelineDoc): Required<PipelineSettings> {
  return { ...DEFAULT_SETTINGS, ...doc.settings };
}

/** Joins a code field's lines into one source text. */
export function codeText(code: Code): string {
  return typeof code === 'string' ? code : code.join('\n');
}

/** Splits source text into the array of lines writers emit (SPEC §1). */
export function codeLines(text: string): string[] {
  return text.split(/\r?\n/);
}

export function edgeFromPort(edge: EdgeDoc): string {
  return edge.fromPort ?? 'out';
}

export function edgeToPort(edge: EdgeDoc): string {
  return edge.toPort ?? 'in';
}

/** Serializes a document as writers must: two-space indentation, author's order kept, trailing newline. */
export function serializePipeline(doc: PipelineDoc): string {
  return JSON.stringify(doc, null, 2) + '\n';
}
