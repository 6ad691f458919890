/**
 * Small builders for the semantic tests of the engine and the simple operators: a pipeline document from a few
 * nodes, run to the end of input with or without checkpoints, and its sink records in emission order.
 */
import { expect } from 'vitest';
import type { EdgeDoc, ErrorPolicy, NodeDoc, PipelineDoc, Sample } from '../../../shared/pipeline/types.ts';
import { Simulation, simulate, type SimulationOptions, type SinkOutput } from '../../../shared/engine/simulation.ts';
import { OPERATORS } from '../../../shared/operators/registry.ts';
// With WEIR_EXPORT_SEMANTICS set, records every simulation run for test/fixtures/semantics/export.ts.
import '../scenario-recorder.ts';

export function source(id: string, samples: Sample[], params: Record<string, unknown> = {}): NodeDoc {
  return { id, type: 'source.kafka', params: { topic: id, ...params }, samples };
}

export function sink(id = 'out'): NodeDoc {
  return { id, type: 'sink.kafka', params: { topic: id } };
}

export function node(id: string, type: string, params: Record<string, unknown>, onError?: ErrorPolicy): NodeDoc {
  return onError === undefined ? { id, type, params } : { id, type, params, onError };
}

export function pipeline(nodes: NodeDoc[], edges: EdgeDoc[]): PipelineDoc {
  return { format: 'weir/v1', id: 'test', name: 'test', nodes, edges };
}

/** A straight line of nodes, each feeding the next through its `out` port. */
export function chain(...nodes: NodeDoc[]): PipelineDoc {
  const edges: EdgeDoc[] = [];
  for (let i = 1; i < nodes.length; i++) edges.push({ from: nodes[i - 1]!.id, to: nodes[i]!.id });
  return pipeline(nodes, edges);
}

/** Record samples with the given event times (Kafka timestamps) and values. */
export function records(...items: Array<[timestamp: number, value: unknown, key?: string | number | null]>): Sample[] {
  return items.map(
    ([timestamp, value, key]) => (key === undefined ? { timestamp, value } : { timestamp, value, key }) as Sample,
  );
}

/** Simulation options; the node types are the built-in ones. */
export type RunOptions = Omit<SimulationOptions, 'operators'>;

export function run(doc: PipelineDoc, options: RunOptions = {}): SinkOutput[] {
  return simulate(doc, { operators: OPERATORS, ...options }).outputs;
}

/** Sink records as `[key, value, timestamp]`, for compact expectations. */
export function triples(outputs: SinkOutput[], sinkId?: string): Array<[unknown, unknown, number]> {
  return outputs.filter((o) => sinkId === undefined || o.sink === sinkId).map((o) => [o.key, o.value, o.timestamp]);
}

/**
 * Runs the pipeline uninterrupted and with a checkpoint-and-restore after every 1, 2 and 3 samples, asserts that all
 * runs give the same sink records, and returns them (SPEC §6).
 */
export function runWithCheckpoints(doc: PipelineDoc, options: RunOptions = {}): SinkOutput[] {
  const golden = new Simulation(doc, { operators: OPERATORS, ...options });
  golden.run();
  for (const every of [1, 2, 3]) {
    let checkpoints = 0;
    const outputs = run(doc, { ...options, checkpointEvery: every, onCheckpoint: () => checkpoints++ });
    expect(checkpoints, `checkpoints taken with checkpointEvery = ${every}`).toBe(Math.floor(golden.total / every));
    expect(outputs, `outputs with checkpointEvery = ${every}`).toEqual(golden.outputs);
  }
  return golden.outputs;
}
