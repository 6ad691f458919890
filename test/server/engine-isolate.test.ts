/**
 * The engine's isolate (server/src/isolate): user code that never returns where the budget guard cannot reach is
 * stopped by CPU time without progress, naming the node; a busy machine or a long call that makes progress is never
 * taken for a hang; the memory limit holds ArrayBuffers too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineIsolate, GuestCallError, IsolateKilledError } from '../../server/src/isolate/engine-isolate.ts';
import { guestScript } from '../../server/src/isolate/guest-script.ts';
import type { IngestBatch, Slice } from '../../server/src/isolate/protocol.ts';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';

function mapPipeline(code: string): PipelineDoc {
  return {
    format: 'weir/v1',
    id: 'isolate-test',
    name: 'isolate test',
    nodes: [
      { id: 'events', type: 'source.kafka', params: { topic: 'in' } },
      { id: 'work', type: 'map', params: { code: [code] } },
      { id: 'out', type: 'sink.kafka', params: { topic: 'out' } },
    ],
    edges: [
      { from: 'events', to: 'work' },
      { from: 'work', to: 'out' },
    ],
  };
}

function batch(count: number): IngestBatch {
  const b: IngestBatch = { topic: 'in', partition: 0, offsets: [], keys: [], values: [], timestamps: [], headers: [] };
  for (let i = 0; i < count; i++) {
    b.offsets.push(i);
    b.keys.push(null);
    b.values.push(JSON.stringify({ n: i }));
    b.timestamps.push(1000 + i);
    b.headers.push(null);
  }
  return b;
}

/** What `call` rejected with, or null when it resolved. */
function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => null,
    (err: unknown) => err,
  );
}

async function engineFor(code: string, limits: { memoryMb: number; hangCpuMs: number }): Promise<EngineIsolate> {
  const pipeline = mapPipeline(code);
  const engine = await EngineIsolate.create(await guestScript(), limits, pipeline);
  await engine.call('init', pipeline, { budgetMs: 1000, sinkJson: { out: true }, sourceTopics: { events: 'in' } });
  await engine.call('declarePartitions', 'in', [0]);
  return engine;
}

describe('the engine isolate', () => {
  // Busy processes, one more than the machine has cores, starve the isolate's thread while the first test runs.
  const hogs: ChildProcess[] = [];
  afterAll(() => {
    for (const hog of hogs) hog.kill('SIGKILL');
  });

  it('processes records in one long call on a starved machine without taking it for a hang', async () => {
    // Each record costs a little CPU; the whole call costs far more than the hang limit, but makes progress.
    const engine = await engineFor(
      'export default (v: any) => { let x = 0; for (let i = 0; i < 2000; i++) x += i; return { n: v.n, x }; };',
      { memoryMb: 128, hangCpuMs: 300 },
    );
    for (let i = 0; i <= availableParallelism(); i++)
      hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    try {
      const before = engine.cpuMs();
      const slice = await engine.call<Slice>('ingest', batch(100_000), Date.now());
      expect(slice.sinks.out).toHaveLength(100_000);
      expect(JSON.parse(slice.sinks.out![99_999]!.value!)).toEqual({ n: 99_999, x: 1999000 });
      expect(engine.cpuMs() - before).toBeGreaterThan(300);
    } finally {
      for (const hog of hogs.splice(0)) hog.kill('SIGKILL');
      engine.dispose();
    }
  });

  it('stops user code that burns CPU without returning, naming the node, and refuses further calls', async () => {
    const engine = await engineFor("export default () => /^(a+)+$/.test('a'.repeat(40) + 'b');", {
      memoryMb: 128,
      hangCpuMs: 1000,
    });
    try {
      const error = await rejectionOf(engine.call('ingest', batch(1), Date.now()));
      expect(error).toBeInstanceOf(IsolateKilledError);
      expect((error as IsolateKilledError).reason).toBe('hang');
      expect((error as IsolateKilledError).nodeId).toBe('work');
      expect((error as Error).message).toMatch(
        /^node "work": user code used \d+\.\d s of CPU time in one call without returning/,
      );
      await expect(engine.call('snapshot')).rejects.toBe(error);
    } finally {
      engine.dispose();
    }
  });

  it('answers a record that fails under onError "fail" as data: node, reason and record', async () => {
    const engine = await engineFor(
      'export default (v: any) => { if (v.n === 2) throw new Error("two is poison"); return v; };',
      { memoryMb: 128, hangCpuMs: 10_000 },
    );
    try {
      const error = await rejectionOf(engine.call('ingest', batch(5), Date.now()));
      expect(error).toBeInstanceOf(GuestCallError);
      expect((error as GuestCallError).error).toMatchObject({ kind: 'failure', nodeId: 'work', input: { n: 2 } });
      expect((error as GuestCallError).error.reason).toContain('two is poison');
    } finally {
      engine.dispose();
    }
  });

  it('counts ArrayBuffers against the memory limit', async () => {
    const engine = await engineFor(
      'const keep: ArrayBuffer[] = []; export default (v: any) => { for (let i = 0; i < 64; i++) keep.push(new ArrayBuffer(16 * 1024 * 1024)); return v; };',
      { memoryMb: 128, hangCpuMs: 10_000 },
    );
    try {
      const error = await rejectionOf(engine.call('ingest', batch(1), Date.now()));
      // V8 refuses the allocation inside the UDF (a failed record), or the isolate is ended at its limit.
      if (error instanceof GuestCallError) expect(error.error.reason).toContain('Array buffer allocation failed');
      else expect(error).toBeInstanceOf(IsolateKilledError);
      expect(process.memoryUsage().arrayBuffers).toBeLessThan(512 * 1024 * 1024);
    } finally {
      engine.dispose();
    }
  });
});
