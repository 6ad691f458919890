/**
 * Dead letters (SPEC §5, shared/engine/dead-letter.ts): one record must never stop a job, so the record a node
 * routes to its error port is always small enough for a Kafka topic (1 MB per message by default) and always
 * encodable, whatever the failed input was. These tests drive an Engine directly, as a deployment does (raw Kafka
 * text, values too large or too deep for a pipeline file), so they add no semantic fixtures.
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../shared/engine/engine.ts';
import {
  DEAD_LETTER_INPUT_BYTES,
  ERROR_TEXT_CHARS,
  MAX_JSON_DEPTH,
  deadLetter,
} from '../../../shared/engine/dead-letter.ts';
import { jsonStringBytes, prefixWithinJsonBytes, utf8Length } from '../../../shared/engine/json-text.ts';
import { PipelineFailure } from '../../../shared/engine/operator.ts';
import type { StreamRecord } from '../../../shared/engine/record.ts';
import { encodeValue } from '../../../shared/operators/sink-kafka.ts';
import { validatePipeline } from '../../../shared/validation/validate.ts';
import type { ErrorPolicy, Json, NodeDoc, PipelineDoc } from '../../../shared/pipeline/types.ts';
import { node, pipeline, sink, source } from './pipelines.ts';
import { OPERATORS } from '../../../shared/operators/registry.ts';

const KAFKA_MESSAGE_LIMIT = 1024 * 1024;

interface Captured {
  sink: string;
  record: StreamRecord;
}

/** source `events` → [node `step`] → sink `out`; every error port that exists → sink `dead`. Checked valid. */
function engineFor(
  sourceOnError: ErrorPolicy,
  step?: NodeDoc,
  sourceParams: Record<string, unknown> = {},
): { engine: Engine; captured: Captured[] } {
  const events: NodeDoc = { ...source('events', [], sourceParams), onError: sourceOnError };
  const nodes = [events, ...(step ? [step] : []), sink('out'), sink('dead')];
  const edges = step
    ? [
        { from: 'events', to: step.id },
        { from: step.id, to: 'out' },
        { from: 'events', fromPort: 'error', to: 'dead' },
        { from: step.id, fromPort: 'error', to: 'dead' },
      ]
    : [
        { from: 'events', to: 'out' },
        { from: 'events', fromPort: 'error', to: 'dead' },
      ];
  const doc: PipelineDoc = pipeline(nodes, edges);
  expect(validatePipeline(doc).problems).toEqual([]);
  const captured: Captured[] = [];
  const engine = new Engine(doc, {
    operators: OPERATORS,
    sink: (sinkId, record) => captured.push({ sink: sinkId, record }),
  });
  return { engine, captured };
}

const deadOf = (captured: Captured[]) => captured.filter((c) => c.sink === 'dead').map((c) => c.record);

/** What the sink would write to Kafka for a dead letter, and its size in bytes. */
function encodedBytes(value: unknown): number {
  return Buffer.byteLength(encodeValue(value, true), 'utf8');
}

/** A value nested `depth` levels deep, built without recursion. */
function nested(depth: number): Json {
  let value: Json = 1;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { next: value };
  return value;
}

describe('dead letters', () => {
  it('carry the start of a 900 KB binary Kafka value that is not JSON, well under the 1 MB message limit, saying it was truncated and how large it was', () => {
    const bytes = new Uint8Array(900 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 256;
    // As a deployment reads it: kafkajs hands the consumer a Buffer, decoded as UTF-8 (invalid bytes become U+FFFD).
    const raw = Buffer.from(bytes).toString('utf8');
    expect(Buffer.byteLength(JSON.stringify({ input: raw }), 'utf8')).toBeGreaterThan(KAFKA_MESSAGE_LIMIT);

    const { engine, captured } = engineFor('route');
    engine.source('events').ingestKafka(0, 41, 'k', raw, 1_000);
    const [dead] = deadOf(captured);
    const letter = dead!.value as {
      error: string;
      node: string;
      input: string;
      truncated: boolean;
      originalBytes: number;
    };

    expect(Object.keys(letter)).toEqual(['error', 'node', 'input', 'truncated', 'originalBytes']);
    expect(letter.error).toMatch(/^malformed JSON at partition 0 offset 41: /);
    expect(letter).toMatchObject({ node: 'events', truncated: true, originalBytes: Buffer.byteLength(raw, 'utf8') });
    expect(raw.startsWith(letter.input)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(letter.input), 'utf8')).toBeLessThanOrEqual(DEAD_LETTER_INPUT_BYTES);
    expect(letter.input.length).toBeGreaterThan(10_000);
    expect(encodedBytes(letter)).toBeLessThan(100 * 1024);
    expect(dead!.timestamp).toBe(1_000);
  });

  it('carry the start of the JSON text of a large value that failed, with its size', () => {
    const { engine, captured } = engineFor('route', undefined, { timestamp: { from: 'field', field: 'ts' } });
    const value = { blob: 'é'.repeat(600_000), n: 1 };
    engine.source('events').ingestSample({ key: 'k', value, timestamp: 5 });
    const [dead] = deadOf(captured);
    const letter = dead!.value as { error: string; input: string; originalBytes: number };
    const text = JSON.stringify(value);
    expect(letter).toMatchObject({
      error: 'record has no event time: field "ts" is missing',
      node: 'events',
      truncated: true,
      originalBytes: Buffer.byteLength(text, 'utf8'),
    });
    expect(text.startsWith(letter.input)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(letter.input), 'utf8')).toBeLessThanOrEqual(DEAD_LETTER_INPUT_BYTES);
    expect(encodedBytes(letter)).toBeLessThan(100 * 1024);
    expect([dead!.key, dead!.timestamp]).toEqual(['k', 5]);
  });

  it('describe a value nested 20 000 deep that a UDF failed on instead of overflowing the stack encoding it', () => {
    const step = node(
      'copy',
      'map',
      { code: ['export default (value) => JSON.parse(JSON.stringify(value));'] },
      'route',
    );
    const { engine, captured } = engineFor('fail', step);
    expect(() => engine.source('events').ingestSample({ key: 7, value: nested(20_000), timestamp: 3 })).not.toThrow();
    const [dead] = deadOf(captured);
    expect(dead!.value).toStrictEqual({
      error: 'Maximum call stack size exceeded',
      node: 'copy',
      input: `(a JSON value nested deeper than ${MAX_JSON_DEPTH} levels)`,
      truncated: true,
    });
    expect(encodedBytes(dead!.value)).toBeLessThan(1024);
    expect([dead!.key, dead!.timestamp]).toEqual([7, 3]);
  });

  it('keep a value nested up to the limit as it is', () => {
    const step = node('boom', 'map', { code: ['export default () => { throw new Error("boom"); };'] }, 'route');
    const { engine, captured } = engineFor('fail', step);
    const value = nested(MAX_JSON_DEPTH);
    engine.source('events').ingestSample({ value, timestamp: 1 });
    expect(deadOf(captured)[0]!.value).toStrictEqual({ error: 'boom', node: 'boom', input: value });
  });

  it('cap the error message, whatever the UDF threw', () => {
    const step = node(
      'loud',
      'filter',
      { code: ['export default (v) => { throw new Error("no! ".repeat(500_000)); };'] },
      'route',
    );
    const { engine, captured } = engineFor('fail', step);
    engine.source('events').ingestSample({ value: { n: 1 }, timestamp: 1 });
    const letter = deadOf(captured)[0]!.value as { error: string };
    expect(letter.error).toHaveLength(ERROR_TEXT_CHARS);
    expect(letter.error.endsWith('...')).toBe(true);
    expect(letter).toStrictEqual({ error: letter.error, node: 'loud', input: { n: 1 } });
  });

  it('never throw for values JSON cannot encode: a deep value returned by a filter, a circular key, a BigInt', () => {
    const filter = node('f', 'filter', { code: ['export default (v) => v.deep;'] }, 'route');
    const { engine, captured } = engineFor('fail', filter);
    engine.source('events').ingestSample({ value: { deep: nested(5_000) }, timestamp: 1 });
    const letter = deadOf(captured)[0]!.value as Record<string, unknown>;
    expect(letter.error).toBe(
      `the filter must return true or false, got (a JSON value nested deeper than ${MAX_JSON_DEPTH} levels)`,
    );
    expect(letter).toMatchObject({
      node: 'f',
      input: `(a JSON value nested deeper than ${MAX_JSON_DEPTH} levels)`,
      truncated: true,
    });

    const keyBy = node(
      'key',
      'keyBy',
      { code: ['export default (v) => { const o: any = {}; o.self = o; return o; };'] },
      'route',
    );
    const keyed = engineFor('fail', keyBy);
    expect(() => keyed.engine.source('events').ingestSample({ value: 1, timestamp: 1 })).not.toThrow();
    expect(deadOf(keyed.captured)[0]!.value).toStrictEqual({
      error: `a key must be a JSON scalar or null, got (a JSON value nested deeper than ${MAX_JSON_DEPTH} levels)`,
      node: 'key',
      input: 1,
    });

    const letterOfBigInt = deadLetter('x', 'n', { big: 10n });
    expect(letterOfBigInt).toMatchObject({ error: 'x', node: 'n', truncated: true });
    expect(letterOfBigInt.input).toMatch(/^\(a value that cannot be encoded as JSON/);
  });

  it('name a too-deep input in the failure of a node whose onError is "fail"', () => {
    const step = node('boom', 'map', { code: ['export default () => { throw new Error("boom"); };'] });
    const { engine } = engineFor('fail', step);
    let failure: unknown;
    try {
      engine.source('events').ingestSample({ value: nested(20_000), timestamp: 1 });
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(PipelineFailure);
    expect((failure as PipelineFailure).message).toBe(
      `node "boom" failed: boom (input: (a JSON value nested deeper than ${MAX_JSON_DEPTH} levels))`,
    );
  });

  it('keep exactly { error, node, input } for small failures: bad JSON at a source, a throwing UDF', () => {
    const step = node(
      'm',
      'map',
      { code: ['export default (v) => { if (v.n === 2) throw new Error("two"); return v; };'] },
      'route',
    );
    const { engine, captured } = engineFor('route', step);
    engine.source('events').ingestKafka(0, 3, null, '{"n": 2, "ts": ', 10);
    engine.source('events').ingestKafka(0, 4, 'k', '{"n": 2}', 20);
    const dead = deadOf(captured);
    expect(dead.map((r) => [r.key, r.timestamp])).toEqual([
      [null, 10],
      ['k', 20],
    ]);
    expect(dead[0]!.value).toStrictEqual({
      error: expect.stringMatching(/^malformed JSON at partition 0 offset 3: /),
      node: 'events',
      input: '{"n": 2, "ts": ',
    });
    expect(dead[1]!.value).toStrictEqual({ error: 'two', node: 'm', input: { n: 2 } });
  });

  it('keep an input whose JSON text is exactly 64 KiB whole, and truncate one a byte longer', () => {
    const fits = 'x'.repeat(DEAD_LETTER_INPUT_BYTES - 2);
    expect(deadLetter('e', 'n', fits)).toStrictEqual({ error: 'e', node: 'n', input: fits });
    const over = fits + 'y';
    expect(deadLetter('e', 'n', over)).toStrictEqual({
      error: 'e',
      node: 'n',
      input: fits,
      truncated: true,
      originalBytes: DEAD_LETTER_INPUT_BYTES - 1,
    });
    const array = [fits.slice(2)];
    expect(JSON.stringify(array)).toHaveLength(DEAD_LETTER_INPUT_BYTES);
    expect(deadLetter('e', 'n', array)).toStrictEqual({ error: 'e', node: 'n', input: array });
    expect(deadLetter('e', 'n', undefined)).toStrictEqual({ error: 'e', node: 'n', input: null });
  });
});

describe('JSON text sizes', () => {
  const awkward = 'a"\\\n\u0001\u001f é€😀\ud800x\udc00\u2028' + String.fromCharCode(0xdbff);

  it('measure JSON string literals and UTF-8 exactly, escapes and lone surrogates included', () => {
    expect(jsonStringBytes(awkward)).toBe(Buffer.byteLength(JSON.stringify(awkward), 'utf8'));
    expect(utf8Length(awkward)).toBe(Buffer.byteLength(awkward, 'utf8'));
  });

  it('cut a string at the longest prefix whose JSON literal fits, never inside an escape or a surrogate pair', () => {
    const full = Buffer.byteLength(JSON.stringify(awkward), 'utf8');
    for (let max = 2; max <= full; max++) {
      const prefix = prefixWithinJsonBytes(awkward, max);
      expect(awkward.startsWith(prefix)).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(prefix), 'utf8')).toBeLessThanOrEqual(max);
      if (prefix.length < awkward.length) {
        const next = awkward.codePointAt(prefix.length)! > 0xffff ? 2 : 1;
        expect(Buffer.byteLength(JSON.stringify(awkward.slice(0, prefix.length + next)), 'utf8')).toBeGreaterThan(max);
      }
    }
    expect(prefixWithinJsonBytes(awkward, full)).toBe(awkward);
  });
});
