/**
 * A correct read_committed filter for kafkajs 2.2.4, installed into kafkajs before it loads: import this module
 * before `kafkajs` (server/src/kafka/config.ts and test/integration/support/kafka.ts do).
 *
 * A read_committed fetch answers each partition's records up to the last stable offset together with the aborted
 * transactions among them: producer id and first offset of each. The broker lists them in the order of its
 * transaction index, which is the order their ABORT markers were written, not the order they started. kafkajs's
 * filterAbortedMessages assumes the list is sorted by first offset and takes at most one entry per record, so when
 * two producers had transactions open at once on one partition and the one that started later was aborted first
 * (Flink's KafkaSink at parallelism 2 after a crash: each subtask's open transaction is aborted on recovery), the
 * records of the other aborted transaction that precede the first listed one's start are handed to the
 * application as if committed. The Java consumer keeps the aborted transactions in a priority queue by first
 * offset (FetchCollector / CompletedFetch.abortedProducerIds); this does the same.
 */
import { createRequire } from 'node:module';

interface AbortedTransaction {
  producerId: string;
  firstOffset: string;
}

interface FetchedMessage {
  offset: string;
  key: Buffer | null;
  isControlRecord?: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}

const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);

function isAbortMarker(message: FetchedMessage): boolean {
  return message.isControlRecord === true && message.key !== null && Buffer.from(message.key).equals(ABORT_MARKER_KEY);
}

/**
 * The messages of a fetched partition without those of aborted transactions: a transactional record of producer P
 * at offset o is dropped when an aborted transaction of P started at or before o and P's ABORT marker has not been
 * passed since. Control records are kept (kafkajs's Batch drops them after this).
 */
export function filterAbortedMessages<M extends FetchedMessage>({
  messages,
  abortedTransactions,
}: {
  messages: M[];
  abortedTransactions?: AbortedTransaction[];
}): M[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return messages;
  const pending = [...abortedTransactions].sort((a, b) =>
    BigInt(a.firstOffset) < BigInt(b.firstOffset) ? -1 : BigInt(a.firstOffset) > BigInt(b.firstOffset) ? 1 : 0,
  );
  const aborted = new Set<string>();
  let next = 0;
  return messages.filter((message) => {
    const offset = BigInt(message.offset);
    while (next < pending.length && offset >= BigInt(pending[next]!.firstOffset))
      aborted.add(String(pending[next++]!.producerId));
    const producerId = String(message.batchContext.producerId);
    if (isAbortMarker(message)) {
      aborted.delete(producerId);
      return true;
    }
    return !(message.batchContext.inTransaction && aborted.has(producerId));
  });
}

/** Marks the installed filter (a module may be evaluated more than once per process, e.g. by a test runner). */
const INSTALLED = Symbol.for('weir.kafkajs.readCommittedFilter');

/**
 * Puts the filter in Node's module cache where kafkajs's consumer/batch.js will require its own, so that Batch binds
 * this one. Throws if kafkajs's Batch was loaded first with the original filter: a consumer would then silently
 * return records of aborted transactions.
 */
function install(): void {
  const require = createRequire(import.meta.url);
  const path = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
  const batchPath = require.resolve('kafkajs/src/consumer/batch.js');
  const installed = (fn: unknown) =>
    typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[INSTALLED] === true;
  if (installed(require.cache[path]?.exports)) return;
  if (require.cache[batchPath] !== undefined) {
    throw new Error(
      'kafkajs was loaded before server/src/kafka/read-committed.ts: import that module before kafkajs, or read_committed consumers return records of aborted transactions',
    );
  }
  require(path);
  Object.defineProperty(filterAbortedMessages, INSTALLED, { value: true });
  require.cache[path]!.exports = filterAbortedMessages;
}

install();
