/**
 * The TypeScript type of the values a UDF receives, guessed from the samples of the sources upstream, so that the
 * code editor can complete `value.` with the fields the data really has. Only operators whose definition says their
 * `out` port passes the input through (filter, keyBy) are looked through; after a map the shape is unknown and the
 * type stays `any`.
 */
import { operatorFor } from '../../../shared/operators/registry.ts';
import { isWatermarkSample, type PipelineDoc } from '../../../shared/pipeline/types.ts';

/** How many sample values are looked at: enough to see optional fields, few enough to stay instant. */
const SAMPLE_LIMIT = 200;
const MAX_DEPTH = 6;

type Shape =
  | { kind: 'any' }
  | {
      kind: 'union';
      number: boolean;
      string: boolean;
      boolean: boolean;
      null: boolean;
      array: Shape | null;
      object: ObjectShape | null;
    };

interface ObjectShape {
  /** Field shapes, in first-seen order, with how many of the objects had each field. */
  fields: Map<string, { shape: Shape; seen: number }>;
  count: number;
}

function emptyUnion(): Shape & { kind: 'union' } {
  return { kind: 'union', number: false, string: false, boolean: false, null: false, array: null, object: null };
}

function addValue(shape: Shape, value: unknown, depth: number): Shape {
  if (shape.kind === 'any') return shape;
  if (depth > MAX_DEPTH) return { kind: 'any' };
  if (value === null) shape.null = true;
  else if (typeof value === 'number') shape.number = true;
  else if (typeof value === 'string') shape.string = true;
  else if (typeof value === 'boolean') shape.boolean = true;
  else if (Array.isArray(value)) {
    let items: Shape = shape.array ?? emptyUnion();
    for (const item of value.slice(0, SAMPLE_LIMIT)) items = addValue(items, item, depth + 1);
    shape.array = items;
  } else if (typeof value === 'object') {
    const object = (shape.object ??= { fields: new Map(), count: 0 });
    object.count++;
    for (const [name, field] of Object.entries(value as Record<string, unknown>)) {
      const entry = object.fields.get(name) ?? { shape: emptyUnion(), seen: 0 };
      entry.shape = addValue(entry.shape, field, depth + 1);
      entry.seen++;
      object.fields.set(name, entry);
    }
  } else return { kind: 'any' };
  return shape;
}

function propertyName(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

function render(shape: Shape, indent: string): string {
  if (shape.kind === 'any') return 'any';
  const parts: string[] = [];
  if (shape.object) {
    const inner = indent + '  ';
    const lines = [...shape.object.fields].map(([name, { shape: field, seen }]) => {
      const optional = seen < shape.object!.count ? '?' : '';
      return `${inner}${propertyName(name)}${optional}: ${render(field, inner)};`;
    });
    parts.push(lines.length === 0 ? '{}' : `{\n${lines.join('\n')}\n${indent}}`);
  }
  if (shape.array) {
    const item = render(shape.array, indent);
    parts.push(item === 'never' ? 'unknown[]' : item.includes('|') ? `Array<${item}>` : `${item}[]`);
  }
  if (shape.string) parts.push('string');
  if (shape.number) parts.push('number');
  if (shape.boolean) parts.push('boolean');
  if (shape.null) parts.push('null');
  return parts.length === 0 ? 'never' : parts.join(' | ');
}

/** The type of a list of JSON values, as TypeScript source: `{ user_id: number; note?: string }`. */
export function typeOfValues(values: readonly unknown[]): string {
  if (values.length === 0) return 'any';
  let shape: Shape = emptyUnion();
  for (const value of values.slice(0, SAMPLE_LIMIT)) shape = addValue(shape, value, 0);
  const text = render(shape, '');
  return text === 'never' ? 'any' : text;
}

/**
 * Sample values that reach `nodeId`'s input port `port` unchanged, or null when something on the way may change
 * them (a map, a window…) or a source has no samples.
 */
export function upstreamSampleValues(doc: PipelineDoc, nodeId: string, port = 'in'): unknown[] | null {
  const values: unknown[] = [];
  const visiting = new Set<string>();
  const collect = (id: string, inPort: string): boolean => {
    if (visiting.has(id)) return false;
    visiting.add(id);
    const edges = doc.edges.filter((e) => e.to === id && (e.toPort ?? 'in') === inPort);
    if (edges.length === 0) return false;
    for (const edge of edges) {
      const from = doc.nodes.find((n) => n.id === edge.from);
      if (!from || (edge.fromPort ?? 'out') !== 'out') return false;
      const passes = operatorFor(from.type)?.values.out;
      if (passes === 'records') {
        for (const sample of from.samples ?? []) {
          if (values.length >= SAMPLE_LIMIT) break;
          if (!isWatermarkSample(sample)) values.push(sample.value);
        }
      } else if (passes !== 'input' || !collect(from.id, 'in')) return false;
    }
    visiting.delete(id);
    return true;
  };
  return collect(nodeId, port) && values.length > 0 ? values : null;
}

/** The global declarations for one code field: the type of its input values, by input port. */
export function valueTypeDeclarations(doc: PipelineDoc, nodeId: string): string {
  const node = doc.nodes.find((n) => n.id === nodeId);
  const declare = (name: string, port: string) => {
    const values = node ? upstreamSampleValues(doc, nodeId, port) : null;
    const type = values ? typeOfValues(values) : 'any';
    return `/** The values arriving at ${nodeId}.${port}${values ? `, as its upstream samples look` : ''}. */\ntype ${name} = ${type};\n`;
  };
  if (node?.type.startsWith('join.'))
    return declare('Left', 'left') + declare('Right', 'right') + 'type Value = Left | Right;\n';
  return declare('Value', 'in');
}
