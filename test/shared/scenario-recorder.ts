/**
 * Records the scenarios the semantic tests run, so that test/fixtures/semantics/export.ts can turn them into pipeline
 * files for the cross-engine check (test/flink/engines-agree.test.ts). Inert unless WEIR_EXPORT_SEMANTICS names a
 * directory; then every test file writes what it ran there as JSON:
 *
 * - each OperatorHarness (harness.ts): the operator spec and every input pushed, with what it emitted or the
 *   failure it raised (`<test file>.harness-<n>.json`, rewritten after every push);
 * - each Simulation run (pipelines.ts and the tests' own `simulate()` / `new Simulation()` calls): the pipeline and
 *   the `inputs` replacing its samples (`<test file>.simulation-<n>.json`).
 *
 * Nothing here changes what a test does or sees.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { Simulation, type SimulationOptions } from '../../shared/engine/simulation.ts';
import { PipelineFailure } from '../../shared/engine/operator.ts';
import type { PipelineDoc, Sample } from '../../shared/pipeline/types.ts';

const DIR = process.env.WEIR_EXPORT_SEMANTICS || undefined;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where a capture comes from: the test file (relative to the repository) and the full name of the running test. */
interface Origin {
  file: string;
  test: string;
  /** Order of the capture within its test file. */
  seq: number;
}

export interface HarnessStepCapture {
  /** The harness's Input, as given. */
  input: unknown;
  /** What the step emitted (the harness's Emitted records). */
  emitted: unknown[];
  /** The PipelineFailure the step raised, if any. */
  failure?: { nodeId: string; reason: string };
}

export interface HarnessCapture extends Origin {
  kind: 'harness';
  spec: unknown;
  udfBudgetMs?: number;
  steps: HarnessStepCapture[];
}

export interface SimulationCapture extends Origin {
  kind: 'simulation';
  pipeline: PipelineDoc;
  inputs?: Record<string, Sample[]>;
  udfBudgetMs?: number;
}

let seq = 0;

function origin(): Origin {
  const state = expect.getState();
  const file = state.testPath ? relative(ROOT, state.testPath) : 'unknown';
  return { file, test: state.currentTestName ?? '(outside a test)', seq: ++seq };
}

function write(name: string, capture: HarnessCapture | SimulationCapture): void {
  mkdirSync(DIR!, { recursive: true });
  writeFileSync(
    join(DIR!, `${capture.file.replace(/[^A-Za-z0-9.-]+/g, '_')}.${name}-${capture.seq}.json`),
    JSON.stringify(capture),
  );
}

/** A recorder for one OperatorHarness, or undefined when not exporting. Call it after every push (or failed push). */
export function harnessRecorder(
  spec: unknown,
  udfBudgetMs: number | undefined,
): ((step: HarnessStepCapture) => void) | undefined {
  if (!DIR) return undefined;
  const capture: HarnessCapture = {
    kind: 'harness',
    ...origin(),
    spec,
    ...(udfBudgetMs === undefined ? {} : { udfBudgetMs }),
    steps: [],
  };
  return (step) => {
    capture.steps.push(step);
    write('harness', capture);
  };
}

export function failureOf(err: unknown): { nodeId: string; reason: string } | undefined {
  return err instanceof PipelineFailure ? { nodeId: err.nodeId, reason: err.reason } : undefined;
}

if (DIR) {
  // Wrap Simulation's entry points once per test file (each file has its own module graph): a run, or the finish of
  // a simulation that was stepped by hand, records the pipeline it was built with.
  const proto = Simulation.prototype as unknown as Record<string, unknown> & { __weirRecorded?: boolean };
  if (!proto.__weirRecorded) {
    proto.__weirRecorded = true;
    const recorded = new WeakSet<object>();
    const record = (sim: Simulation) => {
      if (recorded.has(sim)) return;
      recorded.add(sim);
      const options = (sim as unknown as { options: SimulationOptions }).options;
      const capture: SimulationCapture = {
        kind: 'simulation',
        ...origin(),
        pipeline: JSON.parse(JSON.stringify(sim.pipeline)) as PipelineDoc,
        ...(options.inputs ? { inputs: JSON.parse(JSON.stringify(options.inputs)) as Record<string, Sample[]> } : {}),
        ...(options.udfBudgetMs === undefined ? {} : { udfBudgetMs: options.udfBudgetMs }),
      };
      write('simulation', capture);
    };
    for (const method of ['run', 'finish', 'step'] as const) {
      const original = proto[method] as (...args: unknown[]) => unknown;
      proto[method] = function (this: Simulation, ...args: unknown[]) {
        record(this);
        return original.apply(this, args);
      };
    }
  }
}
