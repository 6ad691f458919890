/**
 * User code on the server (SPEC §5, DESIGN "The server"): it runs in the engine's isolate (server/src/isolate). An
 * endless loop fails its record within the UDF budget; code that hangs where the loop guard cannot reach (a
 * catastrophic regular expression) is stopped after ten budgets of CPU time (at least 10 s), naming the node; code
 * that eats memory, ArrayBuffers included, hits the isolate's memory limit. Each time only that deployment restarts,
 * with the reason shown. UDFs see no `process`, `require`, timers, and no object of the worker that runs Kafka.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentManager } from '../../server/src/deployments/manager.ts';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';
import { CommittedReader, createInputTopic, produceRaw, uniqueSuffix, waitFor } from './support/deploy-fixtures.ts';
import { useDeploymentManager } from './support/manager-suite.ts';

function mapPipeline(id: string, code: string): PipelineDoc {
  return {
    format: 'weir/v1',
    id,
    name: id,
    settings: { checkpointIntervalMs: 300 },
    nodes: [
      { id: 'events', type: 'source.kafka', params: { topic: `${id}-in` } },
      { id: 'work', type: 'map', params: { code: [code] } },
      { id: 'out', type: 'sink.kafka', params: { topic: `${id}-out` } },
    ],
    edges: [
      { from: 'events', to: 'work' },
      { from: 'work', to: 'out' },
    ],
  };
}

describe('user code in a deployment', () => {
  const suite = useDeploymentManager('weir-deploy-runaway-', {
    limits: { udfBudgetMs: 300 },
    restart: { initialDelayMs: 500, maxDelayMs: 2000 },
  });

  it('fails the deployment with an endless loop or a hang while the manager and a healthy deployment keep working', async () => {
    const s = uniqueSuffix();
    const healthy = mapPipeline(`healthy-${s}`, 'export default (v: any) => ({ doubled: v.n * 2 });');
    const looping = mapPipeline(`loop-${s}`, 'export default (v: any) => { while (true) {} };');
    const hanging = mapPipeline(`hang-${s}`, "export default (v: any) => /^(a+)+$/.test('a'.repeat(48) + '!');");
    for (const p of [healthy, looping, hanging]) await createInputTopic(suite.kafka.brokers, `${p.id}-in`, 1);
    for (const p of [looping, hanging]) await produceRaw(suite.kafka.brokers, `${p.id}-in`, [{ value: '{"n": 1}' }]);
    for (const p of [healthy, looping, hanging]) await suite.manager.deploy(p);

    await waitFor(() => suite.manager.get(looping.id).restarts >= 1, 'the looping deployment to fail');
    expect(suite.manager.get(looping.id).error).toMatch(
      /^node "work" failed: user code ran longer than its budget of 300 ms/,
    );
    await waitFor(() => suite.manager.get(hanging.id).restarts >= 1, 'the hanging deployment to be terminated');
    expect(suite.manager.get(hanging.id).error).toMatch(
      /^node "work": user code used \d+\.\d s of CPU time in one call without returning/,
    );

    // Meanwhile the healthy deployment processes new input, and the manager answers at once.
    const reader = await new CommittedReader(suite.kafka.brokers, { out: `${healthy.id}-out` }).start();
    try {
      await produceRaw(suite.kafka.brokers, `${healthy.id}-in`, [{ value: '{"n": 20}' }, { value: '{"n": 21}' }]);
      await waitFor(() => reader.records.length >= 2, 'output of the healthy deployment');
      expect(reader.records.map((r) => r.value)).toEqual(['{"doubled":40}', '{"doubled":42}']);
      expect(
        suite.manager
          .list()
          .map((d) => d.id)
          .sort(),
      ).toEqual([healthy.id, hanging.id, looping.id].sort());
      expect(suite.manager.get(healthy.id)).toMatchObject({ status: 'running', restarts: 0 });
    } finally {
      await reader.stop();
    }
    await Promise.all([suite.manager.stop(looping.id), suite.manager.stop(hanging.id)]);
    expect(suite.manager.get(hanging.id).status).toBe('stopped');
  });

  it('runs user code without process, require or timers, and in a realm that shares no object with the Kafka client', async () => {
    // A hostile probe once planted getters on the prototype of a record (then the worker realm's Object.prototype)
    // and collected the Kafka client's objects, SASL password included. Now records are the isolate's own objects.
    const probe = mapPipeline(
      `probe-${uniqueSuffix()}`,
      [
        'const seen: string[] = [];',
        'export default (v: any, ctx: any) => {',
        '  const proto = Object.getPrototypeOf(v);',
        '  for (const name of ["sasl", "ssl", "brokers", "socketFactory", "password", "clientId"]) {',
        '    if (!Object.getOwnPropertyDescriptor(proto, name)) Object.defineProperty(proto, name, { configurable: true, get() { seen.push(name + ":" + Object.keys(this).slice(0, 4).join("/")); return undefined; } });',
        '  }',
        '  const attempt = (f: () => unknown) => { try { return typeof f(); } catch { return "blocked"; } };',
        '  return {',
        '    n: v.n, process: typeof process, require: typeof require, globalProcess: typeof (globalThis as any).process, setTimeout: typeof setTimeout,',
        '    viaLog: attempt(() => ctx.log.constructor.constructor("return process")()),',
        '    viaValue: attempt(() => v.constructor.constructor("return process")()),',
        '    seen: [...seen],',
        '  };',
        '};',
      ].join('\n'),
    );
    await createInputTopic(suite.kafka.brokers, `${probe.id}-in`, 1);
    await produceRaw(suite.kafka.brokers, `${probe.id}-in`, [{ value: '{"n": 1}' }]);
    await suite.manager.deploy(probe);
    const reader = await new CommittedReader(suite.kafka.brokers, { out: `${probe.id}-out` }).start();
    try {
      await waitFor(() => reader.records.length >= 1, 'the probe output');
      // `process` does not exist in the isolate: a Function built from text that names it throws ("blocked").
      // Checkpoints, commits and fetches run in between; then a second record reports what the getters caught.
      await waitFor(() => suite.manager.get(probe.id).metrics.checkpoints.completed >= 3, 'three checkpoints');
      await produceRaw(suite.kafka.brokers, `${probe.id}-in`, [{ value: '{"n": 2}' }]);
      await waitFor(() => reader.records.length >= 2, 'the second probe output');
      const expected = {
        process: 'undefined',
        require: 'undefined',
        globalProcess: 'undefined',
        setTimeout: 'undefined',
        viaLog: 'blocked',
        viaValue: 'blocked',
        seen: [],
      };
      expect(JSON.parse(reader.records[0]!.value)).toEqual({ n: 1, ...expected });
      expect(JSON.parse(reader.records[1]!.value)).toEqual({ n: 2, ...expected });
    } finally {
      await reader.stop();
    }
  });

  it('terminates a deployment whose user code exceeds the memory limit, ArrayBuffers included, and restarts it', async () => {
    const smallDir = mkdtempSync(join(tmpdir(), 'weir-deploy-oom-'));
    const small = new DeploymentManager({
      dataDir: smallDir,
      kafka: { brokers: suite.kafka.brokers },
      sessionTimeoutMs: 6000,
      limits: { workerMemoryMb: 128, udfBudgetMs: 20_000 },
      restart: { initialDelayMs: 500, maxDelayMs: 2000 },
      log: () => {},
    });
    await small.start();
    try {
      const hog = mapPipeline(
        `hog-${uniqueSuffix()}`,
        'export default (v: any) => { const all: unknown[] = []; for (;;) all.push({ v, pad: new Array(64).fill(all.length) }); };',
      );
      // 2 GB of ArrayBuffers (outside the JS heap) were once held by a UDF under a 512 MB worker limit.
      const buffers = mapPipeline(
        `buffers-${uniqueSuffix()}`,
        'const keep: ArrayBuffer[] = []; export default (v: any) => { for (let i = 0; i < 64; i++) keep.push(new ArrayBuffer(32 * 1024 * 1024)); return keep.length; };',
      );
      for (const p of [hog, buffers]) {
        await createInputTopic(suite.kafka.brokers, `${p.id}-in`, 1);
        await produceRaw(suite.kafka.brokers, `${p.id}-in`, [{ value: '{"n": 1}' }]);
        await small.deploy(p);
      }
      await waitFor(() => small.get(hog.id).restarts >= 1, 'the memory hog to be terminated');
      expect(small.get(hog.id).error).toBe(
        "the pipeline's state and user code needed more than the memory limit of 128 MB (WEIR_WORKER_MEMORY_MB)",
      );
      await waitFor(() => small.get(buffers.id).restarts >= 1, 'the ArrayBuffer hog to fail');
      // Shown as the error while restarting, kept as the last error once the next run starts.
      const info = small.get(buffers.id);
      expect(info.error ?? info.lastError).toMatch(
        /^node "work" failed: Array buffer allocation failed|memory limit of 128 MB/,
      );
    } finally {
      await small.shutdown();
      rmSync(smallDir, { recursive: true, force: true });
    }
  });
});
