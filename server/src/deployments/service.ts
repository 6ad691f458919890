/**
 * Every deployment of the server, on either target: the Weir server's own (DeploymentManager) and, when a Flink
 * cluster is configured, Flink's (FlinkDeployments). One id space — a deployment's id is its pipeline's id, and a
 * pipeline runs on one target at a time — one list, one set of actions for the HTTP layer.
 *
 *   const service = new DeploymentService(new DeploymentManager({ dataDir, kafka }), new FlinkDeployments({ dataDir, kafka, cluster }));
 *   await service.start();
 *   await service.deploy(doc, { target: 'flink', parallelism: 2 });
 */
import type {
  DeploymentHistory,
  DeploymentStatus,
  DeploymentTarget,
  TailRecord,
} from '../../../shared/api/deployments.ts';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import type { FlinkDeployments } from './flink-deployment.ts';
import type { DeploymentManager } from './manager.ts';
import {
  DeploymentNotFoundError,
  DeploymentStateError,
  FlinkUnconfiguredError,
  TARGET_NAMES,
  TargetChangeError,
  type DeploymentListener,
  type DeploymentRuntimeInfo,
  type DeployOptions,
} from './types.ts';

export class DeploymentService {
  readonly weir: DeploymentManager;
  readonly flink: FlinkDeployments | null;

  constructor(weir: DeploymentManager, flink: FlinkDeployments | null = null) {
    this.weir = weir;
    this.flink = flink;
  }

  /** Resumes the Weir deployments recorded as running and finds the Flink jobs again. */
  async start(): Promise<void> {
    await this.weir.start();
    await this.flink?.start();
  }

  /** The Flink cluster behind the "flink" target, or null. */
  flinkTarget(): { restUrl: string } | null {
    return this.flink ? { restUrl: this.flink.restUrl } : null;
  }

  /**
   * Deploys on `options.target` (default "weir"). A pipeline deployed on the other target must be stopped first
   * (DeploymentStateError), and then moves only with `allowStateLoss` (TargetChangeError, E_STATE_LOSS): neither
   * target can read the other's state.
   */
  async deploy(pipeline: PipelineDoc, options: DeployOptions = {}): Promise<{ id: string; status: DeploymentStatus }> {
    const target: DeploymentTarget = options.target ?? 'weir';
    const here = target === 'flink' ? this.flink : this.weir;
    if (!here) throw new FlinkUnconfiguredError();
    const other = target === 'flink' ? this.weir : this.flink;
    const id = typeof pipeline?.id === 'string' ? pipeline.id : null;
    if (id !== null && other?.has(id)) {
      const there = other.get(id);
      const from = there.target;
      if (there.status !== 'stopped' && there.status !== 'failed') {
        throw new DeploymentStateError(
          `pipeline "${id}" is ${there.status} on ${TARGET_NAMES[from]}; stop it there before deploying it to ${TARGET_NAMES[target]}`,
        );
      }
      if (options.allowStateLoss !== true)
        throw new TargetChangeError(
          id,
          Array.isArray(pipeline.nodes) ? pipeline.nodes.map((n) => n.id) : [],
          from,
          target,
        );
      other.release(id);
    }
    return here.deploy(pipeline, options);
  }

  list(): DeploymentRuntimeInfo[] {
    return [...this.weir.list(), ...(this.flink?.list() ?? [])].sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): DeploymentRuntimeInfo {
    return this.owner(id).get(id);
  }

  async stop(id: string): Promise<DeploymentRuntimeInfo> {
    return this.owner(id).stop(id);
  }

  async resume(id: string): Promise<DeploymentRuntimeInfo> {
    return this.owner(id).resume(id);
  }

  /** Deletes a deployment on whichever target it is (DELETE /api/deployments/:id; shared/api/deployments.ts). */
  async remove(id: string): Promise<void> {
    return this.owner(id).remove(id);
  }

  subscribe(id: string, listener: DeploymentListener): () => void {
    return this.owner(id).subscribe(id, listener);
  }

  history(id: string): DeploymentHistory {
    return this.owner(id).history(id);
  }

  async tail(id: string, sinkId: string, listener: (record: TailRecord) => void): Promise<() => Promise<void>> {
    return this.owner(id).tail(id, sinkId, listener);
  }

  /** Stops the Weir deployments with a savepoint; Flink's jobs go on running on their cluster. */
  async shutdown(): Promise<void> {
    await Promise.all([this.weir.shutdown(), this.flink?.shutdown()]);
  }

  private owner(id: string): DeploymentManager | FlinkDeployments {
    if (this.weir.has(id)) return this.weir;
    if (this.flink?.has(id)) return this.flink;
    throw new DeploymentNotFoundError(id);
  }
}
