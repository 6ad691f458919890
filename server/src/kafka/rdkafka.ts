/**
 * A deployment's data path on librdkafka (`WEIR_KAFKA_CLIENT=librdkafka`; kafkajs is the default), through
 * @confluentinc/kafka-javascript's low-level API (`KafkaConsumer`, `Producer`): a maintained client with Java's
 * murmur2 partitioner, fetch decoding and batching in C, and `sendOffsetsToTransaction` with the consumer's group
 * metadata (KIP-447). Its KafkaJS-compatible layer is not used: it costs a promise per message and lacks what the
 * runtime needs. This module turns the callback API into promises and the server's `KafkaConfig` into librdkafka
 * properties; admin operations stay on kafkajs (config.ts).
 *
 * Worker threads, where deployments run, limit it twice:
 * - The binding delivers librdkafka's event callbacks (errors, delivery reports, rebalances, offset commits) through
 *   an async handle on the process's main event loop, which aborts the process when the client lives in a worker
 *   thread (confluentinc/confluent-kafka-javascript#290). Its methods (connect, consume, flush, the transaction
 *   calls, commit, metadata) complete on the calling thread's loop. So clients made here register no event
 *   callbacks (`event_cb: false`, no `dr_cb`, no `rebalance_cb`): partitions are assigned explicitly, failed
 *   deliveries surface through the transaction's commit, connection trouble through the methods' errors. With
 *   partitions assigned rather than subscribed, the group metadata carries no generation: fencing rests on the
 *   stable transactional id, as with kafkajs. At-least-once has no transaction to report a record the broker
 *   refuses for good; its records never expire (`message.timeout.ms` 0), so an outage only delays them.
 * - The addon is not context-aware (`NODE_MODULE`, confluentinc/confluent-kafka-javascript#258): while one thread
 *   has it loaded, loading it in another fails with "Module did not self-register". It is therefore loaded on first
 *   use only, never by merely importing this module, and a process can run one deployment on it at a time.
 */
import { createRequire } from 'node:module';
import type * as RdKafka from '@confluentinc/kafka-javascript';
import type { IHeaders, Message } from 'kafkajs';
import type { KafkaConfig } from './config.ts';

export type KafkaConsumer = RdKafka.KafkaConsumer;
export type Producer = RdKafka.Producer;
export type RdMessage = RdKafka.Message;
export type LibrdKafkaError = RdKafka.LibrdKafkaError;

let loaded: typeof RdKafka | null = null;

/** The addon, loaded on first use (see above). */
function binding(): typeof RdKafka {
  if (loaded !== null) return loaded;
  try {
    loaded = createRequire(import.meta.url)('@confluentinc/kafka-javascript') as typeof RdKafka;
  } catch (err) {
    const message = String((err as Error).message);
    if (message.includes('did not self-register')) {
      throw new Error(
        'librdkafka is in use by another thread of this process: one deployment at a time can run on it (WEIR_KAFKA_CLIENT=librdkafka)',
        { cause: err },
      );
    }
    if ((err as { code?: string }).code === 'MODULE_NOT_FOUND') {
      throw new Error(
        '@confluentinc/kafka-javascript is not installed (an optional dependency: its native build needs a C++ toolchain, see README)',
        { cause: err },
      );
    }
    throw err;
  }
  return loaded;
}

export function createConsumer(properties: RdKafka.ConsumerGlobalConfig): KafkaConsumer {
  return new (binding().KafkaConsumer)(properties, {});
}

/** librdkafka's error codes used here (lib/error.js): negative ones are the client's own. */
export const ERR_QUEUE_FULL = -184;

/** librdkafka's properties for the server's Kafka settings: brokers, client id, TLS and SASL. */
export function rdkafkaConfig(config: KafkaConfig, clientIdSuffix: string): Record<string, string | number | boolean> {
  const properties: Record<string, string | number | boolean> = {
    'bootstrap.servers': config.brokers.join(','),
    'client.id': `${config.clientId ?? 'weir'}-${clientIdSuffix}`,
    'socket.connection.setup.timeout.ms': Math.max(1000, config.connectionTimeoutMs ?? 5000),
    // librdkafka logs to stderr by default; what matters reaches the runtime through the methods' errors.
    log_level: 0,
    event_cb: false,
  };
  if (config.ssl || config.sasl)
    properties['security.protocol'] = `${config.sasl ? 'sasl_' : ''}${config.ssl ? 'ssl' : 'plaintext'}`;
  if (config.sasl) {
    properties['sasl.mechanisms'] = config.sasl.mechanism.toUpperCase();
    properties['sasl.username'] = config.sasl.username;
    properties['sasl.password'] = config.sasl.password;
  }
  return properties;
}

/** Errors that say a broker cannot be reached right now: transport, all brokers down, resolve, timed out. */
export const CONNECTION_CODES: ReadonlySet<number> = new Set([-195, -187, -193, -185]);

export function connect<C extends KafkaConsumer | Producer>(client: C, timeoutMs = 30_000): Promise<C> {
  return new Promise((resolve, reject) => {
    client.connect({ timeout: timeoutMs }, (err) => (err ? reject(asError(err)) : resolve(client)));
  });
}

export function disconnect(client: KafkaConsumer | Producer | null | undefined): Promise<void> {
  if (!client?.isConnected()) return Promise.resolve();
  return new Promise((resolve) => client.disconnect(() => resolve()));
}

/** A librdkafka error as an `Error` (the client's errors are plain objects in places), its fields kept. */
export function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  const e = err as Partial<LibrdKafkaError>;
  return Object.assign(new Error(e.message ?? String(err)), { name: 'LibrdKafkaError', ...e });
}

function settle(resolve: () => void, reject: (err: Error) => void): (err: LibrdKafkaError | null | undefined) => void {
  return (err) => (err ? reject(asError(err)) : resolve());
}

/** A callback method of a client as a promise. */
export function call(run: (done: (err: LibrdKafkaError | null | undefined) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => run(settle(resolve, reject)));
}

export interface ProducerOptions {
  /** Exactly-once: the stable transactional id (fencing relies on it: one active writer per id). */
  transactionalId?: string;
  /** How long a transaction may stay open before the broker aborts it. */
  transactionTimeoutMs?: number;
}

/**
 * An idempotent producer (transactional with a `transactionalId`). Keyed records go to the partition Java's
 * client picks for the key (`murmur2_random`: murmur2 of the key bytes, random for records without a key).
 * Without delivery reports (see above) a record that cannot be delivered is retried until it is or the producer's
 * idempotence state fails; a transaction's commit reports either.
 */
export class RdProducer {
  readonly producer: Producer;

  constructor(config: KafkaConfig, clientIdSuffix: string, options: ProducerOptions = {}) {
    const properties: Record<string, string | number | boolean> = {
      ...rdkafkaConfig(config, clientIdSuffix),
      'enable.idempotence': true,
      partitioner: 'murmur2_random',
      'linger.ms': 5,
    };
    if (options.transactionalId !== undefined) {
      properties['transactional.id'] = options.transactionalId;
      properties['transaction.timeout.ms'] = options.transactionTimeoutMs ?? 30_000;
    } else {
      properties['message.timeout.ms'] = 0;
    }
    this.producer = new (binding().Producer)(properties as RdKafka.ProducerGlobalConfig);
  }

  async connect(): Promise<void> {
    await connect(this.producer);
  }

  /** Registers the transactional id: fences every earlier producer with it and aborts its open transaction. */
  initTransactions(timeoutMs = 30_000): Promise<void> {
    return call((done) => this.producer.initTransactions(timeoutMs, done));
  }

  beginTransaction(): Promise<void> {
    return call((done) => this.producer.beginTransaction(done));
  }

  /** Offsets (the next to read) committed with the transaction, with the consumer's group metadata (KIP-447). */
  sendOffsetsToTransaction(
    offsets: RdKafka.TopicPartitionOffset[],
    consumer: KafkaConsumer,
    timeoutMs = 30_000,
  ): Promise<void> {
    return call((done) => this.producer.sendOffsetsToTransaction(offsets, consumer, timeoutMs, done));
  }

  commitTransaction(timeoutMs = 30_000): Promise<void> {
    return call((done) => this.producer.commitTransaction(timeoutMs, done));
  }

  abortTransaction(timeoutMs = 30_000): Promise<void> {
    return call((done) => this.producer.abortTransaction(timeoutMs, done));
  }

  /**
   * Queues the messages to `topic` (a message's `partition` wins over its key). When librdkafka's queue is full,
   * waits for it to drain before going on.
   */
  async produce(topic: string, messages: readonly Message[]): Promise<void> {
    const producer = this.producer;
    for (let i = 0; i < messages.length; ) {
      const m = messages[i]!;
      try {
        producer.produce(
          topic,
          m.partition ?? null,
          toBuffer(m.value),
          m.key ?? null,
          m.timestamp === undefined ? null : Number(m.timestamp),
          undefined,
          toHeaders(m.headers),
        );
        i++;
      } catch (err) {
        if ((err as { code?: number }).code !== ERR_QUEUE_FULL) throw asError(err);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }

  /** Resolves when every queued message is acknowledged; rejects when that takes longer than `timeoutMs`. */
  flush(timeoutMs = 60_000): Promise<void> {
    return call((done) => this.producer.flush(timeoutMs, done));
  }

  disconnect(): Promise<void> {
    return disconnect(this.producer);
  }
}

function toBuffer(value: Buffer | string | null): Buffer | null {
  return value === null || Buffer.isBuffer(value) ? value : Buffer.from(value);
}

function toHeaders(headers: IHeaders | undefined): RdKafka.MessageHeader[] | undefined {
  if (headers === undefined) return undefined;
  const list: RdKafka.MessageHeader[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) list.push({ [name]: one });
  }
  return list;
}

/** Kafka headers as records carry them (a string map, a repeated header keeping its last value). */
export function decodeRdHeaders(headers: RdKafka.MessageHeader[] | undefined): Record<string, string> | undefined {
  if (headers === undefined || headers.length === 0) return undefined;
  const result: Record<string, string> = {};
  for (const header of headers) {
    for (const name in header) {
      const value = header[name]!;
      result[name] = typeof value === 'string' ? value : value.toString('utf8');
    }
  }
  return result;
}

/** Commits group offsets (the next to read) outside any transaction; resolves once the broker took them. */
export function commitOffsets(consumer: KafkaConsumer, offsets: RdKafka.TopicPartitionOffset[]): Promise<void> {
  const withCallback = consumer as unknown as {
    commitCb(offsets: RdKafka.TopicPartitionOffset[], cb: (err: LibrdKafkaError | null) => void): void;
  };
  return call((done) => withCallback.commitCb(offsets, done));
}

/** The partition numbers of `topic` (empty when the cluster does not have it). */
export function partitionsOf(client: KafkaConsumer | Producer, topic: string, timeoutMs = 10_000): Promise<number[]> {
  return new Promise((resolve, reject) =>
    (client as Producer).getMetadata({ topic, timeout: timeoutMs }, (err, metadata) => {
      if (err) reject(asError(err));
      else
        resolve(
          (metadata.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => p.id).sort((a, b) => a - b),
        );
    }),
  );
}

/** Offsets that mean "the log's start" and "the log's end" in an assignment. */
export const OFFSET_BEGINNING = -2;
export const OFFSET_END = -1;

/** Up to `max` messages (waiting at most `timeoutMs` for the first); an empty array when none came. */
export function consume(consumer: KafkaConsumer, max: number): Promise<RdMessage[]> {
  return new Promise((resolve, reject) =>
    consumer.consume(max, (err, messages) => (err ? reject(asError(err)) : resolve(messages ?? []))),
  );
}
