/**
 * Real Apache Kafka for integration tests (see DESIGN.md, "Kafka for development and tests").
 *
 *   const kafka = await startKafka();           // starts tools/kafka/start.sh on 127.0.0.1:19092
 *   await createTopic(kafka.brokers, 'in', 3);
 *   ...
 *   await kafka.stop();                          // in afterAll
 *
 * Several test files (vitest runs them in parallel worker processes) may share the broker on one port: each
 * startKafka() takes a lease in .kafka/leases-<port>/, and stop() only stops the broker when the last lease is
 * released and the broker was started by this helper (a broker someone started by hand is left running).
 * Leases of dead processes are ignored, so a crashed run does not pin the broker forever.
 *
 * WEIR_TEST_KAFKA_BROKERS=host:port[,host:port] makes the helper use that existing cluster instead (stop() is
 * then a no-op). The default port 19092 never collides with a developer's broker on 9092.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// Before kafkajs: its read_committed filter misses records of aborted transactions (read-committed.ts).
import '../../../server/src/kafka/read-committed.ts';
import '../../../server/src/kafka/request-queue.ts';
import { isTransientKafkaError } from '../../../server/src/kafka/transient.ts';
import kafkajs from 'kafkajs';
import type { Kafka as KafkaClient, KafkaConfig } from 'kafkajs';
import { PATIENCE_MS } from '../../patience.ts';

const { Kafka, logLevel } = kafkajs;

// kafkajs 2.x prints a partitioner-change warning on every producer unless this is set.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

export const DEFAULT_TEST_KAFKA_PORT = 19092;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const KAFKA_DIR = join(ROOT, '.kafka');
const START_SH = join(ROOT, 'tools/kafka/start.sh');
const STOP_SH = join(ROOT, 'tools/kafka/stop.sh');

export interface RunningKafka {
  brokers: string[];
  stop(): Promise<void>;
}

export interface StartKafkaOptions {
  /** Broker port on 127.0.0.1 (controller uses port + 1). Default 19092. */
  port?: number;
  /** How long start.sh may take (install + format + start), ms. Default test/patience.ts's PATIENCE_MS. */
  timeoutMs?: number;
}

export async function startKafka(options: StartKafkaOptions = {}): Promise<RunningKafka> {
  const external = process.env.WEIR_TEST_KAFKA_BROKERS?.trim();
  if (external) {
    return {
      brokers: external
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      stop: async () => {},
    };
  }
  const port = options.port ?? DEFAULT_TEST_KAFKA_PORT;
  const timeoutMs = options.timeoutMs ?? PATIENCE_MS;
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_START_TIMEOUT: String(Math.ceil(timeoutMs / 2000)) };
  const leaseDir = join(KAFKA_DIR, `leases-${port}`);
  const ownedMarker = join(leaseDir, '.owned');
  const lease = join(leaseDir, `${process.pid}-${randomBytes(4).toString('hex')}`);

  const brokers = await withLock(port, async () => {
    mkdirSync(leaseDir, { recursive: true });
    const wasRunning = brokerPidAlive(port);
    if (!wasRunning) pruneLeases(leaseDir, { all: true });
    const stdout = await run('bash', [START_SH], env, timeoutMs);
    const address = stdout.trim().split('\n').pop()?.trim();
    if (!address || !/^[\w.-]+:\d+$/.test(address)) {
      throw new Error(`tools/kafka/start.sh printed no bootstrap address:\n${stdout}`);
    }
    if (!wasRunning && brokerPidAlive(port)) writeFileSync(ownedMarker, `${process.pid}\n`);
    writeFileSync(lease, `${process.pid}\n`);
    return [address];
  });

  let stopped = false;
  return {
    brokers,
    async stop() {
      if (stopped) return;
      stopped = true;
      await withLock(port, async () => {
        rmSync(lease, { force: true });
        if (pruneLeases(leaseDir) > 0) return; // another test process still uses the broker
        if (!existsSync(ownedMarker)) return; // not started by this helper: leave it running
        await run('bash', [STOP_SH], env, PATIENCE_MS);
        rmSync(ownedMarker, { force: true });
      });
    },
  };
}

/** A kafkajs client with logging silenced, for tests. */
export function kafkaClient(brokers: string[], clientId = 'weir-test', extra: Partial<KafkaConfig> = {}): KafkaClient {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, ...extra });
}

/** Creates a topic (replication factor 1) and waits for its partition leaders. No-op if it exists. */
export async function createTopic(brokers: string[], name: string, partitions = 1): Promise<void> {
  const admin = kafkaClient(brokers, 'weir-test-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
      timeout: 30_000,
    });
  } catch (err) {
    // Created, but the metadata kafkajs asks for right after may not show it yet ("This server does not host this
    // topic-partition"), more so on a broker other test files keep busy: wait for the leaders below instead.
    if (!isTransientKafkaError(err)) throw err;
  }
  try {
    // Until every partition has a leader; a transient error of the metadata request means "not yet" as well.
    const deadline = Date.now() + PATIENCE_MS;
    for (;;) {
      const led = await admin
        .fetchTopicMetadata({ topics: [name] })
        .then(({ topics }) => topics[0]?.partitions.filter((p) => p.leader >= 0).length ?? 0)
        .catch((err: unknown) => {
          if (isTransientKafkaError(err)) return 0;
          throw err;
        });
      if (led >= partitions) break;
      if (Date.now() > deadline) throw new Error(`${name}: ${led} of ${partitions} partitions have a leader`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------------------------

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(cmd, args, { cwd: ROOT, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}${stdout}`));
      } else {
        resolvePromise(stdout);
      }
    });
  });
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function brokerPidAlive(port: number): boolean {
  try {
    return pidAlive(Number(readFileSync(join(KAFKA_DIR, `kafka-${port}.pid`), 'utf8').trim()));
  } catch {
    return false;
  }
}

/** Removes leases of dead processes (or all of them); returns how many live leases remain. */
function pruneLeases(dir: string, opts: { all?: boolean } = {}): number {
  let live = 0;
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const pid = Number(name.split('-')[0]);
    if (!opts.all && pidAlive(pid)) live++;
    else rmSync(join(dir, name), { force: true });
  }
  return live;
}

/** Cross-process mutex (mkdir is atomic) so parallel test files do not start/stop the same broker at once. */
async function withLock<T>(port: number, fn: () => Promise<T>): Promise<T> {
  mkdirSync(KAFKA_DIR, { recursive: true });
  const lockDir = join(KAFKA_DIR, `lock-${port}`);
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'owner'), `${process.pid}\n`);
      break;
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lockDir, 'owner'), 'utf8').trim());
      } catch {
        // owner file not written yet
      }
      if (Number.isFinite(owner) && !pidAlive(owner)) {
        rmSync(lockDir, { recursive: true, force: true }); // holder died
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
