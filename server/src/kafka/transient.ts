/**
 * Kafka errors that mean "not now" rather than "no": a partition whose leader moved or that the broker's metadata
 * does not show yet ("This server does not host this topic-partition" just after a topic is created), a coordinator
 * still loading, a dropped connection. kafkajs marks them `retriable` and retries them a few times on its own, then
 * gives up with the last one. A deployment retries such a step again, for longer, instead of failing its run with a
 * broker's passing state as the reason — which would also hide the error that matters, such as a UDF's.
 */

/** Protocol errors that are transient although a wrapper may not say so (kafkajs bails on some of them). */
const TRANSIENT_TYPES = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'REPLICA_NOT_AVAILABLE',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'NOT_CONTROLLER',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'CONCURRENT_TRANSACTIONS',
]);

/**
 * librdkafka's codes for the same (rdkafka.ts's `CODES`; negative ones are the client's own): transport failure, all
 * brokers down, name resolution, time-outs, and the protocol errors above.
 */
const TRANSIENT_RDKAFKA_CODES = new Set([-195, -187, -193, -185, -166, 3, 5, 6, 7, 13, 14, 15, 16, 19, 20, 51, 74, 75]);

/** An error of librdkafka (@confluentinc/kafka-javascript's `LibrdKafkaError`): numeric code and errno, an origin. */
function isLibrdKafkaError(err: Error): err is Error & { code: number; isRetriable?: boolean; isFatal?: boolean } {
  const e = err as unknown as Record<string, unknown>;
  return typeof e.code === 'number' && typeof e.errno === 'number' && typeof e.origin === 'string';
}

/**
 * Whether `err` is one of kafkajs's transient errors: kafkajs's own, marked `retriable` or of a transient protocol
 * type, also when kafkajs gave up on it (`KafkaJSNumberOfRetriesExceeded` names it as its cause); or librdkafka's,
 * marked retriable or of a transient code, and not fatal. Anything else — a UDF's failure, a missing topic, an error
 * of ours that wraps a Kafka error on purpose — is not.
 */
export function isTransientKafkaError(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 8; depth++) {
    if (isLibrdKafkaError(current))
      return current.isFatal !== true && (current.isRetriable === true || TRANSIENT_RDKAFKA_CODES.has(current.code));
    if (!current.name.startsWith('KafkaJS')) return false;
    const { retriable, type } = current as { retriable?: unknown; type?: unknown };
    if (retriable === true || (typeof type === 'string' && TRANSIENT_TYPES.has(type))) return true;
    current = current.cause;
  }
  return false;
}

/** A step that kept failing with transient Kafka errors through every retry: Kafka is not just passing through. */
export class KafkaUnavailableError extends Error {
  readonly step: string;
  readonly attempts: number;
  readonly last: unknown;

  constructor(step: string, attempts: number, last: unknown) {
    super(
      `${step}: Kafka answered "${last instanceof Error ? last.message : String(last)}" ${attempts} times in a row`,
    );
    this.step = step;
    this.attempts = attempts;
    this.last = last;
    this.name = 'KafkaUnavailableError';
  }
}

export interface TransientRetryOptions {
  /** What the step does, for the log and for the error when Kafka never recovers ("committing checkpoint 7"). */
  step: string;
  /** Attempts in all, the first included (default 12: about 45 s of waiting). */
  attempts?: number;
  /** Called before each retry with the error it retries and the wait before it. */
  onRetry?: (err: unknown, delayMs: number) => void;
  /** True once the result is no longer wanted (the run failed meanwhile): the last error is thrown as it is. */
  abandoned?: () => boolean;
  sleep?: (ms: number) => Promise<void>;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;

/**
 * Runs `action` until it succeeds, retrying it after a transient Kafka error with a growing wait (250 ms, doubling,
 * at most 5 s). Any other error is thrown at once; when the attempts run out, `KafkaUnavailableError`. The action
 * must be safe to run again after it failed.
 */
export async function retryTransient<T>(action: () => Promise<T>, options: TransientRetryOptions): Promise<T> {
  const attempts = options.attempts ?? 12;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (err) {
      if (!isTransientKafkaError(err) || options.abandoned?.()) throw err;
      if (attempt >= attempts) throw new KafkaUnavailableError(options.step, attempt, err);
      const delayMs = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1));
      options.onRetry?.(err, delayMs);
      await sleep(delayMs);
      if (options.abandoned?.()) throw err;
    }
  }
}
