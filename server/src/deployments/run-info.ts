/** What both targets' runs report of a deployment (GET /api/deployments, the status events): one builder for both. */
import type { DeploymentMetrics, DeploymentStatus } from '../../../shared/api/deployments.ts';
import { nodesWithRole } from '../../../shared/operators/registry.ts';
import { settingsOf } from '../../../shared/pipeline/types.ts';
import type { StoredDeployment } from './store.ts';
import type { DeploymentRuntimeInfo } from './types.ts';

export interface RunFigures {
  status: DeploymentStatus;
  metrics: DeploymentMetrics;
  restarts: number;
  error?: string | undefined;
  lastError?: string | undefined;
}

/** The deployment's record and its run's figures, with the target's own fields (`target`, `parallelism`, `flink`). */
export function runInfo(
  stored: StoredDeployment,
  run: RunFigures,
  target: Pick<DeploymentRuntimeInfo, 'target' | 'parallelism' | 'flink'>,
): DeploymentRuntimeInfo {
  const doc = stored.pipeline;
  const sinks: Record<string, string> = {};
  for (const node of nodesWithRole(doc.nodes, 'sink')) sinks[node.id] = node.params.topic as string;
  const info: DeploymentRuntimeInfo = {
    id: stored.id,
    pipelineId: doc.id,
    pipelineName: doc.name,
    status: run.status,
    sinks,
    metrics: run.metrics,
    delivery: settingsOf(doc).delivery,
    version: stored.version,
    deployedAt: stored.deployedAt,
    restarts: run.restarts,
    ...target,
  };
  if (run.error !== undefined) info.error = run.error;
  if (run.lastError !== undefined) info.lastError = run.lastError;
  return info;
}
