import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { PipelineFailure } from '../../shared/engine/operator.ts';
import { MissingTopicsError } from '../../server/src/deployments/run-failures.ts';
import { UnsettledTransactionError, commitInTransaction } from '../../server/src/deployments/checkpoint-commit.ts';
import { isTransientKafkaError, KafkaUnavailableError, retryTransient } from '../../server/src/kafka/transient.ts';

const require = createRequire(import.meta.url);
/** kafkajs's own table of broker error codes: the errors its clients throw. */
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode(code: number): Error;
};
const { KafkaJSNumberOfRetriesExceeded, KafkaJSConnectionError, KafkaJSNonRetriableError } =
  require('kafkajs') as typeof import('kafkajs');

const UNKNOWN_TOPIC_OR_PARTITION = 3;
const LEADER_NOT_AVAILABLE = 5;
const NOT_LEADER_FOR_PARTITION = 6;
const INVALID_PRODUCER_EPOCH = 47;
const TOPIC_AUTHORIZATION_FAILED = 29;

/** What kafkajs's retrier throws when it gives up on a retriable error. */
const gaveUpOn = (err: Error) => new KafkaJSNumberOfRetriesExceeded(err, { retryCount: 5, retryTime: 3000 });

describe('transient Kafka errors', () => {
  it('are the ones kafkajs marks retriable, also after kafkajs gave up retrying them', () => {
    const notHosted = createErrorFromCode(UNKNOWN_TOPIC_OR_PARTITION);
    expect(notHosted.message).toBe('This server does not host this topic-partition');
    expect(isTransientKafkaError(notHosted)).toBe(true);
    expect(isTransientKafkaError(gaveUpOn(notHosted))).toBe(true);
    expect(isTransientKafkaError(createErrorFromCode(LEADER_NOT_AVAILABLE))).toBe(true);
    expect(isTransientKafkaError(gaveUpOn(createErrorFromCode(NOT_LEADER_FOR_PARTITION)))).toBe(true);
    expect(
      isTransientKafkaError(new KafkaJSConnectionError('Connection error: ECONNREFUSED', { broker: '127.0.0.1:9092' })),
    ).toBe(true);
  });

  it('are not errors Kafka means (a fenced producer, a refused topic), nor errors of the pipeline or of Weir', () => {
    expect(isTransientKafkaError(createErrorFromCode(INVALID_PRODUCER_EPOCH))).toBe(false);
    expect(isTransientKafkaError(createErrorFromCode(TOPIC_AUTHORIZATION_FAILED))).toBe(false);
    expect(isTransientKafkaError(new KafkaJSNonRetriableError('Transaction state exception: Invalid transition'))).toBe(
      false,
    );
    expect(
      isTransientKafkaError(
        new PipelineFailure('n', 'user code ran longer than its budget of 300 ms (an endless loop?)', { n: 1 }),
      ),
    ).toBe(false);
    expect(isTransientKafkaError(new MissingTopicsError(['in']))).toBe(false);
    expect(isTransientKafkaError(new UnsettledTransactionError(createErrorFromCode(UNKNOWN_TOPIC_OR_PARTITION)))).toBe(
      false,
    );
    expect(isTransientKafkaError(new Error('This server does not host this topic-partition'))).toBe(false);
    expect(isTransientKafkaError('UNKNOWN_TOPIC_OR_PARTITION')).toBe(false);
  });
});

/** An error as @confluentinc/kafka-javascript reports librdkafka's (its LibrdKafkaError's fields). */
function librdkafkaError(
  message: string,
  code: number,
  flags: { isRetriable?: boolean; isFatal?: boolean } = {},
): Error {
  return Object.assign(new Error(message), { code, errno: code, origin: code < 0 ? 'local' : 'kafka', ...flags });
}

describe('transient librdkafka errors', () => {
  it('are its transport and time-out errors, transient broker codes and errors it marks retriable', () => {
    expect(isTransientKafkaError(librdkafkaError('Local: Broker transport failure', -195))).toBe(true);
    expect(isTransientKafkaError(librdkafkaError('Local: All broker connections are down', -187))).toBe(true);
    expect(isTransientKafkaError(librdkafkaError('Local: Timed out', -185))).toBe(true);
    expect(isTransientKafkaError(librdkafkaError('Broker: Not coordinator', 16))).toBe(true);
    expect(
      isTransientKafkaError(librdkafkaError('Broker: Unknown topic or partition', UNKNOWN_TOPIC_OR_PARTITION)),
    ).toBe(true);
    expect(
      isTransientKafkaError(librdkafkaError('Broker: Coordinator load in progress', 99, { isRetriable: true })),
    ).toBe(true);
  });

  it('are not a fenced producer, a fatal error, or one wrapped on purpose', () => {
    expect(isTransientKafkaError(librdkafkaError('Broker: Producer fenced', 90, { isFatal: true }))).toBe(false);
    expect(isTransientKafkaError(librdkafkaError('Local: Timed out', -185, { isFatal: true }))).toBe(false);
    expect(
      isTransientKafkaError(librdkafkaError('Broker: Topic authorization failed', TOPIC_AUTHORIZATION_FAILED)),
    ).toBe(false);
    expect(isTransientKafkaError(new UnsettledTransactionError(librdkafkaError('Local: Timed out', -185)))).toBe(false);
  });
});

/** A sleep that records the waits and returns at once. */
function recordedSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe('retryTransient', () => {
  it('retries a step that fails with transient errors until it succeeds, waiting longer each time', async () => {
    const { waits, sleep } = recordedSleep();
    const retried: string[] = [];
    let calls = 0;
    const result = await retryTransient(
      async () => {
        if (++calls <= 3) throw gaveUpOn(createErrorFromCode(UNKNOWN_TOPIC_OR_PARTITION));
        return 'done';
      },
      { step: 'committing checkpoint 1', sleep, onRetry: (err) => retried.push((err as Error).message) },
    );
    expect(result).toBe('done');
    expect(calls).toBe(4);
    expect(waits).toEqual([250, 500, 1000]);
    expect(retried).toEqual(Array(3).fill('This server does not host this topic-partition'));
  });

  it('throws any other error at once, as it is', async () => {
    const { waits, sleep } = recordedSleep();
    const failure = new PipelineFailure('work', 'user code ran longer than its budget of 300 ms (an endless loop?)', {
      n: 1,
    });
    let calls = 0;
    await expect(
      retryTransient(
        async () => {
          calls++;
          throw failure;
        },
        { step: 'a step', sleep },
      ),
    ).rejects.toBe(failure);
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('gives up after its attempts with an error that names the step and what Kafka kept answering', async () => {
    const { waits, sleep } = recordedSleep();
    const attempt = retryTransient(
      async () => {
        throw createErrorFromCode(LEADER_NOT_AVAILABLE);
      },
      { step: 'reading the changelog', attempts: 5, sleep },
    );
    await expect(attempt).rejects.toBeInstanceOf(KafkaUnavailableError);
    await expect(attempt).rejects.toThrow(
      'reading the changelog: Kafka answered "There is no leader for this topic-partition as we are in the middle of a leadership election" 5 times in a row',
    );
    expect(waits).toEqual([250, 500, 1000, 2000]);
  });

  it('stops retrying once the result is no longer wanted, with the last error', async () => {
    const { sleep } = recordedSleep();
    let calls = 0;
    let failed = false;
    const transient = createErrorFromCode(NOT_LEADER_FOR_PARTITION);
    const attempt = retryTransient(
      async () => {
        if (++calls === 2) failed = true;
        throw transient;
      },
      { step: 'a step', sleep, abandoned: () => failed },
    );
    await expect(attempt).rejects.toBe(transient);
    expect(calls).toBe(2);
  });
});

interface FakeTransaction {
  sent: unknown[];
  offsets: unknown[];
  ended: 'committed' | 'aborted' | null;
}

/** A transactional producer whose sends, commits or aborts fail when told to; it keeps every transaction. */
function fakeProducer(fail: { send?: Error[]; commit?: Error; abort?: Error } = {}) {
  const transactions: FakeTransaction[] = [];
  const sendFailures = [...(fail.send ?? [])];
  const producer = {
    transaction: async () => {
      const t: FakeTransaction = { sent: [], offsets: [], ended: null };
      transactions.push(t);
      return {
        sendBatch: async (batch: unknown) => {
          const failure = sendFailures.shift();
          if (failure) throw failure;
          t.sent.push(batch);
        },
        sendOffsets: async (offsets: unknown) => void t.offsets.push(offsets),
        commit: async () => {
          if (fail.commit) throw fail.commit;
          t.ended = 'committed';
        },
        abort: async () => {
          if (fail.abort) throw fail.abort;
          t.ended = 'aborted';
        },
      };
    },
  };
  return { producer: producer as unknown as Parameters<typeof commitInTransaction>[0], transactions };
}

const write = {
  groups: [
    { topic: 'out', messages: [{ key: 'k', value: '1' }] },
    { topic: 'p.changelog', messages: [{ key: 'm', value: 'state' }] },
  ],
  offsets: { in: { 0: 7 } },
};

describe('committing a checkpoint through transient Kafka errors', () => {
  it('aborts the attempt whose send failed and commits the same records, changelog and offsets in a new transaction', async () => {
    const { producer, transactions } = fakeProducer({ send: [createErrorFromCode(UNKNOWN_TOPIC_OR_PARTITION)] });
    const { sleep } = recordedSleep();
    await retryTransient(() => commitInTransaction(producer, 'weir-p', write), {
      step: 'committing checkpoint 1',
      sleep,
    });
    expect(transactions.map((t) => t.ended)).toEqual(['aborted', 'committed']);
    expect(transactions[1]!.sent).toEqual([{ topicMessages: write.groups }]);
    expect(transactions[1]!.offsets).toEqual([
      { consumerGroupId: 'weir-p', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '7' }] }] },
    ]);
  });

  it('does not try again when the commit itself failed: Kafka may have committed it, and only a restart can tell', async () => {
    const { producer, transactions } = fakeProducer({ commit: createErrorFromCode(NOT_LEADER_FOR_PARTITION) });
    const { sleep } = recordedSleep();
    const attempt = retryTransient(() => commitInTransaction(producer, 'weir-p', write), {
      step: 'committing checkpoint 1',
      sleep,
    });
    await expect(attempt).rejects.toBeInstanceOf(UnsettledTransactionError);
    await expect(attempt).rejects.toThrow('This server is not the leader for that topic-partition');
    expect(transactions).toHaveLength(1);
  });

  it('does not try again when the failed attempt could not be aborted', async () => {
    const { producer, transactions } = fakeProducer({
      send: [createErrorFromCode(UNKNOWN_TOPIC_OR_PARTITION)],
      abort: createErrorFromCode(NOT_LEADER_FOR_PARTITION),
    });
    const { sleep } = recordedSleep();
    await expect(
      retryTransient(() => commitInTransaction(producer, 'weir-p', write), { step: 'committing checkpoint 1', sleep }),
    ).rejects.toBeInstanceOf(UnsettledTransactionError);
    expect(transactions).toHaveLength(1);
  });
});
