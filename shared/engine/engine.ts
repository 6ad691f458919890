/**
 * The dataflow engine: a pipeline document made runnable. Records travel depth-first and synchronously through the
 * graph; watermarks follow the same edges and each node's watermark is the minimum over its input edges. The node
 * types, time, the sinks and the UDF sandbox come in through `EngineOptions`; the engine reaches for none of them
 * itself.
 */
import { applyDefaults } from '../pipeline/schema.ts';
import { edgeFromPort, edgeToPort, settingsOf, type Json, type PipelineDoc } from '../pipeline/types.ts';
import { UdfBudget, DEFAULT_UDF_BUDGET_MS } from '../udf/budget.ts';
import { evaluateWithFunction, type CompileResult, type ModuleEvaluator } from '../udf/compile.ts';
import { UdfLoadError } from '../udf/runtime.ts';
import { lookupOperator, type OperatorRegistry, type OperatorType } from './contracts.ts';
import { Operator, type EngineObserver, type OperatorEnv, type SinkWriter, type StateSize } from './operator.ts';
import { SourceOperator } from './source.ts';
import { cloneJson, decodeTime, encodeTime } from './keyed.ts';

export interface EngineOptions {
  /** The node types a pipeline may use, by `type` (the built-in ones: `OPERATORS`, shared/operators/registry.ts). */
  operators: OperatorRegistry;
  sink?: SinkWriter;
  observer?: EngineObserver;
  /** UDF time budget per call (SPEC §5); default 1000 ms. */
  udfBudgetMs?: number;
  /** The clock the UDF budget reads (a monotonic one such as `performance.now`). */
  budgetClock?: () => number;
  /**
   * Makes each node's budget (default: one budget shared by all nodes). A host that watches user code from outside
   * passes budgets that also record which node is being called.
   */
  budgetFor?: (nodeId: string, budgetMs: number) => UdfBudget;
  evaluate?: ModuleEvaluator;
  /** Compiles a code param's text (default: the UDF compiler); the Flink runner passes modules compiled ahead. */
  compile?: (source: string) => CompileResult;
  /** `simulation` (default): processing time is a virtual clock that the host advances. `deployed`: `wallClock`. */
  mode?: 'simulation' | 'deployed';
  wallClock?: () => number;
}

/** A pipeline that cannot be built (it should have failed validation); names the node and the field. */
export class PipelineBuildError extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.path = path;
    this.name = 'PipelineBuildError';
  }
}

export class RestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreError';
  }
}

export const SNAPSHOT_FORMAT = 'weir-snapshot/v1';

export interface NodeSnapshot {
  type: string;
  watermark: Json;
  /** Watermark of each input edge, by `from.fromPort`. */
  channels: Record<string, Json>;
  state: Json;
}

export interface EngineSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  pipelineId: string;
  maxParallelism: number;
  processingTime: Json;
  nodes: Record<string, NodeSnapshot>;
}

export interface NodeMetrics {
  in: number;
  out: Record<string, number>;
  errors: number;
}

interface Wiring {
  definition: OperatorType;
  /** `from.fromPort` of each input channel, in channel order. */
  channelKeys: string[];
  /** Output ports feeding this node, one per input edge (for counting records in). */
  feeds: Array<{ node: string; port: string }>;
}

export class Engine {
  readonly pipeline: PipelineDoc;

  /** Operators in topological order. */
  readonly operators: Operator[] = [];
  readonly sources: SourceOperator[] = [];
  private readonly byId = new Map<string, Operator>();
  private readonly wiring = new Map<string, Wiring>();
  private readonly timed: Operator[] = [];
  private virtualTime = -Infinity;
  private readonly wallClock: () => number;
  readonly maxParallelism: number;

  constructor(pipeline: PipelineDoc, options: EngineOptions) {
    this.pipeline = pipeline;
    this.maxParallelism = settingsOf(pipeline).maxParallelism;
    const mode = options.mode ?? 'simulation';
    this.wallClock = options.wallClock ?? Date.now;
    const budgetMs = options.udfBudgetMs ?? DEFAULT_UDF_BUDGET_MS;
    const shared = new UdfBudget(budgetMs, options.budgetClock);
    const sink = options.sink ?? (() => {});
    const observer = options.observer ?? null;
    const evaluate = options.evaluate ?? evaluateWithFunction;
    const processingTime = mode === 'deployed' ? this.wallClock : () => this.virtualTime;

    for (const node of topologicalOrder(pipeline)) {
      const definition = lookupOperator(options.operators, node.type);
      const path = `nodes[${pipeline.nodes.indexOf(node)}]`;
      if (!definition) throw new PipelineBuildError(`${path}.type`, `unknown operator type "${node.type}"`);
      const params = applyDefaults(node.params, definition.params);
      const env: OperatorEnv = {
        node: { ...node, params },
        maxParallelism: this.maxParallelism,
        budget: options.budgetFor ? options.budgetFor(node.id, budgetMs) : shared,
        evaluate,
        ...(options.compile ? { compile: options.compile } : {}),
        observer,
        sink,
        mode,
        outputPorts: definition.outputs(params),
        processingTime,
      };
      let operator: Operator;
      try {
        operator = definition.create(env);
      } catch (err) {
        if (err instanceof UdfLoadError)
          throw new PipelineBuildError(`${path}.${err.path}`, err.message.slice(err.path.length + 2));
        throw err;
      }
      // A type's role and its operator's class must agree: the engine drives sources through `SourceOperator`.
      if ((definition.role === 'source') !== operator instanceof SourceOperator)
        throw new Error(
          `node type "${node.type}" has the role "${definition.role}", so its operator must${definition.role === 'source' ? '' : ' not'} be a SourceOperator`,
        );
      this.operators.push(operator);
      this.byId.set(node.id, operator);
      this.wiring.set(node.id, { definition, channelKeys: [], feeds: [] });
      if (operator instanceof SourceOperator) this.sources.push(operator);
      if (operator.onProcessingTime !== Operator.prototype.onProcessingTime) this.timed.push(operator);
    }

    for (const edge of pipeline.edges) {
      const from = this.byId.get(edge.from);
      const to = this.byId.get(edge.to);
      if (!from || !to) throw new PipelineBuildError('edges', `edge ${edge.from} → ${edge.to} names a missing node`);
      const fromPort = edgeFromPort(edge);
      const toWiring = this.wiring.get(edge.to)!;
      const inputIndex = toWiring.definition.inputs.findIndex((p) => p.name === edgeToPort(edge));
      const output = from.outputs.get(fromPort);
      if (!output || inputIndex < 0)
        throw new PipelineBuildError(
          'edges',
          `edge ${edge.from}.${fromPort} → ${edge.to}.${edgeToPort(edge)} names a missing port`,
        );
      output.targets.push(to);
      output.targetInputs.push(inputIndex);
      output.targetChannels.push(to.channelWatermarks.length);
      to.channelWatermarks.push(-Infinity);
      toWiring.channelKeys.push(`${edge.from}.${fromPort}`);
      toWiring.feeds.push({ node: edge.from, port: fromPort });
    }
  }

  operator(id: string): Operator | undefined {
    return this.byId.get(id);
  }

  source(id: string): SourceOperator {
    const op = this.byId.get(id);
    if (!(op instanceof SourceOperator)) throw new Error(`"${id}" is not a source of pipeline "${this.pipeline.id}"`);
    return op;
  }

  processingTime(): number {
    return this.virtualTime;
  }

  /** Moves processing time forward (the virtual clock in simulation, the wall clock's reading when deployed) and fires due timers. */
  advanceProcessingTime(time: number): void {
    if (time > this.virtualTime) this.virtualTime = time;
    const timed = this.timed;
    for (let i = 0; i < timed.length; i++) timed[i]!.onProcessingTime(this.virtualTime);
  }

  /** End of input (SPEC §2): every source's watermark becomes +∞, then all processing-time timers fire. */
  endOfInput(): void {
    for (const source of this.sources) source.endOfInput();
    this.advanceProcessingTime(Infinity);
  }

  /**
   * Every piece of state (SPEC §6) as JSON values. The snapshot is a copy unless `transient`: then it may share
   * objects with live state, and is valid only until the engine next processes anything. A host that serialises it
   * at once (a deployment's checkpoint) saves a deep copy of the whole state that way.
   */
  snapshot(options: { transient?: boolean } = {}): EngineSnapshot {
    const nodes: Record<string, NodeSnapshot> = {};
    for (const op of this.operators) {
      const wiring = this.wiring.get(op.id)!;
      const channels: Record<string, Json> = {};
      wiring.channelKeys.forEach((key, i) => (channels[key] = encodeTime(op.channelWatermarks[i]!)));
      const state = op.snapshotState();
      nodes[op.id] = {
        type: wiring.definition.type,
        watermark: encodeTime(op.watermark),
        channels,
        state: options.transient ? state : cloneJson(state),
      };
    }
    return {
      format: SNAPSHOT_FORMAT,
      pipelineId: this.pipeline.id,
      maxParallelism: this.maxParallelism,
      processingTime: encodeTime(this.virtualTime),
      nodes,
    };
  }

  /**
   * Restores state by node id (SPEC §6). State of a node id that the pipeline no longer has is an error unless
   * `dropUnknownState`; a node id new to the pipeline starts empty. With `adopt` the engine keeps the snapshot's
   * objects as its live state instead of copying them first: for a caller that decoded the snapshot for this restore
   * alone and never looks at it again (a deployment reading its changelog).
   */
  restore(snapshot: EngineSnapshot, options: { dropUnknownState?: boolean; adopt?: boolean } = {}): void {
    if (snapshot.format !== SNAPSHOT_FORMAT)
      throw new RestoreError(`not a Weir snapshot (format ${JSON.stringify(snapshot.format)})`);
    const problems = restoreProblems(this.pipeline, snapshot);
    if (problems.unknown.length > 0 && !options.dropUnknownState)
      throw new RestoreError(
        `the snapshot holds state of nodes this pipeline does not have: ${problems.unknown.join(', ')} (restore with dropUnknownState to discard it)`,
      );
    if (problems.retyped.length > 0)
      throw new RestoreError(`nodes changed type and cannot keep their state: ${problems.retyped.join(', ')}`);
    const copy = options.adopt ? snapshot : cloneJson(snapshot);
    this.virtualTime = decodeTime(copy.processingTime);
    for (const op of this.operators) {
      const node = copy.nodes[op.id];
      if (!node) continue;
      const wiring = this.wiring.get(op.id)!;
      const watermark = decodeTime(node.watermark);
      op.watermark = watermark;
      wiring.channelKeys.forEach((key, i) => {
        op.channelWatermarks[i] = key in node.channels ? decodeTime(node.channels[key]!) : watermark;
      });
      op.restoreState(node.state);
    }
  }

  stateSize(): Record<string, StateSize> {
    const sizes: Record<string, StateSize> = {};
    for (const op of this.operators) sizes[op.id] = op.stateSize();
    return sizes;
  }

  metrics(): Record<string, NodeMetrics> {
    const metrics: Record<string, NodeMetrics> = {};
    for (const op of this.operators) {
      const out: Record<string, number> = {};
      for (const [port, output] of op.outputs) out[port] = output.count;
      let records = 0;
      for (const feed of this.wiring.get(op.id)!.feeds)
        records += this.byId.get(feed.node)!.outputs.get(feed.port)!.count;
      metrics[op.id] = { in: records, out, errors: op.errors };
    }
    return metrics;
  }
}

/** What a restore of `snapshot` into `pipeline` cannot keep: node ids gone, and node ids whose type changed. */
export function restoreProblems(
  pipeline: PipelineDoc,
  snapshot: EngineSnapshot,
): { unknown: string[]; retyped: string[] } {
  const types = new Map(pipeline.nodes.map((n) => [n.id, n.type]));
  const unknown: string[] = [];
  const retyped: string[] = [];
  for (const [id, node] of Object.entries(snapshot.nodes)) {
    const type = types.get(id);
    if (type === undefined) unknown.push(id);
    else if (type !== node.type) retyped.push(`${id} (${node.type} → ${type})`);
  }
  return { unknown, retyped };
}

/** Nodes in an order where every edge points forward; among ready nodes, the author's order (Kahn's algorithm). */
export function topologicalOrder(pipeline: PipelineDoc): PipelineDoc['nodes'] {
  const indegree = new Map(pipeline.nodes.map((n) => [n.id, 0]));
  const next = new Map<string, string[]>();
  for (const e of pipeline.edges) {
    if (!indegree.has(e.from) || !indegree.has(e.to)) continue;
    indegree.set(e.to, indegree.get(e.to)! + 1);
    (next.get(e.from) ?? next.set(e.from, []).get(e.from)!).push(e.to);
  }
  const order: PipelineDoc['nodes'] = [];
  const done = new Set<string>();
  while (order.length < pipeline.nodes.length) {
    const ready = pipeline.nodes.find((n) => !done.has(n.id) && indegree.get(n.id) === 0);
    if (!ready) throw new PipelineBuildError('edges', 'the graph has a cycle');
    done.add(ready.id);
    order.push(ready);
    for (const to of next.get(ready.id) ?? []) indegree.set(to, indegree.get(to)! - 1);
  }
  return order;
}
