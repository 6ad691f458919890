/**
 * The operator contract (DESIGN "The engine"): small, with default hooks. An operator gets records one at a time
 * through `processElement`, hears about event time through `onWatermark` (after its input watermark advanced and
 * before that watermark moves downstream), and about processing time through `onProcessingTime`. State that must
 * survive a restore comes out of `snapshotState` as a JSON value and goes back through `restoreState`.
 */
import type { ErrorPolicy, Json, NodeDoc } from '../pipeline/types.ts';
import type { UdfBudget } from '../udf/budget.ts';
import type { CompileResult, ModuleEvaluator } from '../udf/compile.ts';
import type { UdfEnv } from '../udf/runtime.ts';
import { capErrorText, deadLetter } from './dead-letter.ts';
import { preview } from './json-text.ts';
import { StreamRecord } from './record.ts';

/** What a host learns about the run as it happens: the editor draws it, tests assert on it. All hooks optional. */
export interface EngineObserver {
  record?(nodeId: string, port: string, record: StreamRecord): void;
  watermark?(nodeId: string, watermark: number): void;
  error?(nodeId: string, message: string, input: unknown, policy: ErrorPolicy): void;
  log?(nodeId: string, args: unknown[]): void;
  window?(nodeId: string, event: WindowEvent): void;
}

export interface WindowEvent {
  kind: 'open' | 'fire' | 'purge' | 'late';
  key: unknown;
  window: { start: number; end: number } | null;
  timestamp: number;
}

/** Where sink records go: captured in simulation, a Kafka producer on the server. */
export type SinkWriter = (sinkId: string, record: StreamRecord) => void;

/**
 * Everything an operator may reach for. Time, I/O and the UDF sandbox are injected here, never reached for. `P` is
 * the type of the node's params (an operator's `ParamsOf` its schema), defaults applied.
 */
export interface OperatorEnv<P = Record<string, unknown>> extends UdfEnv {
  readonly node: Omit<NodeDoc, 'params'> & { readonly params: P };
  readonly maxParallelism: number;
  readonly budget: UdfBudget;
  readonly evaluate: ModuleEvaluator;
  /** Turns a code param's text into a module; default: the UDF compiler. A host may hand in modules compiled ahead. */
  readonly compile?: (source: string) => CompileResult;
  readonly observer: EngineObserver | null;
  readonly sink: SinkWriter;
  /** Simulation feeds samples; a deployment feeds Kafka records and the wall clock (idle partitions apply only here). */
  readonly mode: 'simulation' | 'deployed';
  /** The type's output ports (for `process`, including its `outputs` param). */
  readonly outputPorts: readonly string[];
  /** Processing time: the wall clock when deployed, the virtual clock in simulation (SPEC §2). */
  processingTime(): number;
}

export interface StateSize {
  /** Keys (or other entries) holding state. */
  keys: number;
  /** Pending event- and processing-time timers, including window firings and cleanups. */
  timers: number;
}

/** A failure under `onError: "fail"` (SPEC §5): stops a simulation; fails and restarts a deployment. */
export class PipelineFailure extends Error {
  readonly nodeId: string;
  readonly reason: string;
  readonly input: unknown;

  constructor(nodeId: string, reason: string, input: unknown) {
    super(`node "${nodeId}" failed: ${reason} (input: ${preview(input)})`);
    this.nodeId = nodeId;
    this.reason = reason;
    this.input = input;
    this.name = 'PipelineFailure';
  }
}

/**
 * The message of whatever user code threw. Errors made in another realm (the server's UDF sandbox is a `vm`
 * context with its own `Error`) fail `instanceof Error`, so an error is recognised by its brand instead.
 */
export function errorMessage(error: unknown): string {
  if (typeof error === 'string') return error;
  try {
    if (error instanceof Error || Object.prototype.toString.call(error) === '[object Error]') {
      const message = (error as { message?: unknown }).message;
      return typeof message === 'string' ? message : preview(message);
    }
  } catch {
    // A throwing `message` getter or brand check (a Proxy): the record still fails, with this message.
    return '(an error whose message cannot be read)';
  }
  return preview(error);
}

/** One output port: the edges it feeds and how many records it emitted. */
export class Output {
  readonly nodeId: string;
  readonly port: string;
  private readonly observer: EngineObserver | null;

  readonly targets: Operator[] = [];
  readonly targetInputs: number[] = [];
  readonly targetChannels: number[] = [];
  count = 0;

  constructor(nodeId: string, port: string, observer: EngineObserver | null) {
    this.nodeId = nodeId;
    this.port = port;
    this.observer = observer;
  }

  emit(record: StreamRecord): void {
    this.count++;
    if (this.observer !== null) this.observer.record?.(this.nodeId, this.port, record);
    const targets = this.targets;
    for (let i = 0; i < targets.length; i++) targets[i]!.processElement(record, this.targetInputs[i]!);
  }

  emitWatermark(watermark: number): void {
    const targets = this.targets;
    for (let i = 0; i < targets.length; i++) targets[i]!.receiveWatermark(this.targetChannels[i]!, watermark);
  }
}

export abstract class Operator {
  readonly env: OperatorEnv;

  readonly id: string;
  readonly onError: ErrorPolicy;
  /** The node's event time: the minimum over its input channels (SPEC §2). Never goes backwards. */
  watermark = -Infinity;
  /** One watermark per input edge, by channel index; the engine wires these. */
  readonly channelWatermarks: number[] = [];
  /** Output ports by name; the engine creates one for every port of the type, connected or not. */
  readonly outputs = new Map<string, Output>();
  errors = 0;

  constructor(env: OperatorEnv) {
    this.env = env;
    this.id = env.node.id;
    this.onError = env.node.onError ?? 'fail';
    for (const port of env.outputPorts) this.outputs.set(port, new Output(this.id, port, env.observer));
  }

  abstract processElement(record: StreamRecord, input: number): void;

  onWatermark(_watermark: number): void {}

  onProcessingTime(_time: number): void {}

  snapshotState(): Json {
    return null;
  }

  restoreState(_state: Json): void {}

  stateSize(): StateSize {
    return { keys: 0, timers: 0 };
  }

  output(port: string): Output {
    const out = this.outputs.get(port);
    if (!out) throw new Error(`node "${this.id}" has no output port "${port}"`);
    return out;
  }

  receiveWatermark(channel: number, watermark: number): void {
    const channels = this.channelWatermarks;
    if (watermark <= channels[channel]!) return;
    channels[channel] = watermark;
    let min = Infinity;
    for (let i = 0; i < channels.length; i++) if (channels[i]! < min) min = channels[i]!;
    if (min > this.watermark) this.advanceWatermark(min);
  }

  /** Moves this node's event time: fire what is due, then pass the watermark on through every port. */
  protected advanceWatermark(watermark: number): void {
    this.watermark = watermark;
    this.env.observer?.watermark?.(this.id, watermark);
    this.onWatermark(watermark);
    for (const out of this.outputs.values()) out.emitWatermark(watermark);
  }

  /**
   * Applies the node's `onError` policy to one failed record (SPEC §5). Operators call it from the `catch` around a
   * UDF call, never around an `emit`, so a downstream failure is never mistaken for this node's. The message is
   * capped (dead-letter.ts) before anyone hears it, and a routed record's dead letter is always small and encodable.
   */
  protected handleError(error: unknown, record: StreamRecord, input: unknown = record.value): void {
    if (error instanceof PipelineFailure) throw error;
    const message = capErrorText(errorMessage(error));
    this.errors++;
    this.env.observer?.error?.(this.id, message, input, this.onError);
    if (this.onError === 'fail') throw new PipelineFailure(this.id, message, input);
    if (this.onError === 'route') {
      const value = deadLetter(message, this.id, input);
      this.outputs.get('error')?.emit(new StreamRecord(record.key, value, record.timestamp, record.headers));
    }
  }
}
