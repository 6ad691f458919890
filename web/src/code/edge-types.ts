/**
 * The type of the values on every edge, as TypeScript source (the same rendering the UDF completions use, see
 * value-type.ts). Each operator definition says what its ports carry (`values`): sources' samples, flowing
 * unchanged through ports that pass their input on (filter, keyBy, a window's late port); `{ key, window: { start,
 * end }, result }` (window) and `{ key, result }` (aggregate); on any other port (map, flatMap, process, joins) the
 * values the last simulation recorded there, else `unknown`.
 *
 * Also the editor-only warnings this makes possible before running: a keyBy field, a source's timestamp field or an
 * aggregate's field that names a field the values (as their samples show them) do not have.
 */
import { operatorFor } from '../../../shared/operators/registry.ts';
import { isWatermarkSample, type NodeDoc, type PipelineDoc } from '../../../shared/pipeline/types.ts';
import { edgeIds } from '../store/graph.ts';
import { typeOfValues } from './value-type.ts';
import { fromJsonText } from '../simulation/protocol.ts';
import type { NodeResults } from '../simulation/results.ts';

const SAMPLE_LIMIT = 200;

/** What is known of the values on one output port. */
export interface FlowType {
  /** The type as TypeScript source; `unknown` when nothing tells. */
  text: string;
  /** Example values the type was inferred from, when it was (for the field check). */
  values: readonly unknown[] | null;
  /** Where the type comes from. */
  origin: 'samples' | 'simulation' | 'operator' | 'unknown';
}

const UNKNOWN: FlowType = { text: 'unknown', values: null, origin: 'unknown' };

/** A simulation's recorded outputs: by node id, by output port, the values (newest ones). */
export type RecordedOutputs = Readonly<Record<string, Readonly<Record<string, readonly unknown[]>>>>;

function fromValues(values: readonly unknown[], origin: FlowType['origin']): FlowType {
  return values.length === 0 ? UNKNOWN : { text: typeOfValues(values), values, origin };
}

/** Joins the types arriving at one port over several edges. */
function unionOf(types: readonly FlowType[]): FlowType {
  if (types.length === 0) return UNKNOWN;
  if (types.length === 1) return types[0]!;
  if (types.every((t) => t.values !== null)) {
    const values = types.flatMap((t) => t.values!).slice(0, SAMPLE_LIMIT * types.length);
    return fromValues(values, types.every((t) => t.origin === 'samples') ? 'samples' : 'simulation');
  }
  if (types.some((t) => t.text === 'unknown')) return UNKNOWN;
  return { text: [...new Set(types.map((t) => t.text))].join(' | '), values: null, origin: 'operator' };
}

function indent(text: string, by: string): string {
  return text.replace(/\n/g, `\n${by}`);
}

function getPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const part of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

export interface DocTypes {
  /** Output type by `nodeId` then port. */
  output(nodeId: string, port: string): FlowType;
  /** The type arriving at an input port (the union over its edges). */
  input(nodeId: string, port: string): FlowType;
  /** By edge id (`edgeIds`). */
  edges: ReadonlyMap<string, FlowType>;
}

/** Infers the type of every port and edge of `doc`; `recorded` are a simulation's outputs, if one ran. */
export function inferTypes(doc: PipelineDoc, recorded: RecordedOutputs = {}): DocTypes {
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const memo = new Map<string, FlowType>();
  const visiting = new Set<string>();

  const input = (nodeId: string, port: string): FlowType =>
    unionOf(
      doc.edges
        .filter((e) => e.to === nodeId && (e.toPort ?? 'in') === port)
        .map((e) => output(e.from, e.fromPort ?? 'out')),
    );

  const keyType = (node: NodeDoc): string => {
    // The key a keyBy upstream set: the type of its field's values, when the samples show them.
    for (const edge of doc.edges.filter((e) => e.to === node.id)) {
      const from = byId.get(edge.from);
      const definition = from && operatorFor(from.type);
      const keyParam = definition?.fieldParams.find((p) => p.key);
      const field = keyParam && getPath(from!.params ?? {}, keyParam.path);
      if (typeof field !== 'string') continue;
      const values = input(from!.id, definition!.inputs[0]!.name).values;
      if (!values) continue;
      const path = field.split('.');
      const keys = values.map((v) => getPath(v, path)).filter((k) => k !== undefined);
      if (keys.length > 0) return typeOfValues(keys);
    }
    return 'unknown';
  };

  const resultType = (node: NodeDoc): string => {
    const aggregate = node.params.aggregate as { kind?: string } | undefined;
    switch (aggregate?.kind) {
      case 'count':
      case 'sum':
      case 'min':
      case 'max':
      case 'avg':
        return 'number';
      case 'reduce': {
        const type = input(node.id, 'in');
        return type.values ? type.text : 'unknown';
      }
      default:
        return 'unknown';
    }
  };

  const compute = (node: NodeDoc, port: string): FlowType => {
    const seen = recorded[node.id]?.[port];
    const definition = operatorFor(node.type);
    const values = definition?.values[port];
    if (values === 'records') {
      const values: unknown[] = [];
      for (const sample of node.samples ?? []) {
        if (values.length >= SAMPLE_LIMIT) break;
        if (!isWatermarkSample(sample)) values.push(sample.value);
      }
      return values.length > 0 ? fromValues(values, 'samples') : seen ? fromValues(seen, 'simulation') : UNKNOWN;
    }
    if (values === 'input') return input(node.id, definition!.inputs[0]!.name);
    if (values === 'aggregate') {
      const key = keyType(node);
      const result = indent(resultType(node), '  ');
      const window = definition!.windowed ? '  window: { start: number; end: number };\n' : '';
      return { text: `{\n  key: ${key};\n${window}  result: ${result};\n}`, values: null, origin: 'operator' };
    }
    return seen && seen.length > 0 ? fromValues(seen, 'simulation') : UNKNOWN;
  };

  const output = (nodeId: string, port: string): FlowType => {
    const id = `${nodeId}\u0000${port}`;
    const known = memo.get(id);
    if (known) return known;
    const node = byId.get(nodeId);
    if (!node || visiting.has(id)) return UNKNOWN;
    visiting.add(id);
    const type = compute(node, port);
    visiting.delete(id);
    memo.set(id, type);
    return type;
  };

  const ids = edgeIds(doc.edges);
  const edges = new Map(doc.edges.map((e, i) => [ids[i]!, output(e.from, e.fromPort ?? 'out')]));
  return { output, input, edges };
}

let cached: { doc: PipelineDoc; recorded: RecordedOutputs; types: DocTypes } | null = null;

/** `inferTypes`, remembered for the last document and recording (every edge of the canvas asks for the same). */
export function typesOf(doc: PipelineDoc, recorded: RecordedOutputs = {}): DocTypes {
  if (cached?.doc !== doc || cached.recorded !== recorded) cached = { doc, recorded, types: inferTypes(doc, recorded) };
  return cached.types;
}

/** The top-level field names of the values, in first-seen order, or null when they are not all objects. */
export function fieldNames(values: readonly unknown[]): string[] | null {
  const names = new Set<string>();
  for (const value of values) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
    for (const name of Object.keys(value)) names.add(name);
  }
  return [...names];
}

/** An editor-only warning: the pipeline is valid, but probably not what its author meant. */
export interface EditorWarning {
  /** JSON path of the field it is about, like a validation problem's. */
  path: string;
  nodeId: string;
  message: string;
  /** `field`: a field the samples do not have; `type`: TypeScript's error in a code field. */
  kind: 'field' | 'type';
  /** For `type`: the code field's path inside the node (`params.code`). */
  field?: string;
}

function checkField(
  warnings: EditorWarning[],
  what: string,
  field: unknown,
  type: FlowType,
  path: string,
  nodeId: string,
): void {
  if (typeof field !== 'string' || field === '' || type.origin !== 'samples' || !type.values) return;
  const names = fieldNames(type.values);
  if (!names) return;
  const parts = field.split('.');
  if (type.values.some((v) => getPath(v, parts) !== undefined)) return;
  const fields = names.length > 0 ? `fields are ${names.join(', ')}` : 'the values have no fields';
  warnings.push({
    path,
    nodeId,
    kind: 'field',
    message: `${what} field "${field}" does not exist in its input: ${fields}`,
  });
}

/**
 * Fields named in params that the values do not have, as far as the sources' samples show (a type that only a
 * simulation or nothing tells is not checked). Warnings, not validation problems: the CLI accepts the pipeline.
 */
export function fieldWarnings(doc: PipelineDoc): EditorWarning[] {
  const types = inferTypes(doc);
  const warnings: EditorWarning[] = [];
  doc.nodes.forEach((node, i) => {
    const definition = operatorFor(node.type);
    for (const param of definition?.fieldParams ?? []) {
      const type = param.of === 'in' ? types.input(node.id, definition!.inputs[0]!.name) : types.output(node.id, 'out');
      const path = `nodes[${i}].params.${param.path.join('.')}`;
      checkField(warnings, param.label, getPath(node.params ?? {}, param.path), type, path, node.id);
    }
  });
  return warnings;
}

let recordedCache: { results: NodeResults; recorded: RecordedOutputs } | null = null;

/** The values a simulation recorded, by node and port (parsed once per change of the results). */
export function recordedOutputs(results: NodeResults): RecordedOutputs {
  if (recordedCache?.results === results) return recordedCache.recorded;
  const recorded: Record<string, Record<string, unknown[]>> = {};
  for (const [nodeId, result] of Object.entries(results)) {
    const ports: Record<string, unknown[]> = {};
    for (const record of result.records.slice(-SAMPLE_LIMIT)) {
      try {
        (ports[record.port] ??= []).push(fromJsonText(record.json));
      } catch {
        // A value the worker could not write as JSON: it tells nothing about the type.
      }
    }
    recorded[nodeId] = ports;
  }
  recordedCache = { results, recorded };
  return recorded;
}
