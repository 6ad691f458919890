import { describe, it, expect } from 'vitest';
import { compileModule, instantiate, missingExports, type CompileResult } from '../../../shared/udf/compile.ts';
import { simulate } from '../../../shared/engine/simulation.ts';
import { PipelineBuildError } from '../../../shared/engine/engine.ts';
import { chain, node, records, sink, source } from '../engine/pipelines.ts';
import { OPERATORS } from '../../../shared/operators/registry.ts';

function diagnostics(result: CompileResult) {
  if (result.ok) throw new Error('expected the module not to compile');
  return result.diagnostics.map(({ code, line, column }) => ({ code, line, column }));
}

function exportsOf(source: string): Record<string, unknown> {
  const result = compileModule(source);
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return instantiate(result.module, () => {});
}

describe('the UDF compiler', () => {
  it('strips TypeScript types, interfaces, generics, casts and enums, and keeps working code', () => {
    const source = [
      'interface Order { id: string; amount: number; tags?: string[] }',
      'type Totals = Record<string, number>;',
      'enum Level { Low = 1, High = 2 }',
      'function level<T extends Order>(o: T): Level { return o.amount > 100 ? Level.High : Level.Low; }',
      'export default (value: Order, ctx: Context): Totals => {',
      '  const amount = (value as any).amount as number;',
      '  return { [value.id]: amount * level(value)! };',
      '};',
    ].join('\n');
    const result = compileModule(source);
    expect(result.ok && result.module.exports).toEqual(['default']);
    const fn = exportsOf(source).default as (v: unknown) => unknown;
    expect(fn({ id: 'a', amount: 150 })).toEqual({ a: 300 });
    expect(fn({ id: 'b', amount: 10 })).toEqual({ b: 10 });
  });

  it('collects named exports: functions, constants and export lists', () => {
    const result = compileModule(
      'export function processElement() {}\nconst t = () => 1;\nexport { t as onTimer };\nexport const limit = 3;',
    );
    expect(result.ok && [...result.module.exports].sort()).toEqual(['limit', 'onTimer', 'processElement']);
    const exported = exportsOf('export function a() { return 1; }\nconst b = () => 2;\nexport { b };');
    expect((exported.a as () => number)() + (exported.b as () => number)()).toBe(3);
  });

  it('reports a syntax error with the line and column where it is, also inside an arrow function body', () => {
    expect(diagnostics(compileModule('export default (v: number) => {\n  return v +;\n};'))).toEqual([
      { code: 'E_UDF_SYNTAX', line: 2, column: 13 },
    ]);
    expect(
      diagnostics(
        compileModule(
          'export default (v: any, ctx: Context): number => {\n  const f = (a: number) => {\n    return a *;\n  };\n  return f(v);\n};',
        ),
      ),
    ).toEqual([{ code: 'E_UDF_SYNTAX', line: 3, column: 15 }]);
    expect(diagnostics(compileModule('export default function (v) {\n  if (v {\n    return 1;\n  }\n}'))).toEqual([
      { code: 'E_UDF_SYNTAX', line: 2, column: 9 },
    ]);
    expect(diagnostics(compileModule('export default (v) =>\n  v.map((x) => x +);'))).toEqual([
      { code: 'E_UDF_SYNTAX', line: 2, column: 19 },
    ]);
    expect(diagnostics(compileModule('const a = 1;\nexport default (v) => v;\n  }'))).toEqual([
      { code: 'E_UDF_SYNTAX', line: 3, column: 3 },
    ]);
  });

  it('reports errors that only the JavaScript parser finds with columns counted from 1', () => {
    expect(diagnostics(compileModule('const a = 1;\nlet a = 2;\nexport default (v) => v;'))).toEqual([
      { code: 'E_UDF_SYNTAX', line: 2, column: 5 },
    ]);
  });

  it('rejects import statements, dynamic imports and re-exports with E_UDF_IMPORT at their position', () => {
    expect(
      diagnostics(compileModule('// helpers\nimport { sum } from "lodash";\nexport default (v) => sum(v);')),
    ).toEqual([{ code: 'E_UDF_IMPORT', line: 2, column: 1 }]);
    expect(
      diagnostics(compileModule('export default (v) => {\n  const m = import("node:fs");\n  return v;\n};')),
    ).toEqual([{ code: 'E_UDF_IMPORT', line: 2, column: 13 }]);
    expect(diagnostics(compileModule('export * from "other";\nexport default (v) => v;'))).toEqual([
      { code: 'E_UDF_IMPORT', line: 1, column: 1 },
    ]);
    const result = compileModule('import type { X } from "x";\nimport fs from "fs";\nexport default (v) => v;');
    expect(!result.ok && result.diagnostics[0]!.message).toMatch(/imports are not allowed/);
  });

  it('rejects async user functions, which would hand a Promise to the engine instead of a value', () => {
    expect(diagnostics(compileModule('export default async (v: any) => v;'))).toEqual([
      { code: 'E_UDF_EXPORT', line: 1, column: 16 },
    ]);
    expect(diagnostics(compileModule('const a = 1;\nexport async function processElement(v) {}'))).toEqual([
      { code: 'E_UDF_EXPORT', line: 2, column: 8 },
    ]);
    expect(compileModule('export default (v: any) => { const f = async () => 1; return v; };').ok).toBe(true);
  });

  it('names a missing export, and the engine refuses a node whose module lacks it with E_UDF_EXPORT at the code field', () => {
    const result = compileModule('export const helper = 1;');
    expect(result.ok && missingExports(result.module, ['default'])).toEqual(['default']);
    const doc = chain(
      source('s', records([1, 1])),
      node('m', 'map', { code: 'export const mapper = (v) => v;' }),
      sink(),
    );
    expect(() => simulate(doc, { operators: OPERATORS })).toThrow(PipelineBuildError);
    expect(() => simulate(doc, { operators: OPERATORS })).toThrow(
      'nodes[1].params.code: E_UDF_EXPORT: the module must export an `export default` function',
    );
  });

  it('refuses a node whose code does not compile, naming the field, code, line and column', () => {
    const doc = chain(
      source('s', records([1, 1])),
      node('f', 'filter', { code: ['export default (v) => {', '  return v >;', '};'] }),
      sink(),
    );
    expect(() => simulate(doc, { operators: OPERATORS })).toThrow(
      /^nodes\[1\]\.params\.code: E_UDF_SYNTAX: line 2, column 13: /,
    );
  });

  it('puts a budget guard into every kind of loop, with or without braces', () => {
    const result = compileModule(
      [
        'export default (v) => {',
        '  let n = 0;',
        '  for (let i = 0; i < 2; i++) n++;',
        '  for (const x of [1, 2]) { n += x; }',
        '  for (const k in { a: 1 }) n++;',
        '  while (n < 10) n++;',
        '  do { n++; } while (n < 12);',
        '  return n;',
        '};',
      ].join('\n'),
    );
    if (!result.ok) throw new Error('expected the module to compile');
    let guards = 0;
    const fn = instantiate(result.module, () => guards++).default as (v: unknown) => number;
    expect(fn(null)).toBe(12);
    // 2 + 2 + 1 iterations, then n goes 6 → 10 (4) and 10 → 12 (2).
    expect(guards).toBe(11);
  });
});

describe('the compile cache', () => {
  it('answers the same text with the same result, compiles new text, and forgets the least recently used', () => {
    const source = 'export default (v: number) => v + 1;';
    const first = compileModule(source);
    expect(compileModule(source)).toBe(first);
    expect(compileModule(source + ' ')).not.toBe(first);
    for (let i = 0; i < 300; i++) compileModule(`export default () => ${i};`);
    const again = compileModule(source);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
