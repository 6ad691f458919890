/**
 * The server's entry: `weir serve` (and `npm start`) import this module and call `serve()`. `createApp()` builds the
 * Express app alone, for in-process tests.
 *
 * serve(): configuration from the environment (config.ts) → the data directory's lock (one server per directory:
 * storage/data-dir-lock.ts) → a Kafka to talk to (KAFKA_BROKERS, or the local broker of tools/kafka started on
 * demand) → a Flink cluster when one is configured (FLINK_REST_URL, or WEIR_FLINK=local: the local cluster of
 * tools/flink started on demand) → the deployment runtime, resuming what was running → the built web app (`npm start`
 * builds it first, tools/web-build.mjs; the server itself never runs Vite) → listen, and print the URL to open, token
 * included. SIGINT/SIGTERM stop the Weir server's deployments with a savepoint (Flink's jobs run on) and close the
 * server; serve() resolves then, and the lock is released. What the user needs to read goes to stdout as plain text
 * (`say`); everything else is the log (log.ts), JSON lines on stderr.
 */
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliFailure } from './cli/common.ts';
import {
  ConfigError,
  dataDirError,
  loadConfig,
  resolveToken,
  type FlinkTargetConfig,
  type ServerConfig,
} from './config.ts';
import { FlinkDeployments } from './deployments/flink-deployment.ts';
import { DeploymentManager } from './deployments/manager.ts';
import { DeploymentService } from './deployments/service.ts';
import { DeploymentStore } from './deployments/store.ts';
import { FlinkCluster } from './flink/cluster.ts';
import type { KafkaConfig } from './kafka/config.ts';
import { createApp } from './http/app.ts';
import { webBuildOf } from './http/web-build.ts';
import { logger } from './log.ts';
import { DataDirLock, DataDirLockedError, LOCK_FILE } from './storage/data-dir-lock.ts';
import { finishedWithin } from './settle.ts';

export { createApp, type AppOptions } from './http/app.ts';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
/** How long shutdown waits for the deployments' savepoints before giving up on them. */
const SHUTDOWN_TIMEOUT_MS = 30_000;

export async function serve(): Promise<void> {
  let config: ServerConfig;
  let lock: DataDirLock | undefined;
  let token: string;
  let source: ReturnType<typeof resolveToken>['source'];
  try {
    config = loadConfig();
    // Before anything else in the directory is read or written: a second server on it must not resume its deployments.
    lock = lockDataDir(config.dataDir);
    ({ token, source } = resolveToken(config.dataDir));
  } catch (err) {
    lock?.release();
    if (err instanceof ConfigError) throw new CliFailure(`weir serve: ${err.message}`);
    throw err;
  }
  // Released when serve() ends (stopped, or failed to start); the exit handler covers a second Ctrl-C's process.exit.
  // A server killed outright (kill -9) leaves its lock behind: the next start finds its pid gone and takes it over.
  const held = lock;
  process.once('exit', () => held.release());
  try {
    await serveLocked(config, token, source);
  } finally {
    held.release();
  }
}

/** The data directory's lock: another server on it is refused with a message that names it (pid) and the directory. */
function lockDataDir(dataDir: string): DataDirLock {
  try {
    return DataDirLock.acquire(dataDir);
  } catch (err) {
    if (err instanceof DataDirLockedError) throw new CliFailure(`weir serve: ${err.message}`);
    if (typeof (err as NodeJS.ErrnoException).code === 'string')
      throw dataDirError(join(dataDir, LOCK_FILE), err, "the server's lock");
    throw err;
  }
}

async function serveLocked(
  config: ServerConfig,
  token: string,
  source: ReturnType<typeof resolveToken>['source'],
): Promise<void> {
  if (source === 'generated')
    say(`Created an API token in ${join(config.dataDir, 'token')} (kept for the next starts)`);

  const kafka: KafkaConfig = config.kafka ?? { brokers: [await startLocalKafka(REPO_ROOT, config.localKafkaPort)] };
  const cluster = config.flink ? await flinkTarget(config.flink) : null;
  const web = webBuildOf(REPO_ROOT);
  if (web.state === 'missing')
    say(
      `The editor is not built (${join(web.dist, 'index.html')} is missing): serving the API only. Run \`npm run build\` to build it, then reload the page (\`npm start\` builds it before it starts the server).`,
    );
  else if (web.state === 'stale')
    say(
      'The editor was built before its sources last changed: `npm run build` rebuilds it (`npm start` does so by itself).',
    );

  process.on('unhandledRejection', (reason) =>
    logger.error({ err: reason }, 'unhandled rejection (the server keeps running)'),
  );
  const flink = cluster
    ? new FlinkDeployments({
        dataDir: config.dataDir,
        kafka,
        cluster,
        ...(config.limits.udfBudgetMs ? { udfBudgetMs: config.limits.udfBudgetMs } : {}),
      })
    : null;
  const deployments = new DeploymentService(
    new DeploymentManager({ dataDir: config.dataDir, kafka, limits: config.limits }),
    flink,
  );
  await deployments.start().catch((err: unknown) => {
    throw new CliFailure(
      `weir serve: could not resume the deployments (Kafka at ${kafka.brokers.join(', ')}): ${(err as Error).message}`,
    );
  });
  // After start(), which moves a record it cannot read aside and names it in the log once.
  const unwatched = flink ? 0 : new DeploymentStore(config.dataDir).load().filter((d) => d.target === 'flink').length;
  if (unwatched > 0)
    say(
      `${unwatched} deployment(s) in ${config.dataDir} run on a Flink cluster; set FLINK_REST_URL (or WEIR_FLINK=local) to see and manage them`,
    );

  const app = createApp({ dataDir: config.dataDir, token, deployments, webDist: web.dist });
  let server: Server;
  try {
    server = await listen(app, config);
  } catch (err) {
    await deployments.shutdown();
    throw err;
  }

  const shown = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
  const stopHint =
    config.localKafkaPort === 9092 ? 'npm run kafka:stop' : `KAFKA_PORT=${config.localKafkaPort} npm run kafka:stop`;
  say(
    `Kafka: ${kafka.brokers.join(', ')}${config.kafka ? '' : ` (local broker; it keeps running after the server stops: \`${stopHint}\` stops it)`}`,
  );
  if (config.flink)
    say(
      `Flink: ${config.flink.restUrl}${config.flink.local ? ` (local cluster; it keeps running after the server stops: \`${flinkStopHint(config.flink.restUrl)}\` stops it)` : ''}`,
    );
  say(`Weir is running at ${base}/?token=${encodeURIComponent(token)}`);

  await new Promise<void>((done) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        say(`${signal} again: exiting without waiting for the savepoints`);
        process.exit(130);
      }
      stopping = true;
      say('Stopping: taking a savepoint of every deployment…');
      server.close();
      server.closeAllConnections();
      finishedWithin(deployments.shutdown(), SHUTDOWN_TIMEOUT_MS)
        .then((finished) =>
          say(finished ? 'Stopped.' : `Stopped; some savepoints did not finish within ${SHUTDOWN_TIMEOUT_MS / 1000} s`),
        )
        .catch((err: unknown) => logger.error({ err }, 'stopping the deployments failed'))
        .finally(() => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          // Whatever still holds the event loop (a client's socket, a worker that missed its savepoint) must not
          // keep a stopped server alive; the timer itself holds nothing.
          setTimeout(() => process.exit(), 2000).unref();
          done();
        });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function listen(app: ReturnType<typeof createApp>, config: ServerConfig): Promise<Server> {
  return new Promise((resolvePromise, reject) => {
    const server = app.listen(config.port, config.host);
    server.once('listening', () => resolvePromise(server));
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(new CliFailure(`weir serve: port ${config.port} on ${config.host} is in use; set PORT to a free port`));
      else if (err.code === 'EACCES')
        reject(
          new CliFailure(`weir serve: not allowed to listen on port ${config.port}; set PORT to a port above 1024`),
        );
      else reject(err);
    });
  });
}

function say(line: string): void {
  process.stdout.write(line + '\n');
}

/**
 * Starts (or finds running) the broker of tools/kafka/start.sh and returns its address. start.sh says what to install
 * or which variable to set when it cannot (no java, no mvn, a busy port); that message is the failure's message.
 */
async function startLocalKafka(root: string, port: number): Promise<string> {
  say(
    `KAFKA_BROKERS is not set: starting the local Kafka broker on 127.0.0.1:${port} (the first start installs it; that takes a while)…`,
  );
  const { code, stdout, stderr } = await runScript(root, 'tools/kafka/start.sh', { KAFKA_PORT: String(port) });
  const address = stdout.trim().split('\n').pop()?.trim() ?? '';
  if (code === 0 && /^[^\s:]+:\d+$/.test(address)) return address;
  const reason = reasonOf(stderr, 'kafka');
  const hint = reason.includes('KAFKA_BROKERS')
    ? ''
    : '\nTo use a Kafka cluster you already have instead, set KAFKA_BROKERS=host:port.';
  throw new CliFailure(`weir serve: the local Kafka broker did not start.\n${reason}${hint}`);
}

/**
 * The Flink cluster of the "flink" target: with WEIR_FLINK=local, tools/flink/start.sh first (it installs Flink on
 * first use and leaves a running cluster alone). The cluster is checked once here, so a problem shows at start; a
 * cluster that cannot take jobs yet is no reason not to serve (each deploy checks it again).
 */
async function flinkTarget(config: FlinkTargetConfig): Promise<FlinkCluster> {
  if (config.local) {
    const port = new URL(config.restUrl).port;
    say(
      `WEIR_FLINK=local: starting the local Flink cluster on ${config.restUrl} (the first start installs it; that takes a while)…`,
    );
    const { code, stderr } = await runScript(REPO_ROOT, 'tools/flink/start.sh', { FLINK_REST_PORT: port });
    if (code !== 0)
      throw new CliFailure(
        `weir serve: the local Flink cluster did not start.\n${reasonOf(stderr, 'flink')}\nTo use a Flink cluster you already have instead, set FLINK_REST_URL.`,
      );
  }
  const cluster = new FlinkCluster(config.restUrl);
  try {
    const overview = await cluster.check(1);
    say(
      `Flink ${overview['flink-version']} at ${config.restUrl}: ${overview.taskmanagers} TaskManager(s), ${overview['slots-available']} of ${overview['slots-total']} task slots free`,
    );
    // The runner jar is built (first time) and uploaded in the background, so the first deploy does not wait for it.
    cluster
      .runnerJar()
      .catch((err: unknown) =>
        logger.error({ err }, 'preparing the Flink runner failed (the first Flink deploy tries again)'),
      );
  } catch (err) {
    say(`Warning: ${(err as Error).message}. Deployments to Flink are refused until it can take them.`);
  }
  return cluster;
}

function flinkStopHint(restUrl: string): string {
  const port = new URL(restUrl).port;
  return port === '8081' ? 'npm run flink:stop' : `FLINK_REST_PORT=${port} npm run flink:stop`;
}

async function runScript(
  root: string,
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const path = join(root, script);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn('bash', [path], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.once('error', fail);
    child.once('close', (exitCode) => done({ code: exitCode, stdout: out, stderr: err }));
  }).catch((err: unknown) => {
    throw new CliFailure(`weir serve: could not run ${path}: ${(err as Error).message}`);
  });
}

/** The script's own verdict: from its last `<tool> start:`/`<tool> install:` failure line to the end. */
function reasonOf(stderr: string, tool: string): string {
  const lines = stderr.trimEnd().split('\n');
  let from = lines.length - 1;
  const verdict = new RegExp(`^${tool} (start|install): `);
  while (from > 0 && !verdict.test(lines[from]!)) from--;
  return lines.slice(Math.max(from, 0)).join('\n') || '(it printed nothing)';
}
