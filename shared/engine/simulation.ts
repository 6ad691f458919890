/**
 * Simulation (SPEC §2, §7): runs a pipeline over its sources' samples, the way the editor, `weir simulate` and
 * `weir test` all do. Sources are interleaved by the event time of their next sample; processing time is a virtual
 * clock that follows the event time of the record being processed; end of input flushes everything.
 */
import { isWatermarkSample, type Key, type PipelineDoc, type Sample } from '../pipeline/types.ts';
import { lookupOperator, type OperatorRegistry } from './contracts.ts';
import { Engine, type EngineOptions, type EngineSnapshot } from './engine.ts';
import type { StreamRecord } from './record.ts';

export interface SinkOutput {
  sink: string;
  key: Key;
  value: unknown;
  timestamp: number;
}

export interface SimulationOptions extends Omit<EngineOptions, 'sink' | 'mode'> {
  /** Replaces the samples of these sources (`--input SOURCE_ID=FILE`, test inputs). */
  inputs?: Record<string, Sample[]>;
  /** Snapshot after every N samples and continue in a fresh engine restored from it (SPEC §7). */
  checkpointEvery?: number;
  /** Called for every sink record as it is emitted. */
  onOutput?: (output: SinkOutput) => void;
  /** Called after each snapshot, with a JSON round-trip of it. */
  onCheckpoint?: (snapshot: EngineSnapshot, samplesDone: number) => void;
  /** Called after each sample (for progress and cancellation: throw to stop). */
  onProgress?: (samplesDone: number, samplesTotal: number) => void;
  /** Stop before end of input after this many samples (step mode). */
  stopAfter?: number;
}

export interface SimulationResult {
  outputs: SinkOutput[];
  engine: Engine;
  samplesDone: number;
}

/** The samples each source runs on: its own, or the replacement given in `inputs`. */
export function samplesBySource(
  pipeline: PipelineDoc,
  operators: OperatorRegistry,
  inputs: Record<string, Sample[]> = {},
): Map<string, Sample[]> {
  const result = new Map<string, Sample[]>();
  for (const node of pipeline.nodes) {
    if (lookupOperator(operators, node.type)?.role === 'source')
      result.set(node.id, inputs[node.id] ?? node.samples ?? []);
  }
  return result;
}

export class Simulation {
  readonly pipeline: PipelineDoc;
  private readonly options: SimulationOptions;

  engine: Engine;
  readonly outputs: SinkOutput[] = [];
  private readonly samples: Map<string, Sample[]>;
  private readonly sourceIds: string[];
  readonly total: number;
  done = 0;
  private finished = false;

  constructor(pipeline: PipelineDoc, options: SimulationOptions) {
    this.pipeline = pipeline;
    this.options = options;
    this.samples = samplesBySource(pipeline, options.operators, options.inputs);
    this.sourceIds = [...this.samples.keys()];
    this.total = [...this.samples.values()].reduce((n, s) => n + s.length, 0);
    this.engine = this.createEngine();
    this.declarePartitions();
  }

  private createEngine(): Engine {
    const onOutput = this.options.onOutput;
    const outputs = this.outputs;
    return new Engine(this.pipeline, {
      ...this.options,
      mode: 'simulation',
      sink: (sink: string, record: StreamRecord) => {
        const output: SinkOutput = { sink, key: record.key, value: record.value, timestamp: record.timestamp };
        outputs.push(output);
        onOutput?.(output);
      },
    });
  }

  /** In simulation a source's partitions are those that appear in its samples (SPEC §2). */
  private declarePartitions(): void {
    for (const [id, samples] of this.samples) {
      const partitions = new Set<number>();
      for (const s of samples) partitions.add(s.partition ?? 0);
      this.engine.source(id).declarePartitions([...partitions].sort((a, b) => a - b));
    }
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Picks the source whose next sample has the smallest event time; ties go to the source listed first. */
  private nextSource(): string | undefined {
    let best: string | undefined;
    let bestTime = Infinity;
    for (const id of this.sourceIds) {
      const source = this.engine.source(id);
      const samples = this.samples.get(id)!;
      if (source.samplePosition >= samples.length) continue;
      const time = source.eventTimeOfSample(samples[source.samplePosition]!);
      if (best === undefined || time < bestTime) {
        best = id;
        bestTime = time;
      }
    }
    return best;
  }

  /** Feeds one sample; returns false when every sample has been fed. */
  step(): boolean {
    const id = this.nextSource();
    if (id === undefined) return false;
    const source = this.engine.source(id);
    const sample = this.samples.get(id)![source.samplePosition]!;
    if (!isWatermarkSample(sample)) {
      const time = source.eventTimeOfSample(sample);
      if (Number.isFinite(time)) this.engine.advanceProcessingTime(time);
    }
    source.ingestSample(sample);
    this.engine.advanceProcessingTime(this.engine.processingTime());
    this.done++;
    this.options.onProgress?.(this.done, this.total);
    const every = this.options.checkpointEvery;
    if (every !== undefined && every > 0 && this.done % every === 0) this.checkpointAndRestore();
    return true;
  }

  /** Snapshot, JSON round-trip, and continue in a fresh engine restored from it. */
  checkpointAndRestore(): void {
    const snapshot = JSON.parse(JSON.stringify(this.engine.snapshot())) as EngineSnapshot;
    this.options.onCheckpoint?.(snapshot, this.done);
    this.engine = this.createEngine();
    this.engine.restore(snapshot);
  }

  /** Feeds every remaining sample (or up to `stopAfter`), then signals end of input unless stopped early. */
  run(): SimulationResult {
    const stopAfter = this.options.stopAfter;
    while (stopAfter === undefined || this.done < stopAfter) {
      if (!this.step()) break;
    }
    if (stopAfter === undefined || this.done >= this.total) this.finish();
    return { outputs: this.outputs, engine: this.engine, samplesDone: this.done };
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.engine.endOfInput();
  }
}

/** Runs a pipeline on its samples to the end and returns what reached the sinks, in emission order. */
export function simulate(pipeline: PipelineDoc, options: SimulationOptions): SimulationResult {
  return new Simulation(pipeline, options).run();
}
