/** How a Flink job's state reads as a Weir deployment's status, and the refusal of a parallelism change. */
import type { DeploymentStatus } from '../../../shared/api/deployments.ts';
import type { FlinkJob } from '../flink/rest-client.ts';
import { StateLossError } from './types.ts';

/** Job states after which the job does nothing more (and holds no slots). */
export const TERMINAL_JOB_STATES: ReadonlySet<string> = new Set(['FAILED', 'CANCELED', 'FINISHED']);

export interface JobVerdict {
  status: DeploymentStatus;
  /** The job is over: FAILED, CANCELED or FINISHED. */
  ended: boolean;
  /** It failed (its root exception says why). */
  failed: boolean;
}

/**
 * INITIALIZING, CREATED, RECONCILING, and RUNNING until every vertex runs → starting; RUNNING → running;
 * RESTARTING, FAILING, SUSPENDED → restarting; CANCELLING → stopping; FAILED → failed; CANCELED (not by Weir, which
 * stops with a savepoint) → failed; FINISHED (stopped with a savepoint elsewhere) → stopped.
 */
export function jobStatus(job: Pick<FlinkJob, 'state' | 'vertices'>): JobVerdict {
  const going = (status: DeploymentStatus): JobVerdict => ({ status, ended: false, failed: false });
  switch (job.state) {
    case 'RUNNING':
      return going(job.vertices.every((v) => v.status === 'RUNNING') ? 'running' : 'starting');
    case 'RESTARTING':
    case 'FAILING':
    case 'SUSPENDED':
      return going('restarting');
    case 'CANCELLING':
      return going('stopping');
    case 'FAILED':
      return { status: 'failed', ended: true, failed: true };
    case 'CANCELED':
      return { status: 'failed', ended: true, failed: false };
    case 'FINISHED':
      return { status: 'stopped', ended: true, failed: false };
    default:
      return going('starting');
  }
}

/**
 * A Flink job's state restores only at the parallelism it was saved at (the runner refuses another): an upgrade
 * or redeploy at another parallelism starts without it, which `allowStateLoss` accepts.
 */
export class ParallelismChangeError extends StateLossError {
  constructor(pipelineId: string, nodes: string[], from: number, to: number) {
    super(nodes, []);
    this.message =
      `pipeline "${pipelineId}" runs at parallelism ${from} on Flink, and its state restores only at that parallelism: ` +
      `deploy it at parallelism ${from} to keep its state, or at ${to} with allowStateLoss to start without it`;
    this.name = 'ParallelismChangeError';
  }
}
