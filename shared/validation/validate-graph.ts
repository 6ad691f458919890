/**
 * Graph rules of SPEC §1: edges name existing nodes and ports, sources take no input and sinks give no output, every
 * required input port is fed, and the graph has no cycle. Ports come from each type's definition, so a type added to
 * the registry is checked without any change here. Beyond SPEC §1: a node whose `onError` is `"route"` (SPEC §5)
 * must have an edge from its `error` port, or the records it routes would be dropped while counted as routed.
 */
import { problem, type ValidationProblem } from '../pipeline/errors.ts';
import type { OperatorDefinition } from '../operators/types.ts';

/** What the node pass learned about one node; `outputs` is known only when its params passed their schema. */
export interface NodeInfo {
  index: number;
  id: string | undefined;
  /** What the author calls the node: its label, or its id when it has none. */
  name: string | undefined;
  definition: OperatorDefinition | undefined;
  outputs: readonly string[] | undefined;
  /** `onError` is `"route"`. */
  routesErrors: boolean;
}

interface GraphEdge {
  index: number;
  from: NodeInfo;
  to: NodeInfo;
}

export function validateGraph(nodes: readonly NodeInfo[], edges: readonly unknown[], out: ValidationProblem[]): void {
  const byId = new Map<string, NodeInfo>();
  for (const node of nodes) if (node.id !== undefined && !byId.has(node.id)) byId.set(node.id, node);
  const nodeIds = [...byId.keys()].join(', ') || 'none';
  const fed = new Set<string>();
  /** Nodes with an edge leaving their `error` port. */
  const errorsWired = new Set<NodeInfo>();
  const graph: GraphEdge[] = [];

  edges.forEach((edge, i) => {
    if (typeof edge !== 'object' || edge === null) return;
    const e = edge as Record<string, unknown>;
    const path = `edges[${i}]`;
    const from = typeof e.from === 'string' ? byId.get(e.from) : undefined;
    const to = typeof e.to === 'string' ? byId.get(e.to) : undefined;
    if (typeof e.from === 'string' && !from)
      out.push(problem(`${path}.from`, 'E_UNKNOWN_NODE', `no node has the id "${e.from}"; node ids: ${nodeIds}`));
    if (typeof e.to === 'string' && !to)
      out.push(problem(`${path}.to`, 'E_UNKNOWN_NODE', `no node has the id "${e.to}"; node ids: ${nodeIds}`));
    const fromPort = typeof e.fromPort === 'string' ? e.fromPort : 'out';
    const toPort = typeof e.toPort === 'string' ? e.toPort : 'in';
    // An edge with a wrong `toPort` feeds nothing; one out of a sink or into a source can only be removed, so it
    // takes no part in cycles either.
    let feeds = true;
    let possible = true;

    if (from?.definition?.role === 'sink') {
      possible = false;
      out.push(
        problem(`${path}.from`, 'E_SINK_OUTPUT', `"${from.id}" is a sink and has no outputs; an edge cannot leave it`),
      );
    } else if (from?.outputs && !from.outputs.includes(fromPort)) {
      out.push(
        problem(
          `${path}.fromPort`,
          'E_UNKNOWN_PORT',
          `${from.definition!.type} node "${from.id}" has no output port "${fromPort}"${e.fromPort === undefined ? ' (the default)' : ''}; its output ports: ${from.outputs.join(', ')}`,
        ),
      );
    }
    if (to?.definition?.role === 'source') {
      feeds = possible = false;
      out.push(
        problem(
          `${path}.to`,
          'E_SOURCE_INPUT',
          `"${to.id}" is a source and takes no input; point this edge at another node`,
        ),
      );
    } else if (to?.definition && !to.definition.inputs.some((p) => p.name === toPort)) {
      feeds = false;
      const inputs = to.definition.inputs.map((p) => p.name).join(', ');
      out.push(
        problem(
          `${path}.toPort`,
          'E_UNKNOWN_PORT',
          `${to.definition.type} node "${to.id}" has no input port "${toPort}"${e.toPort === undefined ? ' (the default)' : ''}; its input ports: ${inputs}`,
        ),
      );
    }
    if (from && to && possible) graph.push({ index: i, from, to });
    if (from && fromPort === 'error') errorsWired.add(from);
    if (to && feeds) fed.add(`${to.id}\u0000${toPort}`);
  });

  for (const node of byId.values()) {
    for (const port of node.definition?.inputs ?? []) {
      if (!port.required || fed.has(`${node.id}\u0000${port.name}`)) continue;
      out.push(
        problem(
          `nodes[${node.index}]`,
          'E_UNCONNECTED',
          `"${node.name}" has nothing connected to its input "${port.name}": connect a source or another node's output to it`,
        ),
      );
    }
  }

  for (const node of byId.values()) {
    if (!node.routesErrors || errorsWired.has(node) || !node.outputs?.includes('error')) continue;
    // A source's unwired error port is kept: a deployment sends its errors to the topic `<pipeline id>.dlq`.
    if (node.definition?.role === 'source') continue;
    out.push(
      problem(
        `nodes[${node.index}].onError`,
        'E_ROUTE_UNCONNECTED',
        `onError is "route" but nothing is connected to the error port of "${node.name}": connect its error port to a sink (a dead-letter topic), or choose "skip"`,
      ),
    );
  }

  for (const cycle of findCycles(byId, graph)) {
    const names = [...cycle.map((e) => e.from.id), cycle[0]!.from.id].join(' → ');
    const where = cycle.map((e) => `edges[${e.index}]`).join(', ');
    out.push(
      problem(
        `edges[${cycle[cycle.length - 1]!.index}]`,
        'E_CYCLE',
        `the graph has a cycle: ${names}; remove one of its edges (${where}) so that no record can reach its own node again`,
      ),
    );
  }
}

/**
 * One cycle per strongly connected component (Tarjan), as the edges of a closed walk starting at the component's
 * first node in the author's order.
 */
function findCycles(byId: Map<string, NodeInfo>, graph: readonly GraphEdge[]): GraphEdge[][] {
  const next = new Map<NodeInfo, GraphEdge[]>();
  for (const e of graph) (next.get(e.from) ?? next.set(e.from, []).get(e.from)!).push(e);
  const index = new Map<NodeInfo, number>();
  const low = new Map<NodeInfo, number>();
  const stack: NodeInfo[] = [];
  const onStack = new Set<NodeInfo>();
  const components: NodeInfo[][] = [];
  let counter = 0;

  const connect = (v: NodeInfo): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const e of next.get(v) ?? []) {
      if (!index.has(e.to)) {
        connect(e.to);
        low.set(v, Math.min(low.get(v)!, low.get(e.to)!));
      } else if (onStack.has(e.to)) {
        low.set(v, Math.min(low.get(v)!, index.get(e.to)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: NodeInfo[] = [];
      let w: NodeInfo;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      components.push(component);
    }
  };
  for (const node of byId.values()) if (!index.has(node)) connect(node);

  const cycles: GraphEdge[][] = [];
  for (const component of components) {
    const members = new Set(component);
    const start = component.reduce((a, b) => (a.index <= b.index ? a : b));
    const selfLoop = (next.get(start) ?? []).find((e) => e.to === start);
    if (component.length === 1 && !selfLoop) continue;
    cycles.push(selfLoop ? [selfLoop] : walkBack(start, members, next));
  }
  return cycles.sort((a, b) => a[0]!.from.index - b[0]!.from.index);
}

/** A shortest closed walk from `start` back to itself inside one component (breadth-first). */
function walkBack(start: NodeInfo, members: Set<NodeInfo>, next: Map<NodeInfo, GraphEdge[]>): GraphEdge[] {
  const via = new Map<NodeInfo, GraphEdge>();
  const queue: NodeInfo[] = [start];
  for (let head = 0; head < queue.length; head++) {
    for (const e of next.get(queue[head]!) ?? []) {
      if (!members.has(e.to)) continue;
      if (e.to === start) {
        const walk = [e];
        for (let at = e.from; at !== start; at = via.get(at)!.from) walk.unshift(via.get(at)!);
        return walk;
      }
      if (!via.has(e.to)) {
        via.set(e.to, e);
        queue.push(e.to);
      }
    }
  }
  return [];
}
