/**
 * User code on the server (SPEC §5, DESIGN "The server"): an endless loop fails its record within the UDF budget;
 * code that hangs where the loop guard cannot reach (a catastrophic regular expression) stops the worker's
 * heartbeats and the manager terminates the worker; code that eats memory hits the worker's heap limit. Each time
 * only that deployment restarts, with the reason shown. UDFs see no `process`, `require`, timers or `eval`.
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
  // The heartbeat limit is far above any pause a loaded machine causes, so only the hanging deployment misses it.
  const suite = useDeploymentManager('weir-deploy-runaway-', {
    limits: { udfBudgetMs: 300, heartbeatTimeoutMs: 10_000 },
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
    expect(suite.manager.get(looping.id).error).toMatch(/^node "work" failed: user code ran longer than its budget of 300 ms/);
    await waitFor(() => suite.manager.get(hanging.id).restarts >= 1, 'the hanging deployment to be terminated');
    expect(suite.manager.get(hanging.id).error).toMatch(/stopped responding for \d+ s \(user code that never returns\?\) and was terminated/);

    // Meanwhile the healthy deployment processes new input, and the manager answers at once.
    const reader = await new CommittedReader(suite.kafka.brokers, { out: `${healthy.id}-out` }).start();
    try {
      await produceRaw(suite.kafka.brokers, `${healthy.id}-in`, [{ value: '{"n": 20}' }, { value: '{"n": 21}' }]);
      await waitFor(() => reader.records.length >= 2, 'output of the healthy deployment');
      expect(reader.records.map((r) => r.value)).toEqual(['{"doubled":40}', '{"doubled":42}']);
      expect(suite.manager.list().map((d) => d.id).sort()).toEqual([healthy.id, hanging.id, looping.id].sort());
      expect(suite.manager.get(healthy.id)).toMatchObject({ status: 'running', restarts: 0 });
    } finally {
      await reader.stop();
    }
    await Promise.all([suite.manager.stop(looping.id), suite.manager.stop(hanging.id)]);
    expect(suite.manager.get(hanging.id).status).toBe('stopped');
  });

  it('runs user code without process, require, timers, eval or a way back to the worker Function constructor', async () => {
    const probe = mapPipeline(`probe-${uniqueSuffix()}`, [
      'export default (v: any, ctx: any) => {',
      '  const attempt = (f: () => unknown) => { try { return typeof f(); } catch { return "blocked"; } };',
      '  return {',
      '    process: typeof process, require: typeof require, globalProcess: typeof (globalThis as any).process, setTimeout: typeof setTimeout,',
      '    viaLog: attempt(() => ctx.log.constructor.constructor("return process")()),',
      '    viaValue: attempt(() => v.constructor.constructor("return process")()),',
      '    viaEval: attempt(() => eval("1")),',
      '    viaFunction: attempt(() => new Function("return 1")()),',
      '  };',
      '};',
    ].join('\n'));
    await createInputTopic(suite.kafka.brokers, `${probe.id}-in`, 1);
    await produceRaw(suite.kafka.brokers, `${probe.id}-in`, [{ value: '{"n": 1}' }]);
    await suite.manager.deploy(probe);
    const reader = await new CommittedReader(suite.kafka.brokers, { out: `${probe.id}-out` }).start();
    try {
      await waitFor(() => reader.records.length >= 1, 'the probe output');
      expect(JSON.parse(reader.records[0]!.value)).toEqual({
        process: 'undefined',
        require: 'undefined',
        globalProcess: 'undefined',
        setTimeout: 'undefined',
        viaLog: 'blocked',
        viaValue: 'blocked',
        viaEval: 'blocked',
        viaFunction: 'blocked',
      });
    } finally {
      await reader.stop();
    }
  });

  it('terminates a deployment whose user code exceeds the worker memory limit, and restarts it', async () => {
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
      const hog = mapPipeline(`hog-${uniqueSuffix()}`, 'export default (v: any) => { const all: unknown[] = []; for (;;) all.push({ v, pad: new Array(64).fill(all.length) }); };');
      await createInputTopic(suite.kafka.brokers, `${hog.id}-in`, 1);
      await produceRaw(suite.kafka.brokers, `${hog.id}-in`, [{ value: '{"n": 1}' }]);
      await small.deploy(hog);
      await waitFor(() => small.get(hog.id).restarts >= 1, 'the memory hog to be terminated');
      expect(small.get(hog.id).error).toBe('the deployment ran out of memory (limit 128 MB)');
    } finally {
      await small.shutdown();
      rmSync(smallDir, { recursive: true, force: true });
    }
  });
});
