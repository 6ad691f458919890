import { describe, it, expect } from 'vitest';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';
import { outputPortName, portTargets } from '../../web/src/canvas/port-targets.ts';

const doc: PipelineDoc = {
  format: 'weir/v1',
  id: 'targets',
  name: 'Targets',
  nodes: [
    { id: 'events', type: 'source.kafka', params: { topic: 'events' } },
    { id: 'countPerUser', type: 'filter', label: 'Count per user', params: { code: 'export default () => true;' } },
    {
      id: 'both',
      type: 'join.window',
      params: { assigner: { kind: 'tumbling', sizeMs: 1000 }, code: 'export default (l, r) => l;' },
    },
    { id: 'page_view_counts', type: 'sink.kafka', params: { topic: 'out' } },
  ],
  edges: [
    { from: 'events', to: 'countPerUser' },
    { from: 'countPerUser', to: 'both', toPort: 'left' },
  ],
};

const labels = (from: string, port: string) => portTargets(doc, from, port).map((t) => t.label);

describe('the inputs an output port is offered from the keyboard', () => {
  it('names ports for screen readers by the node’s label', () => {
    expect(outputPortName('Count per user', 'out')).toBe('Output out of Count per user');
  });

  it('offers every free input, named by type, label and port, and never a source', () => {
    expect(labels('events', 'out')).toEqual([
      'Window join both: input left',
      'Window join both: input right',
      'Kafka sink page_view_counts: input in',
    ]);
  });

  it('leaves out inputs already connected to this port and inputs that would close a cycle', () => {
    // countPerUser → both.left exists; its own input is a loop.
    expect(labels('countPerUser', 'out')).toEqual([
      'Window join both: input right',
      'Kafka sink page_view_counts: input in',
    ]);
    // both → countPerUser would close countPerUser → both → countPerUser.
    expect(labels('both', 'out')).toEqual(['Kafka sink page_view_counts: input in']);
  });

  it('carries the request the store connects, with the chosen ports', () => {
    expect(portTargets(doc, 'countPerUser', 'error')[0]!.request).toEqual({
      from: 'countPerUser',
      fromPort: 'error',
      to: 'both',
      toPort: 'left',
    });
  });
});
