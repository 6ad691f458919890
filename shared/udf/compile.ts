/**
 * The UDF compiler (SPEC §4): TypeScript in, a JavaScript module out, the same code in the browser and in Node.
 *
 * Sucrase strips the types (it is small, synchronous and keeps line numbers, so errors point at the author's lines);
 * acorn then parses the JavaScript, which lets us reject imports with their position, find the module's exports and
 * put a budget guard into every loop. The module body becomes a function of `__exports` and `__guard`; how that
 * function is made from text is the host's choice (`ModuleEvaluator`), so the server can use a context without
 * `require`, `process` or a file system.
 */
import { transform } from 'sucrase';
import { parse, type Node as AcornNode } from 'acorn';

export interface UdfDiagnostic {
  code: 'E_UDF_SYNTAX' | 'E_UDF_IMPORT' | 'E_UDF_EXPORT' | 'E_UDF_RESERVED';
  line: number;
  column: number;
  message: string;
}

export interface CompiledModule {
  /** JavaScript of the module body: a function body over `__exports` and `__guard`, same line numbers as the source. */
  body: string;
  /** Names the module exports (`default` for `export default`). */
  exports: string[];
}

export type CompileResult = { ok: true; module: CompiledModule } | { ok: false; diagnostics: UdfDiagnostic[] };

/** Turns a module body into a callable `(exports, guard) => void`. Hosts may replace it with a sandboxed one. */
export type ModuleEvaluator = (body: string) => (exports: Record<string, unknown>, guard: () => void) => void;

export const evaluateWithFunction: ModuleEvaluator = (body) =>
  // Shadow the usual ambient module names so user code cannot reach them by accident.
  new Function('__exports', '__guard', 'require', 'module', 'exports', body) as (
    exports: Record<string, unknown>,
    guard: () => void,
  ) => void;

interface SyntaxErrorWithLoc {
  message: string;
  loc?: { line: number; column: number };
}

/** Sucrase counts columns from 1, acorn from 0; diagnostics count from 1. */
function positionOf(err: unknown, firstColumn: 0 | 1): { line: number; column: number; message: string } {
  const e = err as SyntaxErrorWithLoc;
  const message = String(e?.message ?? err).replace(/\s*\(\d+:\d+\)$/, '');
  return { line: e?.loc?.line ?? 1, column: (e?.loc?.column ?? firstColumn) + 1 - firstColumn, message };
}

function stripTypes(source: string): string {
  return transform(source, { transforms: ['typescript'], disableESTransforms: true, keepUnusedImports: true }).code;
}

/**
 * When the body of a parenthesized arrow function does not parse, sucrase retries it as a plain parenthesized
 * expression and reports the error at the `=>` (or at the colon of a return type before it). Parsing the body
 * alone, with everything before it blanked out so that lines and columns stay, finds the real position (repeated
 * for arrows nested in arrows).
 */
function locateSyntaxError(source: string, err: unknown): { line: number; column: number; message: string } {
  let text = source;
  for (let depth = 0; depth < 16; depth++) {
    const pos = (err as { pos?: unknown })?.pos;
    if (typeof pos !== 'number') break;
    const head = /^(?::[^;{}\n]*?)?=>/.exec(text.slice(pos, pos + 200));
    if (head === null) break;
    let body = pos + head[0].length;
    while (body < text.length && /\s/.test(text[body]!)) body++;
    text = text.slice(0, body).replace(/[^\n]/g, ' ') + text.slice(body);
    try {
      stripTypes(text);
      break;
    } catch (inner) {
      err = inner;
    }
  }
  return positionOf(err, 1);
}

type Edit = { at: number; end: number; text: string };

// A Promise cannot be a record value or a verdict: the engine calls user code synchronously, record by record.
const ASYNC_MESSAGE =
  'user functions run synchronously, one record at a time: remove `async` (awaiting I/O is not possible in a UDF)';

const LOOPS = new Set(['WhileStatement', 'DoWhileStatement', 'ForStatement', 'ForInStatement', 'ForOfStatement']);

function walk(node: AcornNode, visit: (n: AcornNode) => void): void {
  visit(node);
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      for (const child of value) if (child && typeof child.type === 'string') walk(child, visit);
    } else if (value && typeof value === 'object' && typeof (value as AcornNode).type === 'string') {
      walk(value as AcornNode, visit);
    }
  }
}

/** Compiles one UDF module. Never throws: every problem comes back as a diagnostic with line and column. */
/** Names the compiled body binds (the exports object and the budget guard): user code may not touch them. */
const RESERVED = new Set(['__guard', '__exports']);

/**
 * Compiled modules by source text, most recently used last. The editor revalidates the whole document on every
 * keystroke and its code markers compile the same text again; only the field being typed in has new text, so the
 * others come from here. Results are never mutated by their users, so they can be shared.
 */
const cache = new Map<string, CompileResult>();
const CACHE_ENTRIES = 256;

export function compileModule(source: string): CompileResult {
  const cached = cache.get(source);
  if (cached !== undefined) {
    cache.delete(source);
    cache.set(source, cached);
    return cached;
  }
  const result = compileUncached(source);
  cache.set(source, result);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return result;
}

function compileUncached(source: string): CompileResult {
  let js: string;
  try {
    js = stripTypes(source);
  } catch (err) {
    return { ok: false, diagnostics: [{ code: 'E_UDF_SYNTAX', ...locateSyntaxError(source, err) }] };
  }
  let program: AcornNode;
  try {
    program = parse(js, { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  } catch (err) {
    return { ok: false, diagnostics: [{ code: 'E_UDF_SYNTAX', ...positionOf(err, 0) }] };
  }

  const diagnostics: UdfDiagnostic[] = [];
  const edits: Edit[] = [];
  const exported: Array<[name: string, local: string]> = [];
  const at = (n: AcornNode) => ({ line: n.loc!.start.line, column: n.loc!.start.column + 1 });

  walk(program, (n) => {
    const node = n as AcornNode & Record<string, any>;
    if (node.type === 'ImportDeclaration' || node.type === 'ImportExpression') {
      diagnostics.push({
        code: 'E_UDF_IMPORT',
        ...at(node),
        message: 'imports are not allowed in user code: everything a function needs comes in as its arguments',
      });
    } else if (node.type === 'ExportAllDeclaration') {
      diagnostics.push({
        code: 'E_UDF_IMPORT',
        ...at(node),
        message: 're-exports from other modules are not allowed in user code',
      });
    } else if (node.type === 'ExportDefaultDeclaration') {
      if (node.declaration.async === true)
        diagnostics.push({ code: 'E_UDF_EXPORT', ...at(node.declaration), message: ASYNC_MESSAGE });
      edits.push({ at: node.start, end: node.declaration.start, text: '__exports.default = ' });
      edits.push({ at: node.end, end: node.end, text: ';' });
      exported.push(['default', '']);
    } else if (node.type === 'ExportNamedDeclaration') {
      if (node.declaration) {
        edits.push({ at: node.start, end: node.declaration.start, text: '' });
        const decl = node.declaration;
        if (decl.async === true) diagnostics.push({ code: 'E_UDF_EXPORT', ...at(decl), message: ASYNC_MESSAGE });
        const names: string[] =
          decl.type === 'VariableDeclaration'
            ? decl.declarations.flatMap((d: any) => (d.id.type === 'Identifier' ? [d.id.name] : []))
            : [decl.id.name];
        for (const name of names) exported.push([name, name]);
      } else {
        edits.push({ at: node.start, end: node.end, text: '' });
        for (const spec of node.specifiers) exported.push([spec.exported.name ?? spec.exported.value, spec.local.name]);
      }
    } else if (node.type === 'Identifier' && RESERVED.has(node.name)) {
      diagnostics.push({
        code: 'E_UDF_RESERVED',
        ...at(node),
        message: `\`${node.name}\` is reserved: it is how Weir keeps user code to its time budget`,
      });
    } else if (node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === 'eval') {
      diagnostics.push({ code: 'E_UDF_RESERVED', ...at(node), message: '`eval` is not allowed in user code' });
    } else if (LOOPS.has(node.type)) {
      const body = node.body;
      if (body.type === 'BlockStatement') edits.push({ at: body.start + 1, end: body.start + 1, text: '__guard();' });
      else {
        edits.push({ at: body.start, end: body.start, text: '{__guard();' });
        edits.push({ at: body.end, end: body.end, text: '}' });
      }
    }
  });
  if (diagnostics.length > 0) return { ok: false, diagnostics };

  edits.sort((a, b) => a.at - b.at || a.end - b.end);
  let body = '"use strict";';
  let cursor = 0;
  for (const edit of edits) {
    body += js.slice(cursor, edit.at) + edit.text;
    cursor = Math.max(cursor, edit.end);
  }
  body += js.slice(cursor);
  const tail = exported
    .filter(([name]) => name !== 'default')
    .map(([name, local]) => `__exports[${JSON.stringify(name)}] = ${local};`);
  if (tail.length > 0) body += '\n' + tail.join(' ');
  return { ok: true, module: { body, exports: exported.map(([name]) => name) } };
}

/** Checks that a compiled module exports every name in `required`, naming the first missing one. */
export function missingExports(module: CompiledModule, required: readonly string[]): string[] {
  return required.filter((name) => !module.exports.includes(name));
}

/** Evaluates a compiled module; returns its exports. Top-level code runs under the same guard as calls do. */
export function instantiate(
  module: CompiledModule,
  guard: () => void,
  evaluate: ModuleEvaluator = evaluateWithFunction,
): Record<string, unknown> {
  const exports: Record<string, unknown> = {};
  evaluate(module.body)(exports, guard);
  return exports;
}
