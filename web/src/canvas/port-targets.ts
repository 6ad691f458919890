/**
 * Which input ports an output port may be wired to from the keyboard: every input of every node for which
 * `connectionProblem` has no objection (no cycle, no repeat, a real input), so the list never offers what a drag
 * would refuse.
 */
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import { operatorFor } from '../../../shared/operators/registry.ts';
import { connectionProblem, nodeName, portsOf, type ConnectionRequest } from '../store/graph.ts';

export interface PortTarget {
  request: ConnectionRequest;
  /** What a screen reader reads and the list shows: `Kafka sink page_view_counts: input in`. */
  label: string;
}

/** The accessible name of an output port: `Output out of Count per user`. */
export function outputPortName(nodeLabel: string, port: string): string {
  return `Output ${port} of ${nodeLabel}`;
}

export function portTargets(doc: PipelineDoc, from: string, fromPort: string): PortTarget[] {
  const targets: PortTarget[] = [];
  for (const node of doc.nodes) {
    const typeLabel = operatorFor(node.type)?.label ?? node.type;
    for (const toPort of portsOf(node, doc.edges).inputs) {
      const request: ConnectionRequest = { from, fromPort, to: node.id, toPort };
      if (connectionProblem(doc, request) !== null) continue;
      targets.push({ request, label: `${typeLabel} ${nodeName(node)}: input ${toPort}` });
    }
  }
  return targets;
}
