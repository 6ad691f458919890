/**
 * Edits of the pipeline document, as pure functions from one immutable document to the next. The store's actions
 * are thin wrappers around these, and history keeps the documents they return. Every edit keeps the author's order of
 * nodes, edges and object members, so an exported file differs from the imported one only where the user changed it.
 */
import type { EdgeDoc, NodeDoc, PipelineDoc } from '../../../shared/pipeline/types.ts';
import { operatorFor } from '../../../shared/operators/registry.ts';
import { initialParams } from '../../../shared/pipeline/schema.ts';
import {
  connectionProblem,
  edgeDoc,
  edgeIds,
  freeId,
  idStem,
  NODE_ID_PATTERN,
  type ConnectionRequest,
} from './graph.ts';

export type Path = ReadonlyArray<string | number>;
export interface Position {
  x: number;
  y: number;
}

export function emptyDocument(id = 'untitled', name = 'Untitled pipeline'): PipelineDoc {
  return { format: 'weir/v1', id, name, nodes: [], edges: [] };
}

const UNTITLED_ID = /^untitled(-\d+)?$/;

/**
 * True for a document that holds nothing of the author's: an untitled one as New makes it, no nodes, no edges, no
 * other member. Such a document is not worth a place among the stored pipelines.
 */
export function isBlankDocument(doc: PipelineDoc): boolean {
  const empty = emptyDocument(doc.id);
  return (
    UNTITLED_ID.test(doc.id) &&
    doc.name === empty.name &&
    doc.format === empty.format &&
    Array.isArray(doc.nodes) &&
    doc.nodes.length === 0 &&
    Array.isArray(doc.edges) &&
    doc.edges.length === 0 &&
    Object.keys(doc).every((key) => Object.hasOwn(empty, key))
  );
}

function takenIds(doc: PipelineDoc): Set<string> {
  return new Set(doc.nodes.map((n) => n.id));
}

function replaceNode(doc: PipelineDoc, id: string, next: (node: NodeDoc) => NodeDoc): PipelineDoc {
  const index = doc.nodes.findIndex((n) => n.id === id);
  if (index < 0) return doc;
  const node = next(doc.nodes[index]!);
  if (node === doc.nodes[index]) return doc;
  const nodes = doc.nodes.slice();
  nodes[index] = node;
  return { ...doc, nodes };
}

/** Sets (or, with `undefined`, removes) the member at `path` inside `value`, copying only what lies on the path. */
export function setIn(value: unknown, path: Path, next: unknown): unknown {
  if (path.length === 0) return next;
  const [head, ...rest] = path;
  if (typeof head === 'number') {
    const list = Array.isArray(value) ? value.slice() : [];
    if (rest.length === 0 && next === undefined) list.splice(head, 1);
    else list[head] = setIn(list[head], rest, next);
    return list;
  }
  const object: Record<string, unknown> =
    typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {};
  if (rest.length === 0 && next === undefined) delete object[head!];
  else object[head!] = setIn(object[head!], rest, next);
  return object;
}

export function getIn(value: unknown, path: Path): unknown {
  let current = value;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/** A new node of `type` at `position`, with its params' defaults and code templates and a readable unique id. */
export function addNode(doc: PipelineDoc, type: string, position: Position): { doc: PipelineDoc; id: string } {
  const definition = operatorFor(type);
  const id = freeId(idStem(type), takenIds(doc));
  const node: NodeDoc = {
    id,
    type,
    params: definition ? initialParams(definition.params) : {},
    ui: { x: Math.round(position.x), y: Math.round(position.y) },
  };
  return { doc: { ...doc, nodes: [...doc.nodes, node] }, id };
}

/** Adds the edge when the connection is allowed; the document is returned unchanged otherwise. */
export function connect(doc: PipelineDoc, c: ConnectionRequest): PipelineDoc {
  if (connectionProblem(doc, c) !== null) return doc;
  return { ...doc, edges: [...doc.edges, edgeDoc(c)] };
}

/** Stores positions in each node's `ui`, keeping whatever else `ui` holds. */
export function moveNodes(doc: PipelineDoc, positions: ReadonlyMap<string, Position>): PipelineDoc {
  let changed = false;
  const nodes = doc.nodes.map((node) => {
    const p = positions.get(node.id);
    if (!p) return node;
    const x = Math.round(p.x);
    const y = Math.round(p.y);
    if (node.ui?.x === x && node.ui?.y === y) return node;
    changed = true;
    return { ...node, ui: { ...node.ui, x, y } };
  });
  return changed ? { ...doc, nodes } : doc;
}

/** Sets a member of one node (`['params','topic']`, `['label']`, `['samples']`); `undefined` removes it. */
export function setNodeValue(doc: PipelineDoc, id: string, path: Path, value: unknown): PipelineDoc {
  return replaceNode(doc, id, (node) => {
    if (Object.is(getIn(node, path), value)) return node;
    return setIn(node, path, value) as NodeDoc;
  });
}

/** Why `next` cannot be the new id of node `current`, or null when it can. */
export function renameProblem(doc: PipelineDoc, current: string, next: string): string | null {
  if (next === current) return null;
  if (!NODE_ID_PATTERN.test(next)) return 'an id starts with a letter, then letters, digits, "_" or "-" (at most 64)';
  if (doc.nodes.some((n) => n.id === next)) return `another node already has the id "${next}"`;
  return null;
}

function renameKeys<T>(
  record: Record<string, T> | undefined,
  current: string,
  next: string,
): Record<string, T> | undefined {
  if (!record || !Object.hasOwn(record, current)) return record;
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k === current ? next : k, v]));
}

/** Renames a node and everything that names it: edges, and the tests' inputs and expectations (SPEC §7). */
export function renameNode(doc: PipelineDoc, current: string, next: string): PipelineDoc {
  if (renameProblem(doc, current, next) !== null || current === next) return doc;
  const nodes = doc.nodes.map((n) => (n.id === current ? { ...n, id: next } : n));
  const edges = doc.edges.map((e) => {
    if (e.from !== current && e.to !== current) return e;
    const renamed = { ...e };
    if (e.from === current) renamed.from = next;
    if (e.to === current) renamed.to = next;
    return renamed;
  });
  const result: PipelineDoc = { ...doc, nodes, edges };
  if (doc.tests) {
    result.tests = doc.tests.map((t) => {
      const inputs = renameKeys(t.inputs, current, next);
      const expect = renameKeys(t.expect, current, next)!;
      return inputs === t.inputs && expect === t.expect ? t : { ...t, ...(inputs ? { inputs } : {}), expect };
    });
  }
  return result;
}

/** Removes nodes (with their edges) and edges given by their React Flow ids. */
export function deleteElements(
  doc: PipelineDoc,
  nodeIds: readonly string[],
  edgeIdList: readonly string[],
): PipelineDoc {
  const nodes = new Set(nodeIds);
  const ids = edgeIds(doc.edges);
  const dropEdges = new Set(edgeIdList);
  const keptEdges = doc.edges.filter((e, i) => !nodes.has(e.from) && !nodes.has(e.to) && !dropEdges.has(ids[i]!));
  const keptNodes = doc.nodes.filter((n) => !nodes.has(n.id));
  if (keptEdges.length === doc.edges.length && keptNodes.length === doc.nodes.length) return doc;
  return { ...doc, nodes: keptNodes, edges: keptEdges };
}

/** What copy puts on the clipboard: deep copies of the nodes and of the edges between them. */
export interface Clipboard {
  nodes: NodeDoc[];
  edges: EdgeDoc[];
}

export function copyNodes(doc: PipelineDoc, nodeIds: readonly string[]): Clipboard | null {
  const ids = new Set(nodeIds);
  const nodes = doc.nodes.filter((n) => ids.has(n.id));
  if (nodes.length === 0) return null;
  const edges = doc.edges.filter((e) => ids.has(e.from) && ids.has(e.to));
  return structuredClone({ nodes, edges });
}

/**
 * Pastes clipboard nodes with fresh unique ids (`filter1` → the next free `filterN`), shifted by `offset`, with the
 * edges between them rewired to the new ids.
 */
export function pasteNodes(doc: PipelineDoc, clip: Clipboard, offset: Position): { doc: PipelineDoc; ids: string[] } {
  const taken = takenIds(doc);
  const renamed = new Map<string, string>();
  const nodes = clip.nodes.map((original) => {
    const id = freeId(original.id, taken);
    taken.add(id);
    renamed.set(original.id, id);
    const node: NodeDoc = { ...structuredClone(original), id };
    const x = typeof original.ui?.x === 'number' ? original.ui.x : 0;
    const y = typeof original.ui?.y === 'number' ? original.ui.y : 0;
    node.ui = { ...node.ui, x: Math.round(x + offset.x), y: Math.round(y + offset.y) };
    return node;
  });
  const edges = clip.edges.map((e) => ({ ...e, from: renamed.get(e.from)!, to: renamed.get(e.to)! }));
  return {
    doc: { ...doc, nodes: [...doc.nodes, ...nodes], edges: [...doc.edges, ...edges] },
    ids: nodes.map((n) => n.id),
  };
}
