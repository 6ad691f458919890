/**
 * DeploymentService's routing between the two targets (one id space, one target per pipeline at a time), on
 * stand-ins for the Weir DeploymentManager and FlinkDeployments that only record what they were asked.
 */
import { describe, expect, it } from 'vitest';
import type { DeploymentStatus, DeploymentTarget } from '../../shared/api/deployments.ts';
import type { FlinkDeployments } from '../../server/src/deployments/flink-deployment.ts';
import type { DeploymentManager } from '../../server/src/deployments/manager.ts';
import { DeploymentService } from '../../server/src/deployments/service.ts';
import { DeploymentError, type DeploymentRuntimeInfo, type DeployOptions } from '../../server/src/deployments/types.ts';
import { samplePipeline } from './support.ts';

class StandIn {
  readonly target: DeploymentTarget;

  readonly calls: string[] = [];
  readonly deployments = new Map<string, DeploymentStatus>();

  constructor(target: DeploymentTarget) {
    this.target = target;
  }

  has(id: string): boolean {
    return this.deployments.has(id);
  }

  get(id: string): DeploymentRuntimeInfo {
    return { id, status: this.deployments.get(id)!, target: this.target } as DeploymentRuntimeInfo;
  }

  list(): DeploymentRuntimeInfo[] {
    return [...this.deployments.keys()].map((id) => this.get(id));
  }

  release(id: string): void {
    this.calls.push(`release ${id}`);
    this.deployments.delete(id);
  }

  async deploy(doc: { id: string }, options: DeployOptions): Promise<{ id: string; status: DeploymentStatus }> {
    this.calls.push(`deploy ${doc.id} ${JSON.stringify(options)}`);
    this.deployments.set(doc.id, 'starting');
    return { id: doc.id, status: 'starting' };
  }

  async stop(id: string): Promise<DeploymentRuntimeInfo> {
    this.calls.push(`stop ${id}`);
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    this.calls.push(`remove ${id}`);
    this.deployments.delete(id);
  }
}

function service(): { weir: StandIn; flink: StandIn; service: DeploymentService } {
  const weir = new StandIn('weir');
  const flink = new StandIn('flink');
  return {
    weir,
    flink,
    service: new DeploymentService(weir as unknown as DeploymentManager, flink as unknown as FlinkDeployments),
  };
}

async function refusal(action: Promise<unknown>): Promise<{ code: string; message: string; nodes?: string[] }> {
  const error = await action.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeploymentError);
  const { code, message, nodes } = error as DeploymentError & { nodes?: string[] };
  return { code, message, ...(nodes ? { nodes } : {}) };
}

describe('DeploymentService', () => {
  it('deploys on the Weir server by default and on Flink when asked, and finds each deployment where it runs', async () => {
    const { weir, flink, service: s } = service();
    await s.deploy(samplePipeline('a'));
    await s.deploy(samplePipeline('b'), { target: 'flink', parallelism: 2 });
    expect(weir.calls).toEqual(['deploy a {}']);
    expect(flink.calls).toEqual(['deploy b {"target":"flink","parallelism":2}']);
    expect(s.list().map((d) => [d.id, d.target])).toEqual([
      ['a', 'weir'],
      ['b', 'flink'],
    ]);
    await s.stop('b');
    expect(flink.calls).toContain('stop b');
    expect(await refusal(s.stop('c'))).toEqual({ code: 'E_NOT_FOUND', message: 'no deployment "c"' });
  });

  it('refuses to deploy a pipeline on one target while it runs on the other', async () => {
    const { weir, flink, service: s } = service();
    weir.deployments.set('clicks', 'running');
    expect(await refusal(s.deploy(samplePipeline(), { target: 'flink', allowStateLoss: true }))).toEqual({
      code: 'E_STATE',
      message:
        'pipeline "clicks" is running on the Weir server; stop it there before deploying it to the Flink cluster',
    });
    expect(flink.calls).toEqual([]);
    expect(weir.calls).toEqual([]);
  });

  it('moves a stopped pipeline to the other target only when its state may go, and forgets it on the first', async () => {
    const { weir, flink, service: s } = service();
    flink.deployments.set('clicks', 'stopped');
    const refused = await refusal(s.deploy(samplePipeline()));
    expect(refused).toEqual({
      code: 'E_STATE_LOSS',
      nodes: ['events', 'views', 'out'],
      message:
        'pipeline "clicks" was deployed on the Flink cluster; on the Weir server it starts without the state it has there (windows, counts, timers, source offsets): deploy with allowStateLoss to accept',
    });
    expect(weir.calls).toEqual([]);
    await s.deploy(samplePipeline(), { allowStateLoss: true });
    expect(flink.calls).toEqual(['release clicks']);
    expect(weir.calls).toEqual(['deploy clicks {"allowStateLoss":true}']);
    expect(s.get('clicks').target).toBe('weir');
  });

  it('deletes a deployment on the target where it runs', async () => {
    const { weir, flink, service: s } = service();
    weir.deployments.set('a', 'stopped');
    flink.deployments.set('b', 'running');
    await s.remove('b');
    expect(flink.calls).toEqual(['remove b']);
    await s.remove('a');
    expect(weir.calls).toEqual(['remove a']);
    expect(s.list()).toEqual([]);
    expect(await refusal(s.remove('a'))).toEqual({ code: 'E_NOT_FOUND', message: 'no deployment "a"' });
  });

  it('answers E_FLINK_UNCONFIGURED for the Flink target on a server without a cluster', async () => {
    const weir = new StandIn('weir');
    const s = new DeploymentService(weir as unknown as DeploymentManager);
    expect(s.flinkTarget()).toBeNull();
    expect((await refusal(s.deploy(samplePipeline(), { target: 'flink' }))).code).toBe('E_FLINK_UNCONFIGURED');
    expect(weir.calls).toEqual([]);
  });
});
