/**
 * The server's entry: `weir serve` (and `npm start`) import this module and call `serve()`. `createApp()` builds the
 * Express app alone, for in-process tests.
 *
 * serve(): configuration from the environment (config.ts) → a Kafka to talk to (KAFKA_BROKERS, or the local broker
 * of tools/kafka started on demand) → the deployment runtime, resuming what was running → the web app (built on
 * first start) → listen, and print the URL to open, token included. SIGINT/SIGTERM stop the deployments with a
 * savepoint and close the server; serve() resolves then.
 */
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliFailure } from './cli/common.ts';
import { ConfigError, loadConfig, resolveToken, type ServerConfig } from './config.ts';
import { DeploymentManager } from './deployments/manager.ts';
import type { KafkaConfig } from './kafka/config.ts';
import { createApp } from './http/app.ts';
import { ensureWebBuild } from './http/static.ts';

export { createApp, type AppOptions } from './http/app.ts';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
/** How long shutdown waits for the deployments' savepoints before giving up on them. */
const SHUTDOWN_TIMEOUT_MS = 30_000;

export async function serve(): Promise<void> {
  let config: ServerConfig;
  let token: string;
  let source: ReturnType<typeof resolveToken>['source'];
  try {
    config = loadConfig();
    ({ token, source } = resolveToken(config.dataDir));
  } catch (err) {
    if (err instanceof ConfigError) throw new CliFailure(`weir serve: ${err.message}`);
    throw err;
  }
  if (source === 'generated') say(`Created an API token in ${join(config.dataDir, 'token')} (kept for the next starts)`);

  const kafka: KafkaConfig = config.kafka ?? { brokers: [await startLocalKafka(REPO_ROOT, config.localKafkaPort)] };
  const webDist = await ensureWebBuild(REPO_ROOT, say).catch((err: unknown) => {
    throw new CliFailure(`weir serve: building the web app failed: ${(err as Error).message}\nRun \`npm run build\` to see the whole output.`);
  });

  process.on('unhandledRejection', (reason) => console.error('weir: unhandled rejection (the server keeps running):', reason));
  const deployments = new DeploymentManager({ dataDir: config.dataDir, kafka, limits: config.limits });
  await deployments.start().catch((err: unknown) => {
    throw new CliFailure(`weir serve: could not resume the deployments (Kafka at ${kafka.brokers.join(', ')}): ${(err as Error).message}`);
  });

  const app = createApp({ dataDir: config.dataDir, token, deployments, ...(webDist ? { webDist } : {}) });
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
  const stopHint = config.localKafkaPort === 9092 ? 'npm run kafka:stop' : `KAFKA_PORT=${config.localKafkaPort} npm run kafka:stop`;
  say(`Kafka: ${kafka.brokers.join(', ')}${config.kafka ? '' : ` (local broker; it keeps running after the server stops: \`${stopHint}\` stops it)`}`);
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
      withTimeout(deployments.shutdown(), SHUTDOWN_TIMEOUT_MS)
        .then((finished) => say(finished ? 'Stopped.' : `Stopped; some savepoints did not finish within ${SHUTDOWN_TIMEOUT_MS / 1000} s`))
        .catch((err: unknown) => console.error('weir: stopping the deployments failed:', err))
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
      if (err.code === 'EADDRINUSE') reject(new CliFailure(`weir serve: port ${config.port} on ${config.host} is in use; set PORT to a free port`));
      else if (err.code === 'EACCES') reject(new CliFailure(`weir serve: not allowed to listen on port ${config.port}; set PORT to a port above 1024`));
      else reject(err);
    });
  });
}

async function withTimeout(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((done) => {
    timer = setTimeout(() => done(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function say(line: string): void {
  process.stdout.write(line + '\n');
}

/**
 * Starts (or finds running) the broker of tools/kafka/start.sh and returns its address. start.sh says what to install
 * or which variable to set when it cannot (no java, no mvn, a busy port); that message is the failure's message.
 */
async function startLocalKafka(root: string, port: number): Promise<string> {
  say(`KAFKA_BROKERS is not set: starting the local Kafka broker on 127.0.0.1:${port} (the first start installs it; that takes a while)…`);
  const script = join(root, 'tools/kafka/start.sh');
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn('bash', [script], { cwd: root, env: { ...process.env, KAFKA_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.once('error', fail);
    child.once('close', (exitCode) => done({ code: exitCode, stdout: out, stderr: err }));
  }).catch((err: unknown) => {
    throw new CliFailure(`weir serve: could not run ${script}: ${(err as Error).message}`);
  });
  const address = stdout.trim().split('\n').pop()?.trim() ?? '';
  if (code === 0 && /^[^\s:]+:\d+$/.test(address)) return address;
  const reason = reasonOf(stderr);
  const hint = reason.includes('KAFKA_BROKERS') ? '' : '\nTo use a Kafka cluster you already have instead, set KAFKA_BROKERS=host:port.';
  throw new CliFailure(`weir serve: the local Kafka broker did not start.\n${reason}${hint}`);
}

/** The script's own verdict: from its last `kafka start:`/`kafka install:` failure line to the end. */
function reasonOf(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  let from = lines.length - 1;
  while (from > 0 && !/^kafka (start|install): /.test(lines[from]!)) from--;
  return lines.slice(Math.max(from, 0)).join('\n') || '(it printed nothing)';
}
