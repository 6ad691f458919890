/**
 * What operators need to call user code: load a code param into functions, and the `ctx` object every UDF gets
 * (SPEC §4). One context object per operator is reused for every call, so the hot path allocates nothing for it.
 */
import { codeText, type Code, type Key } from '../pipeline/types.ts';
import type { UdfBudget } from './budget.ts';
import { compileModule, instantiate, type CompileResult, type ModuleEvaluator } from './compile.ts';

export type UdfFunction = (...args: any[]) => any;

/** What loading and calling user code needs of its host; the engine's `OperatorEnv` is one. */
export interface UdfEnv {
  readonly node: { readonly id: string };
  readonly budget: UdfBudget;
  readonly evaluate: ModuleEvaluator;
  /** Turns a code param's text into a module; default: the UDF compiler. */
  readonly compile?: (source: string) => CompileResult;
  /** Hears `ctx.log` calls. */
  readonly observer: { log?(nodeId: string, args: unknown[]): void } | null;
}

/** Thrown when a pipeline that did not pass validation is run anyway; names where the code lives. */
export class UdfLoadError extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.path = path;
    this.name = 'UdfLoadError';
  }
}

/** Compiles and evaluates a code param; returns the named exports as functions. */
export function loadUdfModule(
  env: UdfEnv,
  code: Code,
  path: string,
  required: readonly string[],
  optional: readonly string[] = [],
): Record<string, UdfFunction> {
  const result = (env.compile ?? compileModule)(codeText(code));
  if (!result.ok) {
    const d = result.diagnostics[0]!;
    throw new UdfLoadError(path, `${d.code}: line ${d.line}, column ${d.column}: ${d.message}`);
  }
  env.budget.begin();
  let exports: Record<string, unknown>;
  try {
    exports = instantiate(result.module, env.budget.guard, env.evaluate);
  } catch (err) {
    throw new UdfLoadError(path, `the module threw while loading: ${err instanceof Error ? err.message : String(err)}`);
  }
  const functions: Record<string, UdfFunction> = {};
  for (const name of [...required, ...optional]) {
    const fn = exports[name];
    if (typeof fn === 'function') functions[name] = fn as UdfFunction;
    else if (required.includes(name) || fn !== undefined) {
      const what = name === 'default' ? 'an `export default` function' : `a function named \`${name}\``;
      throw new UdfLoadError(path, `E_UDF_EXPORT: the module must export ${what}`);
    }
  }
  return functions;
}

export function loadUdf(env: UdfEnv, code: Code, path: string): UdfFunction {
  return loadUdfModule(env, code, path, ['default']).default!;
}

/** The `ctx` argument of every UDF. Fields are updated in place before each call. */
export class UdfContext {
  key: Key = null;
  timestamp = 0;
  watermark = -Infinity;
  readonly nodeId: string;
  readonly log: (...args: unknown[]) => void;

  constructor(env: UdfEnv) {
    this.nodeId = env.node.id;
    const observer = env.observer;
    const nodeId = this.nodeId;
    this.log = (...args: unknown[]) => observer?.log?.(nodeId, args);
  }

  /** Sets what the next UDF call sees: the key and time of the element at hand and the operator's watermark. */
  update(key: Key, timestamp: number, watermark: number): void {
    this.key = key;
    this.timestamp = timestamp;
    this.watermark = watermark;
  }
}
