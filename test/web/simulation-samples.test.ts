import { describe, it, expect } from 'vitest';
import { seededRandom } from '../../shared/random.ts';
import { compileTemplate } from '../../web/src/samples/generator.ts';
import { parseSamplesFile, parseCsv, parseJsonLines, toJsonLines, detectFormat } from '../../web/src/samples/import.ts';
import {
  formatKey,
  moveSample,
  newWatermarkSample,
  parseKey,
  parseSamplesText,
  samplesToText,
  newRecordSample,
} from '../../web/src/samples/edit.ts';
import type { Sample } from '../../shared/pipeline/types.ts';

describe('the sample generator', () => {
  it('fills a template per event: ranges, choices, sequences and constants', () => {
    const t = compileTemplate(
      '{ "user_id": "int(1,3)", "event_type": "pick(page_view, click)", "ts": "seq(1000, 500)", "n": "index()", "src": "web" }',
    );
    if (!t.ok) throw new Error(t.message);
    const samples = t.generate(200, 7);
    expect(samples).toHaveLength(200);
    const values = samples.map((s) => (s as { value: Record<string, unknown> }).value);
    expect(values.map((v) => v.ts).slice(0, 3)).toEqual([1000, 1500, 2000]);
    expect(values.map((v) => v.n).slice(0, 3)).toEqual([0, 1, 2]);
    expect(new Set(values.map((v) => v.user_id))).toEqual(new Set([1, 2, 3]));
    expect(new Set(values.map((v) => v.event_type))).toEqual(new Set(['page_view', 'click']));
    expect(values.every((v) => v.src === 'web')).toBe(true);
  });

  it('gives the same events for the same seed and different ones for another', () => {
    const t = compileTemplate('{ "x": "float(0, 1)" }');
    if (!t.ok) throw new Error(t.message);
    expect(t.generate(20, 3)).toEqual(t.generate(20, 3));
    expect(t.generate(20, 3)).not.toEqual(t.generate(20, 4));
  });

  it('moves a sequence by at most the jitter, for out-of-order event times', () => {
    const t = compileTemplate('{ "ts": "seq(0, 1000, 300)" }');
    if (!t.ok) throw new Error(t.message);
    const ts = t.generate(500).map((s) => (s as { value: { ts: number } }).value.ts);
    ts.forEach((v, i) => expect(Math.abs(v - i * 1000)).toBeLessThanOrEqual(300));
    expect(ts.some((v, i) => i > 0 && v < ts[i - 1]! + 1000 - 300)).toBe(true);
  });

  it('fills sample members when the template is a sample', () => {
    const t = compileTemplate(
      '{ "value": { "v": "int(5,5)" }, "key": "pick(a)", "timestamp": "seq(10, 10)", "partition": "int(0,0)" }',
    );
    if (!t.ok) throw new Error(t.message);
    expect(t.generate(2)).toEqual([
      { value: { v: 5 }, key: 'a', timestamp: 10, partition: 0 },
      { value: { v: 5 }, key: 'a', timestamp: 20, partition: 0 },
    ]);
  });

  it('says what is wrong with a template', () => {
    expect(compileTemplate('{ "a": "rand(1)" }')).toMatchObject({
      ok: false,
      message: expect.stringContaining('unknown function "rand"'),
    });
    expect(compileTemplate('{ "a": "int(5, 1)" }')).toMatchObject({
      ok: false,
      message: expect.stringContaining('max is smaller than min'),
    });
    expect(compileTemplate('{ "a": "int(x, 1)" }')).toMatchObject({
      ok: false,
      message: expect.stringContaining('must be a number'),
    });
    expect(compileTemplate('{ a: 1 }')).toMatchObject({
      ok: false,
      message: expect.stringContaining('not valid JSON'),
    });
  });

  it('draws uniformly enough that every value of a small range appears', () => {
    const random = seededRandom(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(Math.floor(random() * 10));
    expect(seen.size).toBe(10);
  });
});

describe('importing samples', () => {
  it('reads JSON Lines of samples and of bare values, skipping blank lines and reporting bad ones', () => {
    const text =
      '{"value":{"a":1},"key":"k","timestamp":5}\n\n{"watermark":100}\n{"a":2}\n{"value":3,"sensor":"x"}\nnot json\n';
    const result = parseJsonLines(text);
    expect(result.samples).toEqual([
      { value: { a: 1 }, key: 'k', timestamp: 5 },
      { watermark: 100 },
      { value: { a: 2 } },
      { value: { value: 3, sensor: 'x' } },
    ]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatch(/^line 6: /);
  });

  it('reads CSV rows as values with numbers and booleans parsed', () => {
    const result = parseCsv('user_id,event_type,ts,vip\n1,page_view,1000,true\n2,"click, again",2500,false\n');
    expect(result.samples).toEqual([
      { value: { user_id: 1, event_type: 'page_view', ts: 1000, vip: true } },
      { value: { user_id: 2, event_type: 'click, again', ts: 2500, vip: false } },
    ]);
  });

  it('tells the format from the file name or the text, and writes what it reads', () => {
    expect(detectFormat('events.csv', '{')).toBe('csv');
    expect(detectFormat('x.txt', '[{"value":1}]')).toBe('json');
    expect(detectFormat('x.txt', '{"value":1}')).toBe('jsonl');
    const samples: Sample[] = [{ value: { a: 1 } }, { watermark: 9, partition: 1 }];
    expect(parseSamplesFile('s.jsonl', toJsonLines(samples)).samples).toEqual(samples);
    expect(parseSamplesFile('s.json', JSON.stringify([{ a: 1 }, { watermark: 3 }])).samples).toEqual([
      { value: { a: 1 } },
      { watermark: 3 },
    ]);
  });
});

describe('editing samples', () => {
  it('reads keys as JSON scalars when they are, and as text otherwise, and writes them back the same', () => {
    expect(parseKey('1')).toBe(1);
    expect(parseKey('"1"')).toBe('1');
    expect(parseKey('alice')).toBe('alice');
    expect(parseKey('null')).toBe(null);
    expect(parseKey('')).toBeUndefined();
    for (const key of [1, '1', 'alice', null, true, 'true', ' padded']) expect(parseKey(formatKey(key))).toBe(key);
  });

  it('moves a sample and leaves the list alone for a move out of range', () => {
    const s: Sample[] = [{ value: 1 }, { value: 2 }, { value: 3 }];
    expect(moveSample(s, 0, 2)).toEqual([{ value: 2 }, { value: 3 }, { value: 1 }]);
    expect(moveSample(s, 2, 3)).toBe(s);
  });

  it('starts a new record from the last one a second later, and a watermark past the latest time', () => {
    const s: Sample[] = [{ value: { a: 1 }, key: 'k', timestamp: 5000 }, { watermark: 7000 }];
    expect(newRecordSample(s)).toEqual({ value: { a: 1 }, key: 'k', timestamp: 6000 });
    expect(newWatermarkSample(s)).toEqual({ watermark: 7001 });
  });

  it('round-trips samples through their text form and reports problems with their paths', () => {
    const s: Sample[] = [{ value: { a: 1 } }, { watermark: 5 }];
    expect(parseSamplesText(samplesToText(s))).toEqual({ samples: s, problems: [] });
    const bad = parseSamplesText('[{"value":1,"timestamp":1.5},{"nope":1}]');
    expect(bad.samples).toBeNull();
    expect(bad.problems.map((p) => p.path)).toEqual(['samples[0].timestamp', 'samples[1].value', 'samples[1].nope']);
  });
});
