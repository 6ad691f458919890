/**
 * The engine's fourth host: one Weir operator inside a GraalJS context of a Flink operator instance (the runner's
 * Java side is flink/src/main/java/dev/weir/flink). It is bundled by flink/build.mjs into one script
 * that defines `WeirHost` and nothing else; the context it runs in has no host access, no I/O and no threads, so
 * user code in it reaches its record, its `ctx` and JavaScript's built-ins — never Java, Flink or Kafka.
 *
 * Java and JavaScript talk in strings: a call hands in a record as JSON text and gets back what the operator
 * emitted, in emission order, as an array of entries (fields joined by U+0001, free text last):
 *   R edge keyGroup key ts headers value   a record on an output edge (key, headers, value as JSON; "" = none)
 *   W edge watermark                        a watermark on an output edge (simulation only; Flink forwards its own)
 *   S ...                                   a sink record: simulation, the CLI's output line; deployed, the Kafka
 *                                           message (key or U+0003 for none, ts, headers, value)
 *   L text                                  a ctx.log line
 *   F failure                               a failure under onError "fail" (JSON: nodeId, reason, input)
 * The same operator classes run here as in the browser, the CLI and the Weir server, so the two engines cannot
 * drift on what an operator means.
 */
import { Engine, topologicalOrder } from '../../shared/engine/engine.ts';
import { Operator, PipelineFailure, type OperatorEnv } from '../../shared/engine/operator.ts';
import { SourceOperator } from '../../shared/engine/source.ts';
import { StreamRecord, keyIdOf } from '../../shared/engine/record.ts';
import { decodeTime, encodeTime, keyGroupOf } from '../../shared/engine/keyed.ts';
import { operatorFor } from '../../shared/operators/registry.ts';
import { applyDefaults } from '../../shared/pipeline/schema.ts';
import { UdfBudget } from '../../shared/udf/budget.ts';
import { evaluateWithFunction, type CompiledModule, type CompileResult } from '../../shared/udf/compile.ts';
import {
  isWatermarkSample,
  settingsOf,
  type Json,
  type Key,
  type PipelineDoc,
  type Sample,
} from '../../shared/pipeline/types.ts';
import { encodeKey, encodeTimestamp, encodeValue } from '../../shared/operators/sink-kafka.ts';
import { OPERATORS } from '../../shared/operators/registry.ts';

// GraalJS 23.1 has no structuredClone; the engine clones only JSON values with it (param defaults).
if (typeof globalThis.structuredClone !== 'function') {
  (globalThis as Record<string, unknown>).structuredClone = <T>(value: T): T =>
    value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

const SEP = '\u0001';
const NO_KEY = '\u0003';

/** One output edge of the hosted node, numbered as the Java side numbers them: the node's edges in document order. */
export interface EdgeSpec {
  port: string;
  /** The edge's channel at its target (its index among the target's incoming edges): simulation only. */
  channel: number;
  /** Index of the target's input port. */
  input: number;
  /** The target keeps keyed state: records carry their key group so Flink can route them. */
  keyed: boolean;
}

export interface HostOptions {
  nodeId: string;
  mode: 'simulation' | 'deployed';
  edges: EdgeSpec[];
  /** Input channels the operator sees: its incoming edges in simulation, Flink's one combined input when deployed. */
  channels: number;
  /** UDF modules compiled ahead by Weir's compiler, by source text. */
  modules: Record<string, CompiledModule>;
  budgetMs: number;
}

/** What Java calls. Every method returns the entries the call emitted. */
export interface NodeHost {
  element(input: number, key: string, value: string, timestamp: number, headers: string): string[];
  watermark(channel: number, watermark: number): string[];
  processingTime(time: number): string[];
  sample(index: number): string[];
  endOfInput(): string[];
  kafka(
    partition: number,
    offset: number,
    key: string | null,
    value: string | null,
    timestamp: number,
    headers: string,
  ): string[];
  timed(): boolean;
  snapshot(): string;
  restore(snapshot: string): void;
  metrics(): string;
}

function compilerFor(modules: Record<string, CompiledModule>): (source: string) => CompileResult {
  return (source) => {
    const module = modules[source];
    if (module === undefined) throw new Error('a code param was not compiled ahead for the Flink runner');
    return { ok: true, module };
  };
}

const decodeJson = (text: string): unknown => (text === '' ? undefined : JSON.parse(text));
const encodeJson = (value: unknown): string => JSON.stringify(value) ?? '';

export function createHost(docJson: string, optionsJson: string): NodeHost {
  const doc = JSON.parse(docJson) as PipelineDoc;
  const options = JSON.parse(optionsJson) as HostOptions;
  const node = doc.nodes.find((n) => n.id === options.nodeId);
  if (!node) throw new Error(`the pipeline has no node "${options.nodeId}"`);
  const definition = operatorFor(node.type);
  if (!definition) throw new Error(`node "${node.id}": unknown operator type "${node.type}"`);
  const maxParallelism = settingsOf(doc).maxParallelism;
  const simulation = options.mode === 'simulation';
  const params = applyDefaults(node.params, definition.params);
  let clock = -Infinity;
  let out: string[] = [];
  const sinkJson = params.valueFormat !== 'text';

  const env: OperatorEnv = {
    node: { ...node, params },
    maxParallelism,
    budget: new UdfBudget(options.budgetMs, Date.now),
    evaluate: evaluateWithFunction,
    compile: compilerFor(options.modules),
    observer: {
      log: (_id, args) => out.push('L' + SEP + args.map((a) => (typeof a === 'string' ? a : encodeJson(a))).join(' ')),
    },
    sink: simulation
      ? (sink, record) =>
          out.push(
            'S' + SEP + JSON.stringify({ sink, key: record.key, value: record.value, timestamp: record.timestamp }),
          )
      : (_sink, record) => {
          const key = encodeKey(record.key);
          out.push(
            [
              'S',
              key ?? NO_KEY,
              encodeTimestamp(record.timestamp) ?? '',
              record.headers ? JSON.stringify(record.headers) : '',
              encodeValue(record.value, sinkJson),
            ].join(SEP),
          );
        },
    mode: options.mode,
    outputPorts: definition.outputs(params),
    processingTime: simulation ? () => clock : Date.now,
  };
  const op = definition.create(env);
  for (let c = 0; c < options.channels; c++) op.channelWatermarks.push(-Infinity);
  options.edges.forEach((edge, index) =>
    op.output(edge.port).targets.push(edgeBridge(index, edge, maxParallelism, () => out) as unknown as Operator),
  );
  const source = op instanceof SourceOperator ? op : null;
  if (source && simulation)
    source.declarePartitions([...new Set((node.samples ?? []).map((s) => s.partition ?? 0))].sort((a, b) => a - b));
  let received = 0;

  /** Runs one call of the operator and hands back what it emitted; a `fail` error becomes an F entry. */
  function run(call: () => void): string[] {
    out = [];
    try {
      call();
    } catch (error) {
      if (!(error instanceof PipelineFailure)) throw error;
      out.push('F' + SEP + encodeJson({ nodeId: error.nodeId, reason: error.reason, input: error.input }));
    }
    return out;
  }

  return {
    element: (input, key, value, timestamp, headers) =>
      run(() => {
        received++;
        op.processElement(
          new StreamRecord(
            JSON.parse(key) as Key,
            decodeJson(value),
            timestamp,
            headers === '' ? undefined : JSON.parse(headers),
          ),
          input,
        );
      }),
    watermark: (channel, watermark) => run(() => op.receiveWatermark(channel, watermark)),
    processingTime: (time) =>
      run(() => {
        if (time > clock) clock = time;
        op.onProcessingTime(clock);
      }),
    sample: (index) =>
      run(() => {
        const sample = (node.samples ?? [])[index] as Sample;
        source!.ingestSample(sample);
      }),
    endOfInput: () => run(() => source!.endOfInput()),
    kafka: (partition, offset, key, value, timestamp, headers) =>
      run(() =>
        source!.ingestKafka(partition, offset, key, value, timestamp, headers === '' ? undefined : JSON.parse(headers)),
      ),
    timed: () => op.onProcessingTime !== Operator.prototype.onProcessingTime,
    snapshot: () =>
      JSON.stringify({
        type: node.type,
        watermark: encodeTime(op.watermark),
        channels: op.channelWatermarks.map(encodeTime),
        clock: encodeTime(clock),
        state: op.snapshotState(),
      }),
    restore: (text) => {
      const s = JSON.parse(text) as { type: string; watermark: Json; channels: Json[]; clock: Json; state: Json };
      // Weir's upgrade rule (SPEC §6): a node that changed type cannot keep its state; the server refuses such an
      // upgrade before it submits, so this only guards a savepoint restored by hand.
      if (s.type !== node.type)
        throw new Error(`node "${node.id}" changed type (${s.type} → ${node.type}) and cannot keep its state`);
      op.watermark = decodeTime(s.watermark);
      for (let c = 0; c < op.channelWatermarks.length; c++)
        op.channelWatermarks[c] = c < s.channels.length ? decodeTime(s.channels[c]!) : op.watermark;
      clock = decodeTime(s.clock);
      op.restoreState(s.state);
    },
    metrics: () => {
      const outputs: Record<string, number> = {};
      for (const [port, output] of op.outputs) outputs[port] = output.count;
      return JSON.stringify({ in: received, out: outputs, errors: op.errors });
    },
  };
}

/** Stands in for the operator at the far end of an edge: what arrives is written down for Java to send on. */
function edgeBridge(index: number, edge: EdgeSpec, maxParallelism: number, entries: () => string[]) {
  return {
    processElement(record: StreamRecord): void {
      const keyJson = JSON.stringify(record.key);
      const group = edge.keyed ? keyGroupOf(keyIdOf(record.key), maxParallelism) : -1;
      const headers = record.headers === undefined ? '' : JSON.stringify(record.headers);
      entries().push(['R', index, group, keyJson, record.timestamp, headers, encodeJson(record.value)].join(SEP));
    },
    receiveWatermark(_channel: number, watermark: number): void {
      entries().push(['W', index, watermark].join(SEP));
    },
  };
}

/**
 * The simulation's plan (SPEC §2), made by the engine's own classes: the order in which samples arrive (each
 * source's in array order, sources interleaved by the event time of their next sample, ties to the source listed
 * first), with the virtual processing time each record sample sets, and the nodes that hear about processing time,
 * in the engine's topological order.
 */
export function simulationPlan(docJson: string, modulesJson: string): string {
  const doc = JSON.parse(docJson) as PipelineDoc;
  const engine = new Engine(doc, {
    operators: OPERATORS,
    compile: compilerFor(JSON.parse(modulesJson) as Record<string, CompiledModule>),
  });
  const sources = engine.sources;
  const samples = sources.map((s) => doc.nodes.find((n) => n.id === s.id)!.samples ?? []);
  const positions = sources.map(() => 0);
  const steps: Array<[string, number, number | null]> = [];
  for (;;) {
    let best = -1;
    let bestTime = Infinity;
    for (let i = 0; i < sources.length; i++) {
      if (positions[i]! >= samples[i]!.length) continue;
      const time = sources[i]!.eventTimeOfSample(samples[i]![positions[i]!]!);
      if (best < 0 || time < bestTime) {
        best = i;
        bestTime = time;
      }
    }
    if (best < 0) break;
    const sample = samples[best]![positions[best]!]!;
    const time = isWatermarkSample(sample) ? null : sources[best]!.eventTimeOfSample(sample);
    steps.push([sources[best]!.id, positions[best]!++, time !== null && Number.isFinite(time) ? time : null]);
  }
  // Sources hear about processing time only for idleness, which applies when deployed.
  const timed = topologicalOrder(doc)
    .map((n) => engine.operator(n.id)!)
    .filter((op) => !(op instanceof SourceOperator) && op.onProcessingTime !== Operator.prototype.onProcessingTime)
    .map((op) => op.id);
  return JSON.stringify({ steps, timed, sources: sources.map((s) => s.id) });
}

/**
 * The job's shape for the Java side, so that it needs to know nothing about operator types: nodes in the engine's
 * topological order, and every edge with the numbers both of its ends use for it.
 */
export function graphPlan(docJson: string): string {
  const doc = JSON.parse(docJson) as PipelineDoc;
  const outIndex = new Map<string, number>();
  const channelIndex = new Map<string, number>();
  const edges = doc.edges.map((edge) => {
    const definition = operatorFor(doc.nodes.find((n) => n.id === edge.to)!.type)!;
    const fromIndex = outIndex.get(edge.from) ?? 0;
    outIndex.set(edge.from, fromIndex + 1);
    const channel = channelIndex.get(edge.to) ?? 0;
    channelIndex.set(edge.to, channel + 1);
    const input = definition.inputs.findIndex((p) => p.name === (edge.toPort ?? 'in'));
    return {
      from: edge.from,
      fromIndex,
      port: edge.fromPort ?? 'out',
      to: edge.to,
      channel,
      input,
      // A keyed type keeps state per key: its input is routed by key group, its state is checkpointed.
      keyed: definition.keyed,
    };
  });
  const nodes = topologicalOrder(doc).map((node) => {
    const definition = operatorFor(node.type)!;
    return {
      id: node.id,
      name: node.label ?? node.id,
      source: definition.role === 'source',
      sink: definition.role === 'sink',
      keyed: definition.keyed,
      params: applyDefaults(node.params, definition.params),
    };
  });
  return JSON.stringify({ nodes, edges, maxParallelism: settingsOf(doc).maxParallelism, settings: settingsOf(doc) });
}

(globalThis as Record<string, unknown>).WeirHost = { createHost, simulationPlan, graphPlan };
