/**
 * What the background type check asks TypeScript and what it does with the answers: every code field that
 * compiles (variants included), each with its own value types; answers become warnings with JSON paths that follow
 * the node; answers that arrive after the code changed again are dropped. TypeScript itself runs in the browser
 * (test/e2e/type-problems.test.ts); here a checker stands in for it.
 */
import { describe, expect, it } from 'vitest';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';
import {
  codeFieldsOf,
  keepTypeWarnings,
  typeCheckRequests,
  typeWarnings,
  type TypeCheckRequest,
  type TypeChecker,
} from '../../web/src/code/type-warnings.ts';
import type { EditorWarning } from '../../web/src/code/edge-types.ts';
import { createWeirStore } from '../../web/src/store/index.ts';

function pipeline(nodes: PipelineDoc['nodes'], edges: PipelineDoc['edges'] = []): PipelineDoc {
  return { format: 'weir/v1', id: 'p', name: 'p', nodes, edges };
}

const source = {
  id: 'events',
  type: 'source.kafka',
  params: { topic: 'in' },
  samples: [{ value: { user: 'a', n: 1 } }, { value: { user: 'b', n: 2 } }],
};

const doc = pipeline(
  [
    source,
    { id: 'keep', type: 'filter', params: { code: ['export default (v: Value) => v.usr === "a";'] } },
    { id: 'broken', type: 'map', params: { code: 'export default (v) => {' } },
    { id: 'empty', type: 'map', params: { code: '  ' } },
    {
      id: 'win',
      type: 'window',
      params: {
        assigner: { kind: 'tumbling', sizeMs: 1000 },
        aggregate: { kind: 'reduce', code: 'export default (a: any, b: any) => a;' },
      },
    },
  ],
  [
    { from: 'events', to: 'keep' },
    { from: 'keep', to: 'broken' },
    { from: 'keep', to: 'empty' },
    { from: 'empty', to: 'win' },
  ],
);

describe('what is type-checked', () => {
  it('finds code in nested variants by the tag the params hold, and skips empty code', () => {
    expect(codeFieldsOf(doc.nodes[4]!)).toEqual([
      { path: ['params', 'aggregate', 'code'], text: 'export default (a: any, b: any) => a;' },
    ]);
    expect(codeFieldsOf(doc.nodes[3]!)).toEqual([]);
    const counted = { ...doc.nodes[4]!, params: { ...doc.nodes[4]!.params, aggregate: { kind: 'count' } } };
    expect(codeFieldsOf(counted)).toEqual([]);
  });

  it('asks about code that compiles, each field with the value types of its own input', () => {
    const requests = typeCheckRequests(doc);
    expect(requests.map((r) => r.nodeId)).toEqual(['keep', 'win']);
    expect(requests[0]!.text).toBe('export default (v: Value) => v.usr === "a";');
    expect(requests[0]!.declarations).toMatch(/type Value = \{\s*user: string;\s*n: number;\s*\}/);
    // After a map the shape is unknown.
    expect(requests[1]!.declarations).toContain('type Value = any;');
  });
});

describe('answers as warnings', () => {
  it('names the node, the field path and TypeScript’s message with line, column and number', () => {
    const requests = typeCheckRequests(doc);
    const warnings = typeWarnings(doc, requests, [
      [{ line: 1, column: 33, message: "Property 'usr' does not exist", code: 2339 }],
      [],
    ]);
    expect(warnings).toEqual([
      {
        path: 'nodes[1].params.code',
        nodeId: 'keep',
        kind: 'type',
        field: 'params.code',
        message: "line 1, column 33: Property 'usr' does not exist (TS2339)",
      },
    ]);
  });

  it('puts them beside the field warnings in the store, follows the node when it moves, and drops deleted nodes', () => {
    const store = createWeirStore(doc);
    const warning: EditorWarning = {
      path: 'nodes[1].params.code',
      nodeId: 'keep',
      kind: 'type',
      field: 'params.code',
      message: 'x',
    };
    store.getState().setTypeWarnings([warning]);
    expect(store.getState().warningsByNode.keep).toEqual([warning]);
    expect(store.getState().warnings).toContainEqual(warning);

    store.getState().deleteElements(['events'], []);
    expect(store.getState().warningsByNode.keep?.map((w) => w.path)).toEqual(['nodes[0].params.code']);
    store.getState().deleteElements(['keep'], []);
    expect(store.getState().warningsByNode.keep).toBeUndefined();
    expect(store.getState().warnings.filter((w) => w.kind === 'type')).toEqual([]);
  });
});

describe('keeping the warnings in step with the document', () => {
  function host(initial: PipelineDoc) {
    let current = initial;
    const listeners = new Set<() => void>();
    const published: EditorWarning[][] = [];
    return {
      published,
      change(next: PipelineDoc) {
        current = next;
        for (const l of listeners) l();
      },
      document: () => current,
      onDocumentChange(listener: () => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      publish: (w: EditorWarning[]) => void published.push(w),
    };
  }

  function withCode(code: string): PipelineDoc {
    return { ...doc, nodes: doc.nodes.map((n) => (n.id === 'keep' ? { ...n, params: { code } } : n)) };
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('checks after a pause, drops an answer the code has outrun, and checks the new code', async () => {
    const h = host(doc);
    const asked: string[][] = [];
    let release: (() => void) | null = null;
    const checker: TypeChecker = async (requests: readonly TypeCheckRequest[]) => {
      asked.push(requests.map((r) => r.text));
      if (asked.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return requests.map((r) =>
        r.text.includes('usr') ? [{ line: 1, column: 1, message: 'no usr', code: 2339 }] : [],
      );
    };
    const stop = keepTypeWarnings(h, async () => checker, 1);
    await expect.poll(() => asked.length).toBe(1);
    // The code changes while TypeScript is still thinking about the old one.
    h.change(withCode('export default (v: Value) => v.user === "a";'));
    release!();
    await expect.poll(() => h.published.length).toBe(1);
    expect(asked[1]).toEqual(['export default (v: Value) => v.user === "a";', 'export default (a: any, b: any) => a;']);
    expect(h.published[0]).toEqual([]);

    // A change that leaves every code field as it was asks nothing.
    h.change({ ...withCode('export default (v: Value) => v.user === "a";'), name: 'renamed' } as PipelineDoc);
    await settle();
    expect(asked).toHaveLength(2);

    h.change(withCode('export default (v: Value) => v.usr === "a";'));
    await expect.poll(() => h.published.length).toBe(2);
    expect(h.published[1]!.map((w) => [w.nodeId, w.message])).toEqual([['keep', 'line 1, column 1: no usr (TS2339)']]);
    stop();
  });

  it('publishes no warnings when the checker cannot load, and does not keep asking', async () => {
    const h = host(doc);
    let loads = 0;
    const stop = keepTypeWarnings(
      h,
      () => {
        loads++;
        return Promise.reject(new Error('monaco did not load'));
      },
      1,
    );
    await expect.poll(() => h.published.length).toBe(1);
    expect(h.published[0]).toEqual([]);
    h.change({ ...doc, name: 'other' } as PipelineDoc);
    await settle();
    expect(loads).toBe(1);
    stop();
  });
});
