/**
 * One simulation run as the worker drives it: validate, build, feed samples in slices of about `batchMs`, and post
 * what changed after each slice. It knows nothing of workers (it is handed `post` and a clock), so tests run it in
 * Node exactly as the browser does.
 */
import { PipelineFailure } from '../../../shared/engine/operator.ts';
import { Simulation } from '../../../shared/engine/simulation.ts';
import { PipelineBuildError } from '../../../shared/engine/engine.ts';
import { OPERATORS, roleOf } from '../../../shared/operators/registry.ts';
import { formatProblem } from '../../../shared/pipeline/errors.ts';
import type { PipelineDoc, Sample } from '../../../shared/pipeline/types.ts';
import { validatePipeline } from '../../../shared/validation/validate.ts';
import { SimulationCollector, type CollectorLimits, DEFAULT_LIMITS } from './collector.ts';
import { compileTemplate } from '../samples/generator.ts';
import {
  toJsonText,
  type GeneratedInputs,
  type NodeTails,
  type SimulationFailure,
  type StateSnapshots,
  type TailList,
  type WorkerMessage,
} from './protocol.ts';

export interface SessionOptions {
  post: (message: WorkerMessage) => void;
  now: () => number;
  /** How long the engine runs between two batches. */
  batchMs?: number;
  limits?: CollectorLimits;
  /** Sources whose samples are replaced by generated events for this run. */
  generated?: GeneratedInputs;
}

/** Node states bigger than this are replaced by a note: a view of them would not be readable anyway. */
const MAX_STATE_CHARS = 2_000_000;

/** Entries per tail message: decoding one takes the page a few milliseconds. */
const TAIL_CHUNK = 2_000;

/** How many samples run between two looks at the clock. */
const CLOCK_EVERY = 256;

export class SimulationSession {
  readonly pipeline: PipelineDoc;
  readonly runId: number;
  private readonly options: SessionOptions;

  private readonly collector: SimulationCollector;
  private simulation: Simulation | null = null;
  private failure: SimulationFailure | null = null;
  private beforeEnd: Record<string, string> | null = null;
  private readonly startedAt: number;
  private readonly batchMs: number;

  constructor(pipeline: PipelineDoc, runId: number, options: SessionOptions) {
    this.pipeline = pipeline;
    this.runId = runId;
    this.options = options;
    this.startedAt = options.now();
    this.batchMs = options.batchMs ?? 50;
    this.collector = new SimulationCollector(options.limits ?? DEFAULT_LIMITS);
    const checked = validatePipeline(pipeline);
    if (!checked.ok) {
      const first = checked.problems[0]!;
      const more = checked.problems.length > 1 ? ` (and ${checked.problems.length - 1} more problems)` : '';
      this.failure = {
        nodeId: this.nodeAt(first.path),
        message: `the pipeline is not valid: ${formatProblem(first)}${more}`,
      };
      return;
    }
    const collector = this.collector;
    try {
      const inputs = generateInputs(options.generated ?? {});
      this.simulation = new Simulation(pipeline, {
        operators: OPERATORS,
        inputs,
        observer: collector,
        onOutput: (output) => collector.sink(output),
        budgetClock: options.now,
      });
    } catch (err) {
      this.fail(err);
    }
  }

  get done(): number {
    return this.simulation?.done ?? 0;
  }

  get total(): number {
    return this.simulation?.total ?? 0;
  }

  get finished(): boolean {
    return this.failure !== null || (this.simulation?.isFinished ?? false);
  }

  /**
   * Feeds samples until `target` of them are done, posting a batch after every slice. Without a target, or with one
   * past the last sample, it then signals end of input (SPEC §2). Ends with an `end` message either way.
   */
  runTo(target?: number): void {
    const simulation = this.simulation;
    if (simulation !== null && this.failure === null) {
      try {
        this.feed(simulation, Math.min(target ?? Infinity, simulation.total));
        if ((target === undefined || target > simulation.total) && !simulation.isFinished) {
          this.beforeEnd = this.states(simulation);
          this.collector.step = simulation.total + 1;
          simulation.finish();
        }
      } catch (err) {
        this.fail(err);
      }
    }
    this.end();
  }

  /** One more sample, or end of input when every sample is done (step mode). */
  step(): void {
    if (this.simulation === null || this.finished) return this.end();
    this.runTo(this.simulation.done + 1);
  }

  private feed(simulation: Simulation, target: number): void {
    const { post, now } = this.options;
    const collector = this.collector;
    let sliceStart = now();
    while (simulation.done < target) {
      collector.step = simulation.done + 1;
      simulation.step();
      if ((simulation.done & (CLOCK_EVERY - 1)) === 0) {
        // The driver keeps every sink output for its own callers; the collector keeps what the page needs.
        simulation.outputs.length = 0;
        const t = now();
        if (t - sliceStart >= this.batchMs) {
          post({ type: 'batch', runId: this.runId, batch: collector.batch(simulation.done, simulation.total) });
          sliceStart = t;
        }
      }
    }
    simulation.outputs.length = 0;
  }

  private end(): void {
    const { post, now } = this.options;
    const simulation = this.simulation;
    post({ type: 'batch', runId: this.runId, batch: this.collector.batch(this.done, this.total) });
    for (const { nodeId, tails } of this.collector.tails()) {
      for (const [list, entries] of Object.entries(tails) as Array<[TailList, NodeTails[TailList]]>) {
        for (let at = 0; at === 0 || at < entries.length; at += TAIL_CHUNK) {
          post({
            type: 'tail',
            runId: this.runId,
            nodeId,
            list,
            entries: entries.slice(at, at + TAIL_CHUNK) as NodeTails[TailList],
            first: at === 0,
          });
        }
      }
    }
    const state: StateSnapshots = { beforeEnd: this.beforeEnd, final: simulation ? this.states(simulation) : {} };
    const status = this.failure !== null ? 'failed' : simulation?.isFinished ? 'done' : 'paused';
    post({
      type: 'end',
      runId: this.runId,
      status,
      ...(this.failure ? { failure: this.failure } : {}),
      state,
      elapsedMs: now() - this.startedAt,
    });
  }

  private states(simulation: Simulation): Record<string, string> {
    const result: Record<string, string> = {};
    for (const op of simulation.engine.operators) {
      const node = this.pipeline.nodes.find((n) => n.id === op.id);
      if (node && roleOf(node.type) === 'source') continue;
      let text: string;
      try {
        text = JSON.stringify(op.snapshotState()) ?? 'null';
      } catch (err) {
        text = JSON.stringify({ unavailable: String(err) });
      }
      if (text === 'null') continue;
      result[op.id] =
        text.length > MAX_STATE_CHARS
          ? JSON.stringify({ tooLargeToShow: `${Math.round(text.length / 1024)} KiB of state` })
          : text;
    }
    return result;
  }

  private fail(err: unknown): void {
    if (err instanceof PipelineFailure) {
      this.failure = { nodeId: err.nodeId, message: err.reason, inputJson: toJsonText(err.input) };
    } else if (err instanceof PipelineBuildError) {
      this.failure = { nodeId: this.nodeAt(err.path), message: err.message };
    } else {
      this.failure = { nodeId: null, message: err instanceof Error ? err.message : String(err) };
    }
  }

  /** The node a JSON path such as `nodes[2].params.code` points into. */
  private nodeAt(path: string): string | null {
    const match = /^nodes\[(\d+)\]/.exec(path);
    return match ? (this.pipeline.nodes[Number(match[1])]?.id ?? null) : null;
  }
}

function generateInputs(generated: GeneratedInputs): Record<string, Sample[]> {
  const inputs: Record<string, Sample[]> = {};
  for (const [sourceId, spec] of Object.entries(generated)) {
    const template = compileTemplate(spec.template);
    if (!template.ok) throw new Error(`generated input of "${sourceId}": ${template.message}`);
    inputs[sourceId] = template.generate(spec.count, spec.seed);
  }
  return inputs;
}
