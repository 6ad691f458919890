import { describe, it, expect } from 'vitest';
import ts from 'typescript';
import { compileMarkers, problemMarkers } from '../../web/src/code/markers.ts';
import { typeOfValues, upstreamSampleValues, valueTypeDeclarations } from '../../web/src/code/value-type.ts';
import { codeFieldAt } from '../../web/src/code/code-field-info.ts';
import { UDF_DECLARATIONS } from '../../shared/udf/declarations.ts';
import { problem } from '../../shared/pipeline/errors.ts';
import { readExample } from './simulation-support.ts';

const libCache = new Map<string, ts.SourceFile | undefined>();

/** Type-checks user code against the declarations the editor gives Monaco; returns the error messages. */
function typeErrors(code: string, extra = ''): string[] {
  const files: Record<string, string> = { '/udf.d.ts': UDF_DECLARATIONS, '/value.d.ts': extra, '/code.ts': code };
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    lib: ['lib.es2022.d.ts'],
    strict: true,
    noImplicitAny: false,
    noEmit: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const original = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version) => {
    if (name in files) return ts.createSourceFile(name, files[name]!, version);
    if (!libCache.has(name)) libCache.set(name, original(name, version));
    return libCache.get(name);
  };
  host.fileExists = (name) => name in files || ts.sys.fileExists(name);
  host.readFile = (name) => files[name] ?? ts.sys.readFile(name);
  const program = ts.createProgram(Object.keys(files), options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('the UDF declarations', () => {
  it('type a process module’s state, timers and emit, and reject a misspelt member', () => {
    const good = `
      export function processElement(value: any, ctx: ProcessContext) {
        const count = ctx.state.value<number>('count', 0);
        count.set(count.get() + 1);
        ctx.state.list('seen').add(ctx.timestamp);
        ctx.state.map<number>('byType').set(String(ctx.key), 1);
        ctx.timers.registerEventTime(ctx.timestamp + 1000);
        ctx.emit({ n: count.get() }, 'out');
        ctx.log('at', ctx.watermark, ctx.nodeId);
      }
      export function onTimer(timestamp: number, ctx: ProcessContext) { ctx.timers.deleteProcessingTime(timestamp); }`;
    expect(typeErrors(good)).toEqual([]);
    expect(typeErrors('export default (v: any, ctx: Context) => ctx.state;')).toEqual([
      expect.stringContaining("Property 'state' does not exist on type 'Context'"),
    ]);
    expect(typeErrors('export default (values: any[], ctx: WindowContext) => ctx.window?.end;')).toEqual([]);
  });

  it('type an aggregate module by its shape', () => {
    const code = `
      const m: AggregateModule<{ n: number }, { x: number }, number> = {
        createAccumulator: () => ({ n: 0 }),
        add: (acc, v) => ({ n: acc.n + v.x }),
        getResult: (acc) => acc.n,
      };
      export const { createAccumulator, add, getResult } = m;`;
    expect(typeErrors(code)).toEqual([]);
  });
});

describe('the value type from upstream samples', () => {
  it('describes the values, marking fields that some samples lack as optional', () => {
    expect(
      typeOfValues([
        { a: 1, b: 'x' },
        { a: 2, c: [true] },
      ]),
    ).toBe('{\n  a: number;\n  b?: string;\n  c?: boolean[];\n}');
    expect(typeOfValues([1, 'one', null])).toBe('string | number | null');
    expect(typeOfValues([])).toBe('any');
  });

  it('looks through filters and keyBys to the source, but not through a window', () => {
    const doc = readExample('page-views.weir.json');
    expect(upstreamSampleValues(doc, 'views')).toHaveLength(13);
    expect(upstreamSampleValues(doc, 'perMinute')).toHaveLength(13);
    expect(upstreamSampleValues(doc, 'page_view_counts')).toBeNull();
  });

  it('declares a Value type that lets the filter of the page-views example read its fields', () => {
    const doc = readExample('page-views.weir.json');
    const declarations = valueTypeDeclarations(doc, 'views');
    expect(declarations).toContain('event_type: string;');
    expect(typeErrors("export default (e: Value) => e.event_type === 'page_view';", declarations)).toEqual([]);
    expect(typeErrors('export default (e: Value) => e.eventType;', declarations)).toEqual([
      expect.stringContaining("Property 'eventType' does not exist"),
    ]);
  });
});

describe('squiggles in a code field', () => {
  it('marks a syntax error at its line and column', () => {
    expect(compileMarkers('export default (v) => {\n  return v +;\n};', ['default'])).toEqual([
      {
        severity: 'error',
        startLineNumber: 2,
        startColumn: 13,
        endLineNumber: 2,
        endColumn: 14,
        message: 'Unexpected token',
        code: 'E_UDF_SYNTAX',
      },
    ]);
  });

  it('marks an import and a missing export', () => {
    expect(compileMarkers('import x from "y";\nexport default () => 1;', ['default'])[0]).toMatchObject({
      code: 'E_UDF_IMPORT',
      startLineNumber: 1,
    });
    expect(compileMarkers('export function processElement() {}', ['processElement', 'onTimer'])).toEqual([
      expect.objectContaining({ code: 'E_UDF_EXPORT', message: 'the module must export a function named `onTimer`' }),
    ]);
    expect(compileMarkers('const f = 1;', ['default'], '(value, ctx) => boolean')[0]!.message).toBe(
      'the module must export an `export default` function (value, ctx) => boolean',
    );
  });

  it('shows the validator’s problems at the field’s path, leaving the compiler’s own to the compiler', () => {
    const problems = [
      problem('nodes[1].params.code', 'E_UDF_SYNTAX', 'line 1, column 2: Unexpected token'),
      problem('nodes[1].params.code', 'E_TYPE', 'must be code'),
      problem('nodes[1].params.field', 'E_REQUIRED', 'is required'),
    ];
    expect(problemMarkers(problems, ['params', 'code'], 'x').map((m) => m.code)).toEqual(['E_TYPE']);
  });

  it('finds the schema of a code field inside a variant by the tag the node holds', () => {
    const node = {
      id: 'w',
      type: 'window',
      params: { assigner: { kind: 'tumbling', sizeMs: 1000 }, aggregate: { kind: 'reduce', code: 'x' } },
    };
    expect(codeFieldAt(node, ['params', 'aggregate', 'code'])?.signature).toMatch(/acc/);
    expect(
      codeFieldAt({ ...node, params: { ...node.params, aggregate: { kind: 'count' } } }, [
        'params',
        'aggregate',
        'code',
      ]),
    ).toBeUndefined();
    expect(codeFieldAt({ id: 'f', type: 'filter', params: {} }, ['params', 'code'])?.exports).toEqual(['default']);
  });
});
