/**
 * Server configuration, read from the environment once at start. Every limit and location is explicit here.
 *
 *   PORT                  HTTP port (default 8080)
 *   HOST                  interface to listen on (default 127.0.0.1: deploying code is running code, so the
 *                         server is reachable from this machine only unless asked otherwise)
 *   WEIR_DATA_DIR         pipelines, deployment state and the token (default ./.weir); one server at a time uses
 *                         it (the lock file server.lock, storage/data-dir-lock.ts)
 *   WEIR_TOKEN            API token; when unset, one is generated on first start and kept in the data dir
 *   KAFKA_BROKERS         comma-separated bootstrap servers; when unset, `weir serve` starts the local broker
 *   KAFKA_SASL_MECHANISM  plain | scram-sha-256 | scram-sha-512 (with KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD)
 *   KAFKA_SSL             "true" (or 1) to connect with TLS
 *   KAFKA_CLIENT_ID       kafkajs client id (default "weir")
 *   KAFKA_PORT            port of the local broker when KAFKA_BROKERS is unset (default 9092)
 *   WEIR_WORKER_MEMORY_MB heap limit of each deployment's worker thread (default 512); state is held in memory, so
 *                         a deployment with millions of keys needs more (a million window panes: about 2048)
 *   WEIR_UDF_BUDGET_MS    time budget of one user-function call (default 1000, SPEC §5)
 *   FLINK_REST_URL        REST address of a Flink session cluster: deployments may then target it
 *   WEIR_FLINK            "local": start the local Flink cluster of tools/flink and target it
 *   FLINK_REST_PORT       REST port of that local cluster (default 8081)
 *   WEIR_LOG_LEVEL        fatal | error | warn | info | debug | trace | silent: what the server logs (default info;
 *                         log.ts reads it, this file refuses a level pino does not know)
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DeploymentLimits } from './deployments/types.ts';
import { kafkaConfigFromEnv, type KafkaConfig } from './kafka/config.ts';
import { isLogLevel, LOG_LEVELS } from './log.ts';
import { writeFileAtomicSync } from './storage/atomic.ts';

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  /** Null when KAFKA_BROKERS is unset and the local broker is to be started. */
  kafka: KafkaConfig | null;
  /** Local broker port, used when `kafka` is null. */
  localKafkaPort: number;
  /** Only the limits set in the environment; the deployment manager has the defaults. */
  limits: DeploymentLimits;
  /** The Flink cluster deployments may target; null when neither FLINK_REST_URL nor WEIR_FLINK is set. */
  flink: FlinkTargetConfig | null;
}

export interface FlinkTargetConfig {
  restUrl: string;
  /** WEIR_FLINK=local: the server starts the cluster of tools/flink/start.sh on `restUrl`'s port first. */
  local: boolean;
}

/** A configuration mistake the user can fix; its message says how. Printed without a stack trace. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const TOKEN_FILE = 'token';

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ServerConfig {
  checkLogLevel(env);
  return {
    port: portFrom(env, 'PORT', 8080),
    host: env.HOST?.trim() || '127.0.0.1',
    dataDir: resolve(cwd, env.WEIR_DATA_DIR?.trim() || '.weir'),
    kafka: kafkaFrom(env),
    localKafkaPort: portFrom(env, 'KAFKA_PORT', 9092),
    limits: limitsFrom(env),
    flink: flinkFrom(env),
  };
}

function checkLogLevel(env: NodeJS.ProcessEnv): void {
  const level = env.WEIR_LOG_LEVEL?.trim();
  if (level && !isLogLevel(level))
    throw new ConfigError(`WEIR_LOG_LEVEL=${level} is not a log level: use one of ${LOG_LEVELS.join(', ')}`);
}

function flinkFrom(env: NodeJS.ProcessEnv): FlinkTargetConfig | null {
  const url = env.FLINK_REST_URL?.trim();
  const mode = env.WEIR_FLINK?.trim();
  if (mode && mode !== 'local') {
    throw new ConfigError(
      `WEIR_FLINK=${mode}: its one value is "local" (start the local Flink cluster); for a cluster of your own set FLINK_REST_URL`,
    );
  }
  if (mode === 'local' && url)
    throw new ConfigError(
      'set WEIR_FLINK=local (start the local Flink cluster) or FLINK_REST_URL (use yours), not both',
    );
  if (mode === 'local') return { restUrl: `http://127.0.0.1:${portFrom(env, 'FLINK_REST_PORT', 8081)}`, local: true };
  if (!url) return null;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new ConfigError(
      `FLINK_REST_URL=${url} is not the http(s) address of Flink's REST API, e.g. http://flink-jobmanager:8081`,
    );
  }
  return { restUrl: url.replace(/\/+$/, ''), local: false };
}

function limitsFrom(env: NodeJS.ProcessEnv): DeploymentLimits {
  const limits: DeploymentLimits = {};
  const memory = integerFrom(env, 'WEIR_WORKER_MEMORY_MB', 64, Infinity, 'a whole number of megabytes (at least 64)');
  if (memory !== undefined) limits.workerMemoryMb = memory;
  const budget = integerFrom(env, 'WEIR_UDF_BUDGET_MS', 1, Infinity, 'a whole number of milliseconds (at least 1)');
  if (budget !== undefined) limits.udfBudgetMs = budget;
  return limits;
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  return integerFrom(env, name, 0, 65535, 'a port number (0–65535)') ?? fallback;
}

/** The variable as a whole number in [min, max]; undefined when unset; a ConfigError naming it when it is not one. */
function integerFrom(env: NodeJS.ProcessEnv, name: string, min: number, max: number, what: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name}=${raw} is not ${what}`);
  return value;
}

function kafkaFrom(env: NodeJS.ProcessEnv): KafkaConfig | null {
  let kafka: KafkaConfig | undefined;
  try {
    kafka = kafkaConfigFromEnv(env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (!kafka) return null;
  for (const broker of kafka.brokers) {
    if (!/^[^\s:]+:\d+$/.test(broker)) throw new ConfigError(`KAFKA_BROKERS: "${broker}" is not host:port`);
  }
  if (kafka.sasl && (!kafka.sasl.username || !env.KAFKA_SASL_PASSWORD)) {
    throw new ConfigError('KAFKA_SASL_MECHANISM is set: set KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD too');
  }
  return kafka;
}

/**
 * The API token: WEIR_TOKEN when set, else the one kept in `<dataDir>/token`, else a new random one written there
 * readable by its owner only, so the URL printed at the last start keeps working.
 */
export function resolveToken(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { token: string; source: 'env' | 'file' | 'generated' } {
  const fromEnv = env.WEIR_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, source: 'env' };
  const file = join(dataDir, TOKEN_FILE);
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored) return { token: stored, source: 'file' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw dataDirError(file, err);
  }
  const token = randomBytes(32).toString('base64url');
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileAtomicSync(file, token + '\n', 0o600);
  } catch (err) {
    throw dataDirError(file, err);
  }
  return { token, source: 'generated' };
}

const FS_REASONS: Record<string, string> = {
  ENOTDIR: 'a file is in the way of the directory',
  EEXIST: 'a file is in the way of the directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  EISDIR: 'it is a directory',
};

/**
 * A data directory that cannot hold `what` (the token, the server's lock) is the user's to fix (a file in the way, no
 * permission).
 */
export function dataDirError(file: string, err: unknown, what = 'the API token'): ConfigError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason = (code && FS_REASONS[code]) ?? (err as Error).message;
  return new ConfigError(`cannot keep ${what} in ${file}: ${reason}; set WEIR_DATA_DIR to a directory you can write`);
}
