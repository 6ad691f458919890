/**
 * What follows a run that failed in a way worth retrying: a restart after an exponential delay, or, as Flink's
 * failure-rate restart strategy, the end of the deployment when it failed too often within the interval (a record
 * that fails under onError "fail" would otherwise restart it forever). Waiting for a topic to appear is not a failure
 * of the job and is not counted.
 */
import type { RestartPolicy } from './types.ts';

export type RestartDecision = { kind: 'restart'; delayMs: number } | { kind: 'fail'; message: string };

export interface FailedRun {
  message: string;
  /** Set when the run waits for something outside the job (a missing topic): not counted, and the delay's cap. */
  maxRetryDelayMs?: number;
}

/**
 * Decides after the failure `run`; `failures` (when the recent ones happened) is updated in place: the failure is
 * added, those older than the interval dropped, and all cleared when the deployment is ended.
 */
export function afterFailure(
  policy: RestartPolicy,
  failures: number[],
  attempt: number,
  run: FailedRun,
  now = Date.now(),
): RestartDecision {
  if (run.maxRetryDelayMs === undefined) {
    const interval = policy.failureIntervalMs ?? 10 * 60_000;
    const maxFailures = policy.maxFailures ?? 10;
    const recent = failures.filter((at) => now - at < interval);
    failures.splice(0, failures.length, ...recent, now);
    if (failures.length > maxFailures) {
      const times = failures.length;
      failures.length = 0;
      return {
        kind: 'fail',
        message:
          `failed ${times} times within ${formatInterval(interval)}, more than the restart policy allows ` +
          `(${maxFailures}); the last failure: ${run.message}`,
      };
    }
  }
  const delayMs = Math.min(
    policy.maxDelayMs ?? 60_000,
    run.maxRetryDelayMs ?? Infinity,
    (policy.initialDelayMs ?? 1000) * 2 ** attempt,
  );
  return { kind: 'restart', delayMs };
}

/** "10 minutes", "30 s": an interval as the restart policy's message says it. */
function formatInterval(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  return `${Math.round(ms / 1000)} s`;
}
