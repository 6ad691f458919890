import { describe, it, expect } from 'vitest';
import { simulate } from '../../shared/engine/simulation.ts';
import type { PipelineDoc, Sample } from '../../shared/pipeline/types.ts';
import { SINK_PORT } from '../../web/src/simulation/protocol.ts';
import { sinkOutputs } from '../../web/src/simulation/results.ts';
import { exampleFiles, readExample, startSession } from './simulation-support.ts';
import { OPERATORS } from '../../shared/operators/registry.ts';

function pipeline(samples: Sample[], filterCode: string, onError: 'fail' | 'skip' | 'route' = 'fail'): PipelineDoc {
  return {
    format: 'weir/v1',
    id: 'session-test',
    name: 'session test',
    nodes: [
      { id: 'src', type: 'source.kafka', params: { topic: 'in', timestamp: { from: 'field', field: 'ts' } }, samples },
      { id: 'f', type: 'filter', params: { code: [filterCode] }, onError },
      { id: 'out', type: 'sink.kafka', params: { topic: 'out' } },
      { id: 'bad', type: 'sink.kafka', params: { topic: 'bad' } },
    ],
    edges: [
      { from: 'src', to: 'f' },
      { from: 'f', to: 'out' },
      { from: 'f', fromPort: 'error', to: 'bad' },
    ],
  };
}

const THREE = [{ value: { n: 1, ts: 1000 } }, { value: { n: 2, ts: 2000 } }, { value: { n: 3, ts: 3000 } }];

describe('a simulation session', () => {
  it('reports each node’s records by port with the step that produced them, and what each sink wrote', () => {
    const run = startSession(pipeline(THREE, 'export default (v) => v.n !== 2;'));
    run.session.runTo();
    const results = run.results();
    expect(results.src!.records.map((r) => [r.port, r.step, r.timestamp])).toEqual([
      ['out', 1, 1000],
      ['out', 2, 2000],
      ['out', 3, 3000],
    ]);
    expect(results.f!.counts).toEqual({ out: 2 });
    expect(results.out!.records.map((r) => [r.port, JSON.parse(r.json).n])).toEqual([
      [SINK_PORT, 1],
      [SINK_PORT, 3],
    ]);
    expect(run.end().status).toBe('done');
  });

  it('tracks each node’s watermark: max event time minus 1 under the default bound of 0, then +∞ at end of input', () => {
    const run = startSession(pipeline(THREE, 'export default () => true;'));
    run.session.runTo();
    const f = run.results().f!;
    expect(f.watermarks.map((w) => w.watermark)).toEqual([999, 1999, 2999, Infinity]);
    expect(f.watermark).toBe(Infinity);
    expect(f.watermarks.at(-1)!.step).toBe(THREE.length + 1);
  });

  it('keeps routed errors with the offending input and routes them to the error port', () => {
    const run = startSession(
      pipeline(THREE, 'export default (v) => { if (v.n === 2) throw new Error("two"); return true; };', 'route'),
    );
    run.session.runTo();
    const results = run.results();
    expect(results.f!.errorCount).toBe(1);
    expect(results.f!.errors[0]).toMatchObject({
      message: 'two',
      inputJson: '{"n":2,"ts":2000}',
      policy: 'route',
      step: 2,
    });
    expect(results.f!.counts).toEqual({ out: 2, error: 1 });
    expect(JSON.parse(results.bad!.records[0]!.json)).toEqual({ error: 'two', node: 'f', input: { n: 2, ts: 2000 } });
  });

  it('stops on a fail error and names the node, the message and the record', () => {
    const run = startSession(
      pipeline(THREE, 'export default (v) => { if (v.n === 2) throw new Error("two"); return true; };'),
    );
    run.session.runTo();
    const end = run.end();
    expect(end.status).toBe('failed');
    expect(end.failure).toEqual({ nodeId: 'f', message: 'two', inputJson: '{"n":2,"ts":2000}' });
    expect(run.results().out!.counts[SINK_PORT]).toBe(1);
  });

  it('collects ctx.log lines per node, formatted like a console', () => {
    const run = startSession(
      pipeline(THREE.slice(0, 1), 'export default (v, ctx) => { ctx.log("saw", v, 7); return true; };'),
    );
    run.session.runTo();
    expect(run.results().f!.logs.map((l) => l.text)).toEqual(['saw {"n":1,"ts":1000} 7']);
  });

  it('refuses an invalid pipeline with the validator’s first problem and the node it is about', () => {
    const run = startSession(pipeline(THREE, 'export default (v) => {'));
    run.session.runTo();
    const end = run.end();
    expect(end.status).toBe('failed');
    expect(end.failure!.nodeId).toBe('f');
    expect(end.failure!.message).toMatch(/^the pipeline is not valid: nodes\[1\]\.params\.code: E_UDF_SYNTAX/);
  });

  it('pauses after a number of samples without signalling end of input, and one step more ends the run', () => {
    const run = startSession(pipeline(THREE, 'export default () => true;'));
    run.session.runTo(3);
    expect(run.end().status).toBe('paused');
    // Without end of input the last watermark is the bound below the latest event time.
    expect(run.results().f!.watermark).toBe(2999);
    run.session.step();
    expect(run.end().status).toBe('done');
    expect(run.results().f!.watermark).toBe(Infinity);
  });

  it('steps one sample at a time', () => {
    const run = startSession(pipeline(THREE, 'export default () => true;'));
    run.session.runTo(0);
    expect(run.results().src?.counts.out ?? 0).toBe(0);
    run.session.step();
    expect(run.results().src!.counts.out).toBe(1);
    run.session.step();
    expect(run.results().src!.counts.out).toBe(2);
    expect(run.end().status).toBe('paused');
  });

  it('runs a source on generated events instead of its samples', () => {
    const run = startSession(pipeline([], 'export default (v) => v.kind === "a";'), {
      generated: { src: { template: '{ "kind": "pick(a)", "ts": "seq(0, 10)" }', count: 50 } },
    });
    run.session.runTo();
    expect(run.end().status).toBe('done');
    expect(run.results().out!.counts[SINK_PORT]).toBe(50);
  });

  it('keeps only the newest records of a node when there are more than it may keep, yet counts all of them', () => {
    const samples = Array.from({ length: 100 }, (_, i) => ({ value: { n: i, ts: i } }));
    const limits = { keep: 10, perBatch: 3, keepMessages: 5 };
    const run = startSession(pipeline(samples, 'export default () => true;'), { limits, batchMs: 0 });
    run.session.runTo();
    const results = run.results();
    expect(results.src!.counts.out).toBe(100);
    expect(results.src!.records.map((r) => JSON.parse(r.json).n)).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    expect(run.messages.some((m) => m.type === 'tail' && m.nodeId === 'src' && m.list === 'records')).toBe(true);
  });

  it('gives per-key state after the last sample and after end of input', () => {
    const run = startSession(readExample('page-views.weir.json'));
    run.session.runTo();
    const state = run.end().state;
    // Before end of input the windows of the last minute are still open; end of input fires and drops them.
    expect(state.beforeEnd!.perMinute).toContain('60000');
    expect(JSON.parse(state.final.perMinute!)).toMatchObject({ keys: { groups: {} } });
  });

  it.each(exampleFiles())('writes to the sinks exactly what the engine’s simulate() does for %s', (file) => {
    const doc = readExample(file);
    const run = startSession(doc);
    run.session.runTo();
    const expected = simulate(doc, { operators: OPERATORS }).outputs;
    expect(expected.length).toBeGreaterThan(0);
    expect(sinkOutputs(doc, run.results())).toEqual(expected);
  });
});
