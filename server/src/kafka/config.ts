/**
 * How the server reaches Kafka: plain data (it crosses into deployment worker threads by structured clone), turned
 * into a kafkajs client where one is needed. `KAFKA_BROKERS` and friends (DESIGN "Kafka for development and tests")
 * are read by `kafkaConfigFromEnv`.
 */
// Before kafkajs: its read_committed filter misses records of aborted transactions (read-committed.ts).
import './read-committed.ts';
// kafkajs's request queue sets a negative timer delay, which Node 24 warns about (request-queue.ts).
import './request-queue.ts';
import kafkajs from 'kafkajs';
import type { Kafka, KafkaConfig as KafkajsConfig, SASLOptions } from 'kafkajs';

const { Kafka: KafkaClient, logLevel } = kafkajs;

// kafkajs 2.x warns about its partitioner change on every producer unless told the choice is deliberate.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

export interface KafkaSasl {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export interface KafkaConfig {
  brokers: string[];
  /** Prefix of every client id the server uses; default "weir". */
  clientId?: string;
  /** TLS to the brokers (true: system CAs). */
  ssl?: boolean;
  sasl?: KafkaSasl;
  /** Broker connection timeout, ms (default 5000). */
  connectionTimeoutMs?: number;
  /**
   * The client of a deployment's consumer and producer: kafkajs (default) or librdkafka through
   * @confluentinc/kafka-javascript (server/src/kafka/rdkafka.ts). Admin steps use kafkajs either way.
   */
  client?: 'kafkajs' | 'librdkafka';
}

/**
 * Reads `KAFKA_BROKERS` (comma-separated), `KAFKA_CLIENT_ID`, `KAFKA_SSL=1`, `KAFKA_SASL_MECHANISM`/`_USERNAME`/`_PASSWORD`,
 * and `WEIR_KAFKA_CLIENT` (`kafkajs` or `librdkafka`).
 */
export function kafkaConfigFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaConfig | undefined {
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) return undefined;
  const config: KafkaConfig = { brokers };
  if (env.KAFKA_CLIENT_ID) config.clientId = env.KAFKA_CLIENT_ID;
  if (env.KAFKA_SSL === '1' || env.KAFKA_SSL === 'true') config.ssl = true;
  const client = kafkaClientFromEnv(env);
  if (client !== undefined) config.client = client;
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase();
  if (mechanism) {
    if (mechanism !== 'plain' && mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512')
      throw new Error(`KAFKA_SASL_MECHANISM must be plain, scram-sha-256 or scram-sha-512, not "${mechanism}"`);
    config.sasl = { mechanism, username: env.KAFKA_SASL_USERNAME ?? '', password: env.KAFKA_SASL_PASSWORD ?? '' };
  }
  return config;
}

/** `WEIR_KAFKA_CLIENT`: which client a deployment's data path uses (undefined: the default, kafkajs). */
export function kafkaClientFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaConfig['client'] {
  const client = env.WEIR_KAFKA_CLIENT?.trim().toLowerCase();
  if (!client) return undefined;
  if (client !== 'kafkajs' && client !== 'librdkafka')
    throw new Error(`WEIR_KAFKA_CLIENT must be kafkajs or librdkafka, not "${client}"`);
  return client;
}

/** A kafkajs client; kafkajs's own logging is off (the server reports what matters through its statuses). */
/**
 * A kafkajs client. `onConnectionError` hears of every failed connection or request to a broker as kafkajs reports it
 * (kafkajs retries them itself first), so a deployment can say it is reconnecting long before a retry gives up.
 */
export function createKafka(
  config: KafkaConfig,
  clientIdSuffix: string,
  onConnectionError?: (message: string) => void,
): Kafka {
  const options: KafkajsConfig = {
    clientId: `${config.clientId ?? 'weir'}-${clientIdSuffix}`,
    brokers: config.brokers,
    logLevel: onConnectionError ? logLevel.ERROR : logLevel.NOTHING,
    ...(onConnectionError
      ? {
          logCreator: () => (entry: { log: { message?: string; error?: string } }) => {
            const text = [entry.log.message, entry.log.error].filter(Boolean).join(': ');
            if (CONNECTION_TROUBLE.test(text)) onConnectionError(text);
          },
        }
      : {}),
    connectionTimeout: config.connectionTimeoutMs ?? 5000,
    retry: { initialRetryTime: 100, retries: 8 },
  };
  if (config.ssl) options.ssl = true;
  if (config.sasl) options.sasl = config.sasl as SASLOptions;
  return new KafkaClient(options);
}

/** What kafkajs logs when a broker cannot be reached or answers that it cannot serve right now. */
const CONNECTION_TROUBLE =
  /connect|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|timed? ?out|not available|leader|disconnected|Closed connection/i;
