/**
 * Pure questions about the pipeline graph that the editor asks while the user works: which ports a node has, whether
 * a connection may snap, what id a new node gets. They read the same operator definitions the validator uses, so
 * the canvas never offers a port or a connection that `weir validate` would reject.
 */
import { edgeFromPort, edgeToPort, type EdgeDoc, type NodeDoc, type PipelineDoc } from '../../../shared/pipeline/types.ts';
import { operatorFor } from '../../../shared/operators/registry.ts';
import { applyDefaults } from '../../../shared/operators/schema.ts';

export const NODE_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export interface NodePorts {
  inputs: readonly string[];
  outputs: readonly string[];
}

/**
 * A node's ports as its type declares them. A node of an unknown type (an imported file from a newer version, a
 * typo) gets `in`/`out` plus whatever its edges name, so that its edges still draw while the problem is shown.
 */
export function portsOf(node: NodeDoc, edges: readonly EdgeDoc[] = []): NodePorts {
  const definition = operatorFor(node.type);
  if (definition) {
    let outputs: readonly string[];
    try {
      outputs = definition.outputs(applyDefaults(node.params, definition.params));
    } catch {
      // Params that do not pass the schema yet (a half-typed `outputs` list) must not break drawing.
      outputs = ['out', 'error'];
    }
    return { inputs: definition.inputs.map((p) => p.name), outputs };
  }
  const inputs = new Set<string>(['in']);
  const outputs = new Set<string>(['out']);
  for (const edge of edges) {
    if (edge.to === node.id) inputs.add(edgeToPort(edge));
    if (edge.from === node.id) outputs.add(edgeFromPort(edge));
  }
  return { inputs: [...inputs], outputs: [...outputs] };
}

/** A stable id for an edge; React Flow needs one and the document has none (SPEC §1 edges are plain pairs). */
export function edgeKey(edge: EdgeDoc): string {
  return `${edge.from}.${edgeFromPort(edge)}->${edge.to}.${edgeToPort(edge)}`;
}

/** Edge ids for every edge in order; repeated identical edges get `#2`, `#3`… so ids stay unique. */
export function edgeIds(edges: readonly EdgeDoc[]): string[] {
  const seen = new Map<string, number>();
  return edges.map((edge) => {
    const key = edgeKey(edge);
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n === 1 ? key : `${key}#${n}`;
  });
}

/** True when `to` can already reach `from`, so an edge from → to would close a cycle. */
export function reaches(edges: readonly EdgeDoc[], start: string, goal: string): boolean {
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    const list = next.get(edge.from);
    if (list) list.push(edge.to);
    else next.set(edge.from, [edge.to]);
  }
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === goal) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const to of next.get(id) ?? []) stack.push(to);
  }
  return false;
}

export interface ConnectionRequest {
  from: string;
  fromPort: string;
  to: string;
  toPort: string;
}

/** Why a connection may not snap, or null when it may. */
export function connectionProblem(doc: PipelineDoc, c: ConnectionRequest): string | null {
  if (c.from === c.to) return 'a node cannot feed itself';
  const fromNode = doc.nodes.find((n) => n.id === c.from);
  const toNode = doc.nodes.find((n) => n.id === c.to);
  if (!fromNode || !toNode) return 'both ends must be nodes of this pipeline';
  if (!portsOf(fromNode, doc.edges).outputs.includes(c.fromPort)) return `"${c.from}" has no output port "${c.fromPort}"`;
  if (!portsOf(toNode, doc.edges).inputs.includes(c.toPort)) return `"${c.to}" has no input port "${c.toPort}"`;
  if (doc.edges.some((e) => e.from === c.from && edgeFromPort(e) === c.fromPort && e.to === c.to && edgeToPort(e) === c.toPort))
    return 'these ports are already connected';
  if (reaches(doc.edges, c.to, c.from)) return 'the connection would make a cycle';
  return null;
}

/** The edge as writers emit it: default ports (`out` → `in`) left out, as in SPEC §1's example. */
export function edgeDoc(c: ConnectionRequest): EdgeDoc {
  const edge: EdgeDoc = { from: c.from, to: c.to };
  if (c.fromPort !== 'out') edge.fromPort = c.fromPort;
  if (c.toPort !== 'in') edge.toPort = c.toPort;
  return edge;
}

/** The readable stem of ids for a node type: `filter`, `keyBy`, `source` for `source.kafka`, `join` for joins. */
export function idStem(type: string): string {
  const stem = type.split('.')[0]!.replace(/[^A-Za-z0-9_-]/g, '');
  return /^[A-Za-z]/.test(stem) ? stem : `node${stem}`;
}

/** The first free id `stem1`, `stem2`, … not in `taken`. */
export function freeId(stem: string, taken: ReadonlySet<string>): string {
  const base = stem.replace(/\d+$/, '') || 'node';
  for (let n = 1; ; n++) {
    const id = `${base}${n}`;
    if (!taken.has(id)) return id;
  }
}

/** The position stored in `node.ui`, when there is one. */
export function storedPosition(node: NodeDoc): { x: number; y: number } | undefined {
  const ui = node.ui;
  if (!ui || typeof ui.x !== 'number' || typeof ui.y !== 'number') return undefined;
  return { x: ui.x, y: ui.y };
}

/** Index of the node each `nodes[i]…` problem path points at, or undefined. */
export function nodeIndexOfPath(path: string): number | undefined {
  const match = /^nodes\[(\d+)\]/.exec(path);
  return match ? Number(match[1]) : undefined;
}

export function edgeIndexOfPath(path: string): number | undefined {
  const match = /^edges\[(\d+)\]/.exec(path);
  return match ? Number(match[1]) : undefined;
}
