import { describe, it, expect } from 'vitest';
import { validatePipeline } from '../../../shared/validation/validate.ts';
import { formatProblem } from '../../../shared/pipeline/errors.ts';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import { Engine, PipelineBuildError } from '../../../shared/engine/engine.ts';
import { operatorPipeline } from '../harness.ts';
import { OPERATORS } from '../../../shared/operators/registry.ts';

/** source → window → sink; returns the formatted problems of the window's params (nodes[1]). */
function problems(type: string, params: Record<string, unknown>): string[] {
  const result = validatePipeline(operatorPipeline({ type, params }));
  return result.ok ? [] : result.problems.map(formatProblem);
}

const count = { kind: 'count' };
const at = 'nodes[1].params';

describe('window params', () => {
  it('accept a complete window and fill in the defaults', () => {
    expect(problems('window', { assigner: { kind: 'tumbling', sizeMs: 60000 }, aggregate: count })).toEqual([]);
    expect(
      problems('window', {
        assigner: { kind: 'sliding', sizeMs: 10, slideMs: 10, offsetMs: -9 },
        aggregate: count,
        allowedLatenessMs: 0,
        time: 'processing',
      }),
    ).toEqual([]);
    expect(problems('window', { assigner: { kind: 'count', size: 3, slide: 1 }, aggregate: count })).toEqual([]);
  });

  it('require positive sizes and gaps and a non-negative allowed lateness', () => {
    expect(problems('window', { assigner: { kind: 'tumbling', sizeMs: 0 }, aggregate: count })).toEqual([
      `${at}.assigner.sizeMs: E_RANGE: must be a positive integer number of milliseconds, got 0`,
    ]);
    expect(
      problems('window', { assigner: { kind: 'session', gapMs: -5 }, aggregate: count, allowedLatenessMs: -1 }),
    ).toEqual([
      `${at}.assigner.gapMs: E_RANGE: must be a positive integer number of milliseconds, got -5`,
      `${at}.allowedLatenessMs: E_RANGE: must be an integer number of milliseconds of at least 0, got -1`,
    ]);
    expect(problems('window', { assigner: { kind: 'count', size: 0, slide: 1.5 }, aggregate: count })).toEqual([
      `${at}.assigner.size: E_RANGE: must be a positive integer, got 0`,
      `${at}.assigner.slide: E_RANGE: must be an integer, got 1.5`,
    ]);
  });

  it('require |offsetMs| below the size of tumbling windows and below the slide of sliding ones', () => {
    expect(problems('window', { assigner: { kind: 'tumbling', sizeMs: 10, offsetMs: -10 }, aggregate: count })).toEqual(
      [
        `${at}.assigner.offsetMs: E_RANGE: must be smaller than sizeMs in magnitude (|offsetMs| < sizeMs), got -10 with sizeMs 10; an offset of 0 gives the same windows`,
      ],
    );
    expect(
      problems('window', { assigner: { kind: 'sliding', sizeMs: 10, slideMs: 5, offsetMs: 7 }, aggregate: count }),
    ).toEqual([
      `${at}.assigner.offsetMs: E_RANGE: must be smaller than slideMs in magnitude (|offsetMs| < slideMs), got 7 with slideMs 5; an offset of 2 gives the same windows`,
    ]);
  });

  it('require a slide no larger than the size', () => {
    expect(problems('window', { assigner: { kind: 'sliding', sizeMs: 10, slideMs: 20 }, aggregate: count })).toEqual([
      `${at}.assigner.slideMs: E_RANGE: must not exceed sizeMs (slideMs ≤ sizeMs), got 20 with sizeMs 10; a slide larger than the size would leave records in no window`,
    ]);
  });

  it('require the field of sum, min, max and avg', () => {
    for (const kind of ['sum', 'min', 'max', 'avg']) {
      expect(problems('window', { assigner: { kind: 'tumbling', sizeMs: 10 }, aggregate: { kind } })).toEqual([
        `${at}.aggregate.field: E_REQUIRED: is required (dot path of a numeric field, e.g. "amount")`,
      ]);
    }
  });

  it('require merge from an aggregate module under session windows only', () => {
    const code = [
      'export const createAccumulator = () => 0;',
      'export const add = (a: number) => a + 1;',
      'export const getResult = (a: number) => a;',
    ];
    expect(
      problems('window', { assigner: { kind: 'tumbling', sizeMs: 10 }, aggregate: { kind: 'aggregate', code } }),
    ).toEqual([]);
    expect(
      problems('window', { assigner: { kind: 'session', gapMs: 10 }, aggregate: { kind: 'aggregate', code } }),
    ).toEqual([
      `${at}.aggregate.code: E_UDF_EXPORT: session windows merge panes: the module must also export a function named \`merge(a, b)\` that combines two accumulators`,
    ]);
    expect(
      problems('window', {
        assigner: { kind: 'session', gapMs: 10 },
        aggregate: { kind: 'aggregate', code: [...code, 'export const merge = (a: number, b: number) => a + b;'] },
      }),
    ).toEqual([]);
  });

  it('refuse to build a session window whose aggregate module has no merge, naming the field', () => {
    const code = [
      'export const createAccumulator = () => 0;',
      'export const add = (a: number) => a + 1;',
      'export const getResult = (a: number) => a;',
    ];
    const doc: PipelineDoc = operatorPipeline({
      type: 'window',
      params: { assigner: { kind: 'session', gapMs: 10 }, aggregate: { kind: 'aggregate', code } },
    });
    expect(() => new Engine(doc, { operators: OPERATORS })).toThrow(PipelineBuildError);
    expect(() => new Engine(doc, { operators: OPERATORS })).toThrow(
      'nodes[1].params.aggregate.code: E_UDF_EXPORT: the module must export a function named `merge`',
    );
  });

  it('offer only time assigners to the window join, with the same rules', () => {
    const code = 'export default (l: any, r: any) => [l, r];';
    expect(problems('join.window', { assigner: { kind: 'session', gapMs: 5 }, code })).toEqual([]);
    expect(problems('join.window', { assigner: { kind: 'count', size: 5 }, code })).toEqual([
      `nodes[2].params.assigner.kind: E_ENUM: must be one of "tumbling", "sliding", "session", got the string "count"`,
    ]);
    expect(problems('join.window', { assigner: { kind: 'tumbling', sizeMs: 5, offsetMs: 5 }, code })).toEqual([
      `nodes[2].params.assigner.offsetMs: E_RANGE: must be smaller than sizeMs in magnitude (|offsetMs| < sizeMs), got 5 with sizeMs 5; an offset of 0 gives the same windows`,
    ]);
  });

  it('require lowerBoundMs ≤ upperBoundMs of the interval join, bounds of any sign', () => {
    const code = 'export default (l: any, r: any) => [l, r];';
    expect(problems('join.interval', { lowerBoundMs: -10, upperBoundMs: -10, code })).toEqual([]);
    expect(problems('join.interval', { lowerBoundMs: 5, upperBoundMs: 4, code })).toEqual([
      `nodes[2].params.upperBoundMs: E_RANGE: must be at least lowerBoundMs (lowerBoundMs ≤ upperBoundMs), got 4 with lowerBoundMs 5`,
    ]);
  });
});
