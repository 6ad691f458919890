/**
 * The one-operator pipeline of the test harness (harness.ts), free of vitest so that scripts can build it too
 * (test/fixtures/semantics/export.ts).
 */
import { operatorFor } from '../../shared/operators/registry.ts';
import { applyDefaults } from '../../shared/pipeline/schema.ts';
import type { EdgeDoc, ErrorPolicy, NodeDoc, PipelineDoc } from '../../shared/pipeline/types.ts';

/** The node id of the operator under test. */
export const OP = 'op';

export interface OperatorSpec {
  type: string;
  params: Record<string, unknown>;
  onError?: ErrorPolicy;
  /** Output ports wired to a sink; default: every port of the type. */
  connect?: readonly string[];
}

export const sourceId = (port: string) => `src_${port}`;
export const sinkId = (port: string) => `sink_${port}`;

/** source(s) → operator → sink(s). Sources read explicit watermark markers only, so a test decides when time moves. */
export function operatorPipeline(spec: OperatorSpec): PipelineDoc {
  const definition = operatorFor(spec.type);
  if (!definition) throw new Error(`unknown operator type "${spec.type}"`);
  const operator: NodeDoc = { id: OP, type: spec.type, params: spec.params };
  if (spec.onError !== undefined) operator.onError = spec.onError;
  const nodes: NodeDoc[] = [];
  const edges: EdgeDoc[] = [];
  for (const input of definition.inputs) {
    nodes.push({
      id: sourceId(input.name),
      type: 'source.kafka',
      params: { topic: input.name, watermark: { strategy: 'explicit' } },
    });
    edges.push({ from: sourceId(input.name), to: OP, toPort: input.name });
  }
  nodes.push(operator);
  const ports = spec.connect ?? definition.outputs(applyDefaults(spec.params, definition.params));
  for (const port of ports) {
    nodes.push({ id: sinkId(port), type: 'sink.kafka', params: { topic: `out-${port}` } });
    edges.push({ from: OP, fromPort: port, to: sinkId(port) });
  }
  return { format: 'weir/v1', id: 'harness', name: 'harness', nodes, edges };
}
