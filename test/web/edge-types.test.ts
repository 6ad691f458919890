/** The types on edges (inferred from samples, operators and the simulation) and the unknown-field warnings. */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';
import { validatePipeline } from '../../shared/validation/validate.ts';
import { fieldWarnings, inferTypes } from '../../web/src/code/edge-types.ts';
import { createWeirStore } from '../../web/src/store/index.ts';
import { edgeIds } from '../../web/src/store/graph.ts';

const examples = join(import.meta.dirname, '../../examples');
const pageViews = (): PipelineDoc =>
  JSON.parse(readFileSync(join(examples, 'page-views.weir.json'), 'utf8')) as PipelineDoc;

function withParam(doc: PipelineDoc, nodeId: string, params: Record<string, unknown>): PipelineDoc {
  return { ...doc, nodes: doc.nodes.map((n) => (n.id === nodeId ? { ...n, params: { ...n.params, ...params } } : n)) };
}

describe('types on edges', () => {
  it('carries the samples’ type through filter and keyBy, and into a window’s late port', () => {
    const doc = pageViews();
    const types = inferTypes(doc);
    const ids = edgeIds(doc.edges);
    const on = (from: string, to: string) =>
      types.edges.get(ids[doc.edges.findIndex((e) => e.from === from && e.to === to)]!)!;
    for (const [from, to] of [
      ['events', 'views'],
      ['views', 'byUser'],
      ['byUser', 'perMinute'],
      ['perMinute', 'late_page_views'],
    ] as const) {
      expect(on(from, to).text, `${from} → ${to}`).toBe(
        '{\n  user_id: number;\n  event_type: string;\n  page_url: string;\n  ts: number;\n}',
      );
      expect(on(from, to).origin).toBe('samples');
    }
    expect(on('perMinute', 'page_view_counts').text).toMatch(/^\{\n {2}key: number;/);
  });

  it('gives a window’s output as { key, window, result }, the key typed from the keyBy field', () => {
    const out = inferTypes(pageViews()).output('perMinute', 'out');
    expect(out.text).toBe('{\n  key: number;\n  window: { start: number; end: number };\n  result: number;\n}');
    expect(out.origin).toBe('operator');
  });

  it('leaves a map’s output unknown until a simulation recorded it', () => {
    const doc: PipelineDoc = {
      ...pageViews(),
      nodes: [
        ...pageViews().nodes,
        { id: 'shape', type: 'map', params: { code: ['export default (v: any) => ({ id: v.user_id });'] } },
      ],
      edges: [...pageViews().edges, { from: 'views', to: 'shape' }],
    };
    expect(inferTypes(doc).output('shape', 'out').text).toBe('unknown');
    const simulated = inferTypes(doc, { shape: { out: [{ id: 1 }, { id: 2 }] } }).output('shape', 'out');
    expect(simulated.text).toBe('{\n  id: number;\n}');
    expect(simulated.origin).toBe('simulation');
  });
});

describe('unknown-field warnings', () => {
  it('has none for the page-views example', () => {
    expect(fieldWarnings(pageViews())).toEqual([]);
  });

  it('warns about a keyBy field the samples do not have, naming the real fields, without failing validation', () => {
    const doc = withParam(pageViews(), 'byUser', { field: 'usr_id' });
    expect(fieldWarnings(doc)).toEqual([
      {
        path: 'nodes[2].params.field',
        nodeId: 'byUser',
        kind: 'field',
        message: 'Key by field "usr_id" does not exist in its input: fields are user_id, event_type, page_url, ts',
      },
    ]);
    expect(validatePipeline(doc).problems).toEqual([]);
  });

  it('warns about a source’s timestamp field, and accepts a dot path that exists', () => {
    const doc = withParam(pageViews(), 'events', { timestamp: { from: 'field', field: 'time', format: 'ms' } });
    expect(fieldWarnings(doc).map((w) => w.message)).toEqual([
      'Timestamp field "time" does not exist in its input: fields are user_id, event_type, page_url, ts',
    ]);
    const nested: PipelineDoc = {
      ...doc,
      nodes: doc.nodes.map((n) =>
        n.id === 'events'
          ? {
              ...n,
              params: { ...n.params, timestamp: { from: 'field', field: 'meta.at', format: 'ms' } },
              samples: [{ value: { meta: { at: 1 } } }],
            }
          : n,
      ),
    };
    expect(fieldWarnings(withParam(nested, 'byUser', { field: 'meta.at' }))).toEqual([]);
  });

  it('does not check a field when the input type is not known from samples', () => {
    const doc = withParam(
      { ...pageViews(), nodes: pageViews().nodes.map((n) => (n.id === 'events' ? { ...n, samples: [] } : n)) },
      'byUser',
      { field: 'nope' },
    );
    expect(fieldWarnings(doc)).toEqual([]);
  });

  it('keeps the warnings in the store, by node', () => {
    const store = createWeirStore(withParam(pageViews(), 'byUser', { field: 'usr_id' }));
    expect(store.getState().warningsByNode.byUser?.[0]?.message).toMatch(/^Key by field "usr_id" does not exist/);
    expect(store.getState().problems).toEqual([]);
  });
});
