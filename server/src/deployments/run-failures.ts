/**
 * How a run that cannot go on is reported to its host (the worker, then the manager): the message, whether a restart
 * could cure it, and how soon to try. Most failures are retried with backoff (restart-policy.ts); these two are not:
 * a missing source topic is waited for every few seconds, and a permanent failure ends the deployment.
 */
import { errorMessage } from '../../../shared/engine/operator.ts';
import { GuestCallError, IsolateKilledError } from '../isolate/engine-isolate.ts';

/**
 * Source topics that do not exist (yet). Weir does not create them: their partition count is the user's choice. The
 * deployment retries every few seconds instead of backing off, so it starts soon after the topic appears.
 */
export class MissingTopicsError extends Error {
  readonly topics: string[];

  static readonly RETRY_DELAY_MS = 3000;

  constructor(topics: string[]) {
    const names = topics.map((t) => `"${t}"`).join(', ');
    const one = topics.length === 1;
    super(
      `the source topic${one ? '' : 's'} ${names} do${one ? 'es' : ''} not exist yet: create ${one ? 'it' : 'them'} ` +
        `(e.g. kafka-topics.sh --create --topic ${topics[0]} --partitions 3) or produce to ${one ? 'it' : 'them'}; ` +
        `the deployment retries every ${MissingTopicsError.RETRY_DELAY_MS / 1000} s and starts once ${one ? 'it exists' : 'they exist'}`,
    );
    this.topics = topics;
    this.name = 'MissingTopicsError';
  }
}

/** A failure that a restart cannot cure: the pipeline does not build, or its state cannot be restored. */
export class PermanentFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentFailure';
  }
}

export interface RunFailure {
  message: string;
  /** False when a restart would fail the same way. */
  retriable: boolean;
  /** Caps the restart backoff: the cause is fixed outside Weir and a restart should follow soon after. */
  maxRetryDelayMs?: number;
}

/** What the host is told of `err`, the error that ended the run. */
export function runFailure(err: unknown): RunFailure {
  const message =
    err instanceof GuestCallError ||
    err instanceof IsolateKilledError ||
    err instanceof PermanentFailure ||
    err instanceof MissingTopicsError
      ? err.message
      : errorMessage(err);
  const failure: RunFailure = { message, retriable: !(err instanceof PermanentFailure) };
  if (err instanceof MissingTopicsError) failure.maxRetryDelayMs = MissingTopicsError.RETRY_DELAY_MS;
  return failure;
}
