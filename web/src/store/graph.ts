/**
 * Pure questions about the pipeline graph that the editor asks while the user works: which ports a node has, whether
 * a connection may snap, what id a new node gets. They read the same operator definitions the validator uses, so
 * the canvas never offers a port or a connection that `weir validate` would reject.
 */
import {
  edgeFromPort,
  edgeToPort,
  type EdgeDoc,
  type NodeDoc,
  type PipelineDoc,
} from '../../../shared/pipeline/types.ts';
import { operatorFor } from '../../../shared/operators/registry.ts';
import { applyDefaults } from '../../../shared/pipeline/schema.ts';

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

/**
 * The shortest chain of node ids from `start` to `goal` along the edges (both ends included), or null when `goal`
 * cannot be reached: an edge goal → start would close exactly this chain into a cycle.
 */
export function pathBetween(edges: readonly EdgeDoc[], start: string, goal: string): string[] | null {
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    const list = next.get(edge.from);
    if (list) list.push(edge.to);
    else next.set(edge.from, [edge.to]);
  }
  const via = new Map<string, string | null>([[start, null]]);
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head]!;
    if (id === goal) {
      const path: string[] = [];
      for (let at: string | null = id; at !== null; at = via.get(at)!) path.unshift(at);
      return path;
    }
    for (const to of next.get(id) ?? []) {
      if (via.has(to)) continue;
      via.set(to, id);
      queue.push(to);
    }
  }
  return null;
}

/** What the author calls a node: its label, or its id when it has none. */
export function nodeName(node: Pick<NodeDoc, 'id' | 'label'>): string {
  return typeof node.label === 'string' && node.label.trim() !== '' ? node.label : node.id;
}

export interface ConnectionRequest {
  from: string;
  fromPort: string;
  to: string;
  toPort: string;
}

/** Why a connection may not snap, in a sentence for the author that names nodes by their labels; null when it may. */
export function connectionProblem(doc: PipelineDoc, c: ConnectionRequest): string | null {
  const fromNode = doc.nodes.find((n) => n.id === c.from);
  const toNode = doc.nodes.find((n) => n.id === c.to);
  if (!fromNode || !toNode) return 'Both ends of a connection must be nodes of this pipeline.';
  if (!portsOf(fromNode, doc.edges).outputs.includes(c.fromPort))
    return `"${nodeName(fromNode)}" has no output port "${c.fromPort}".`;
  if (!portsOf(toNode, doc.edges).inputs.includes(c.toPort))
    return operatorFor(toNode.type)?.role === 'source'
      ? `"${nodeName(toNode)}" is a source and takes no input.`
      : `"${nodeName(toNode)}" has no input port "${c.toPort}".`;
  if (
    doc.edges.some(
      (e) => e.from === c.from && edgeFromPort(e) === c.fromPort && e.to === c.to && edgeToPort(e) === c.toPort,
    )
  )
    return `These ports are already connected: "${nodeName(fromNode)}" ${c.fromPort} → "${nodeName(toNode)}" ${c.toPort}.`;
  const back = c.from === c.to ? [c.from] : pathBetween(doc.edges, c.to, c.from);
  if (back !== null) {
    const byId = new Map(doc.nodes.map((n) => [n.id, n]));
    // An imported file may route the way back through an edge that names a missing node: that one goes by its id.
    const names = [c.from, ...back].map((id) => nodeName(byId.get(id) ?? { id }));
    return `That edge would make a cycle: ${names.join(' → ')}. Weir pipelines are acyclic.`;
  }
  return null;
}

/** Why two ports of these kinds cannot be connected at all, or null when one is an output and the other an input. */
export function portKindProblem(a: 'source' | 'target', b: 'source' | 'target'): string | null {
  if (a !== b) return null;
  return a === 'source'
    ? 'Those are two outputs: connect an output (right side of a node) to an input (left side of another).'
    : 'Those are two inputs: connect an output (right side of a node) to an input (left side of another).';
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

/**
 * What a problem is about, in the author's words: the node's label (or id) for `nodes[i]…` paths, `from → to` for
 * `edges[i]…` paths; undefined for the pipeline's own fields and for elements the document does not have.
 */
export function problemSubject(doc: PipelineDoc, path: string): string | undefined {
  const nodeIndex = nodeIndexOfPath(path);
  if (nodeIndex !== undefined) {
    const node = doc.nodes[nodeIndex];
    return node && typeof node.id === 'string' ? nodeName(node) : undefined;
  }
  const edgeIndex = edgeIndexOfPath(path);
  const edge = edgeIndex === undefined ? undefined : doc.edges[edgeIndex];
  if (!edge) return undefined;
  const name = (id: string) => {
    const node = doc.nodes.find((n) => n.id === id);
    return node ? nodeName(node) : id;
  };
  return `${name(edge.from)} → ${name(edge.to)}`;
}
