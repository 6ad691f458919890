import { describe, it, expect } from 'vitest';
import { simulate } from '../../../shared/engine/simulation.ts';
import { PipelineFailure } from '../../../shared/engine/operator.ts';
import type { ErrorPolicy, NodeDoc, Sample } from '../../../shared/pipeline/types.ts';
import { chain, node, pipeline, records, run, runWithCheckpoints, sink, source, triples } from '../engine/pipelines.ts';
import { OPERATORS } from '../../../shared/operators/registry.ts';

/** source → the node under test → sink `out`, its error port → sink `errors`. */
function around(samples: Sample[], tested: NodeDoc) {
  return pipeline(
    [source('s', samples), tested, sink('out'), sink('errors')],
    [
      { from: 's', to: tested.id },
      { from: tested.id, to: 'out' },
      { from: tested.id, fromPort: 'error', to: 'errors' },
    ],
  );
}

const errorsOf = (outputs: ReturnType<typeof run>) =>
  outputs.filter((o) => o.sink === 'errors').map((o) => o.value as { error: string; node: string; input: unknown });

describe('filter', () => {
  it('keeps the records for which the function returns true, unchanged', () => {
    const outputs = run(
      around(
        records([1, 5, 'a'], [2, -1, 'b'], [3, 7, 'c']),
        node('f', 'filter', { code: 'export default (v: number) => v > 0;' }),
      ),
    );
    expect(triples(outputs)).toEqual([
      ['a', 5, 1],
      ['c', 7, 3],
    ]);
  });

  it('fails a record when the function returns something other than a boolean', () => {
    const outputs = run(
      around(records([1, 5, 'a'], [2, 0, 'b']), node('f', 'filter', { code: 'export default (v) => v;' }, 'route')),
    );
    expect(triples(outputs, 'out')).toEqual([]);
    expect(errorsOf(outputs).map((e) => [e.error, e.input])).toEqual([
      ['the filter must return true or false, got 5', 5],
      ['the filter must return true or false, got 0', 0],
    ]);
  });
});

describe('map', () => {
  it('replaces the value and keeps key and timestamp; the function sees ctx.key and ctx.timestamp', () => {
    const code =
      'export default (v: { n: number }, ctx: Context) => ({ doubled: v.n * 2, key: ctx.key, at: ctx.timestamp });';
    const outputs = run(around(records([10, { n: 1 }, 'a'], [20, { n: 4 }, null]), node('m', 'map', { code })));
    expect(triples(outputs)).toEqual([
      ['a', { doubled: 2, key: 'a', at: 10 }, 10],
      [null, { doubled: 8, key: null, at: 20 }, 20],
    ]);
  });

  it('allows null but fails a record for which the function returns undefined', () => {
    const code = 'export default (v) => (v === "none" ? undefined : v === "null" ? null : v);';
    const outputs = run(
      around(records([1, 'none', 'k'], [2, 'null', 'k'], [3, 'x', 'k']), node('m', 'map', { code }, 'route')),
    );
    expect(triples(outputs, 'out')).toEqual([
      ['k', null, 2],
      ['k', 'x', 3],
    ]);
    expect(errorsOf(outputs)).toEqual([
      { error: expect.stringMatching(/returned undefined/), node: 'm', input: 'none' },
    ]);
  });

  it('routes a throwing function to the error port with key and timestamp kept', () => {
    const code = 'export default (v) => { if (v.bad) throw new Error("bad value " + v.id); return v.id; };';
    const outputs = run(
      around(records([1, { id: 1 }, 'k'], [2, { id: 2, bad: true }, 'j']), node('m', 'map', { code }, 'route')),
    );
    expect(outputs.map((o) => [o.sink, o.key, o.value, o.timestamp])).toEqual([
      ['out', 'k', 1, 1],
      ['errors', 'j', { error: 'bad value 2', node: 'm', input: { id: 2, bad: true } }, 2],
    ]);
  });

  it('skips and counts failing records under onError "skip"', () => {
    const result = simulate(
      around(
        records([1, 1], [2, 0], [3, 2]),
        node(
          'm',
          'map',
          { code: 'export default (v) => { if (!v) throw new Error("zero"); return 10 / v; };' },
          'skip',
        ),
      ),
      { operators: OPERATORS },
    );
    expect(result.outputs.map((o) => o.value)).toEqual([10, 5]);
    expect(result.engine.metrics().m).toEqual({ in: 3, out: { out: 2, error: 0 }, errors: 1 });
  });

  it('stops under onError "fail" with a PipelineFailure naming the node, the reason and the record', () => {
    const doc = around(
      records([1, 1], [2, 0]),
      node('m', 'map', { code: 'export default (v) => { if (!v) throw new Error("zero"); return v; };' }),
    );
    expect(() => simulate(doc, { operators: OPERATORS })).toThrow(PipelineFailure);
    expect(() => simulate(doc, { operators: OPERATORS })).toThrow('node "m" failed: zero (input: 0)');
  });
});

describe('flatMap', () => {
  it('emits one record per array item, each with the key and timestamp of its input', () => {
    const code = 'export default (v: string) => v.split(" ");';
    const outputs = run(around(records([5, 'a b', 'k'], [6, '', 'j'], [7, 'c', 'i']), node('fm', 'flatMap', { code })));
    expect(triples(outputs)).toEqual([
      ['k', 'a', 5],
      ['k', 'b', 5],
      ['j', '', 6],
      ['i', 'c', 7],
    ]);
  });

  it('emits what a generator yields, and nothing for an empty array', () => {
    const code = 'export default function* (v: number) { for (let i = 0; i < v; i++) yield i; }';
    const outputs = runWithCheckpoints(
      around(records([1, 3, 'k'], [2, 0, 'k'], [3, 1, 'j']), node('fm', 'flatMap', { code })),
    );
    expect(triples(outputs)).toEqual([
      ['k', 0, 1],
      ['k', 1, 1],
      ['k', 2, 1],
      ['j', 0, 3],
    ]);
  });

  it('fails a record that returns something other than an array or iterable, and one whose generator throws midway, emitting none of it', () => {
    const code =
      'export default function (v) { if (v === "scalar") return 42; return (function* () { yield 1; throw new Error("midway"); })(); }';
    const outputs = run(around(records([1, 'scalar', 'k'], [2, 'gen', 'k']), node('fm', 'flatMap', { code }, 'route')));
    expect(triples(outputs, 'out')).toEqual([]);
    expect(errorsOf(outputs).map((e) => e.error)).toEqual([
      'flatMap must return an array or an iterable, got 42',
      'midway',
    ]);
  });
});

describe('keyBy', () => {
  it('sets the key from a dot-path field', () => {
    const outputs = run(
      around(
        records([1, { user: { id: 7 } }], [2, { user: { id: 'x' } }], [3, { user: { id: null } }]),
        node('k', 'keyBy', { field: 'user.id' }),
      ),
    );
    expect(outputs.map((o) => o.key)).toEqual([7, 'x', null]);
  });

  it('sets the key from a function', () => {
    const outputs = run(
      around(
        records([1, { a: 1, b: 2 }], [2, { a: 'z', b: true }]),
        node('k', 'keyBy', { code: 'export default (v) => `${v.a}-${v.b}`;' }),
      ),
    );
    expect(outputs.map((o) => [o.key, o.value])).toEqual([
      ['1-2', { a: 1, b: 2 }],
      ['z-true', { a: 'z', b: true }],
    ]);
  });

  it('treats keys 1 and "1" as different keys downstream', () => {
    const code = `
      export function processElement(value: unknown, ctx: ProcessContext) {
        const n = ctx.state.value('n', 0);
        n.set(n.get() + 1);
        ctx.emit(n.get());
      }`;
    const samples = records([1, { id: 1 }], [2, { id: '1' }], [3, { id: 1 }], [4, { id: '1' }], [5, { id: 1 }]);
    const outputs = run(
      chain(source('s', samples), node('k', 'keyBy', { field: 'id' }), node('p', 'process', { code }), sink()),
    );
    expect(triples(outputs)).toEqual([
      [1, 1, 1],
      ['1', 1, 2],
      [1, 2, 3],
      ['1', 2, 4],
      [1, 3, 5],
    ]);
  });

  it('fails a record whose key field is missing, or whose key is an object or undefined', () => {
    const field = run(
      around(
        records([1, { other: 1 }, 'old'], [2, { id: { nested: 1 } }]),
        node('k', 'keyBy', { field: 'id' }, 'route'),
      ),
    );
    expect(errorsOf(field).map((e) => e.error)).toEqual([
      'key field "id" is missing',
      'a key must be a JSON scalar or null, got {"nested":1}',
    ]);
    expect(field.filter((o) => o.sink === 'errors').map((o) => o.key)).toEqual(['old', null]);
    const code = run(around(records([1, {}]), node('k', 'keyBy', { code: 'export default (v) => v.id;' }, 'route')));
    expect(errorsOf(code).map((e) => e.error)).toEqual(['the key function returned undefined']);
  });

  it('under onError "skip" drops and counts records without a key', () => {
    const policy: ErrorPolicy = 'skip';
    const result = simulate(
      around(records([1, { id: 1 }], [2, {}], [3, { id: 3 }]), node('k', 'keyBy', { field: 'id' }, policy)),
      { operators: OPERATORS },
    );
    expect(result.outputs.map((o) => o.key)).toEqual([1, 3]);
    expect(result.engine.metrics().k!.errors).toBe(1);
  });
});
