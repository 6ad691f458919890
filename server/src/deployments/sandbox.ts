/**
 * The UDF sandbox of a deployment worker (DESIGN "The server": UDFs get no `require`, `process` or file system).
 *
 * Each UDF module body is compiled with `vm.compileFunction` inside a fresh context of its own, so its globals are
 * that context's built-ins only: no `process`, `require`, `globalThis` of the worker, timers or `console`, and no
 * `eval`/`new Function` (code generation from strings is off in the context). Values still cross between the two
 * realms (records, `ctx`), and from any function of the worker's realm `fn.constructor` would lead back to the
 * worker's own `Function` constructor, and from any error object to its realm's `Error.prepareStackTrace` (which
 * hands out the functions and receivers of stack frames); `hardenWorkerRealm` closes those doors in the worker once
 * its own modules are loaded, and each sandbox context gets the same lock on its own `Error`.
 *
 * `vm` is not a security boundary against a determined attacker (Node's documentation says so); what bounds the
 * damage is that deploying needs the API token, and that each deployment runs in a worker thread with a heap limit
 * and a heartbeat watchdog (manager.ts).
 */
import vm from 'node:vm';
import type { ModuleEvaluator } from '../../../shared/udf/compile.ts';

export const evaluateInSandbox: ModuleEvaluator = (body) => {
  const context = vm.createContext(Object.create(null), {
    name: 'weir-udf',
    codeGeneration: { strings: false, wasm: false },
  });
  vm.runInContext(LOCK_STACK_TRACE_HOOK, context);
  return vm.compileFunction(body, ['__exports', '__guard'], { parsingContext: context }) as (
    exports: Record<string, unknown>,
    guard: () => void,
  ) => void;
};

const LOCK_STACK_TRACE_HOOK = "Object.defineProperty(Error, 'prepareStackTrace', { value: undefined, writable: false, configurable: false });";

/**
 * Makes `constructor` of every function of this realm (plain, async, generator, async generator) lead nowhere, so
 * code holding one of them cannot build a new function from a string in this realm, and locks the realm's
 * `Error.prepareStackTrace`. Call it in the worker after
 * every module is loaded (module loaders build functions from strings) and before user code runs.
 */
export function hardenWorkerRealm(): void {
  const prototypes = [
    Function.prototype,
    Object.getPrototypeOf(async function () {}),
    Object.getPrototypeOf(function* () {}),
    Object.getPrototypeOf(async function* () {}),
  ] as object[];
  for (const prototype of prototypes) {
    Object.defineProperty(prototype, 'constructor', { value: undefined, writable: false, configurable: false });
  }
  vm.runInThisContext(LOCK_STACK_TRACE_HOOK);
}
