/**
 * What Weir asks a Flink cluster about a job that was told to end, or ended by itself: when it is over (its task
 * slots free for what comes next), and which completed checkpoint it leaves behind for the next job to restore.
 */
import type { FlinkRestClient } from '../flink/rest-client.ts';
import { TERMINAL_JOB_STATES } from './flink-status.ts';

/** How long a stop waits for a cancelled job to end. */
const CANCEL_WAIT_MS = 60_000;

/**
 * Waits (a minute at most) until a job that was told to end has ended: then its slots are free. (The savepoint of a
 * stop completes a moment before the job is FINISHED.)
 */
export async function untilJobOver(client: FlinkRestClient, jobId: string): Promise<void> {
  const deadline = Date.now() + CANCEL_WAIT_MS;
  while (Date.now() < deadline) {
    const state = await client.job(jobId).then(
      (job) => job.state as string,
      () => 'UNKNOWN',
    );
    if (TERMINAL_JOB_STATES.has(state) || state === 'UNKNOWN') return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * The last completed checkpoint of a job that ended without a savepoint, if the cluster keeps it (retained
 * checkpoints; on cancellation only with RETAIN_ON_CANCELLATION); null when it does not.
 */
export async function lastRetainedCheckpoint(
  client: FlinkRestClient,
  jobId: string,
  cancelled: boolean,
): Promise<string | null> {
  const [checkpoints, retention] = await Promise.all([
    client.checkpoints(jobId).catch(() => null),
    client.checkpointRetention(jobId).catch(() => null),
  ]);
  if (!retention?.enabled || (cancelled && retention.delete_on_cancellation)) return null;
  const path = checkpoints?.latest.completed?.external_path;
  return path && /^([a-z][a-z0-9+.-]*:|\/)/i.test(path) ? path : null;
}
