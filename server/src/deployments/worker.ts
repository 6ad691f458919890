/**
 * A deployment's worker thread: runs one `DeploymentRuntime` and reports to the manager. User code never runs on this
 * thread (it runs in the engine's isolate, watched by CPU time: server/src/isolate); heartbeats come from this
 * thread's event loop and tell the manager that the run itself is alive.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DeploymentRuntime } from './runtime.ts';
import type { FromWorker, ToWorker, WorkerData } from './protocol.ts';

const data = workerData as WorkerData;
const port = parentPort!;
const send = (message: FromWorker) => port.postMessage(message);

let finished = false;
const runtime = new DeploymentRuntime(data.config, {
  running: () => send({ type: 'running' }),
  connection: (reconnecting) => send({ type: 'connection', reconnecting }),
  failed: (message, retriable, maxRetryDelayMs) =>
    finish({
      type: 'failed',
      message,
      retriable,
      metrics: safeMetrics(),
      ...(maxRetryDelayMs === undefined ? {} : { maxRetryDelayMs }),
    }),
  log: (level, message, nodeId) => send({ type: 'log', level, message, ...(nodeId === undefined ? {} : { nodeId }) }),
});

function safeMetrics() {
  try {
    return runtime.metrics();
  } catch {
    return null;
  }
}

function finish(message: FromWorker): void {
  if (finished) return;
  finished = true;
  clearInterval(heartbeat);
  clearInterval(metrics);
  send(message);
}

const heartbeat = setInterval(() => send({ type: 'heartbeat' }), data.heartbeatIntervalMs);
const metrics = setInterval(() => {
  const m = safeMetrics();
  if (m) send({ type: 'metrics', metrics: m });
}, data.metricsIntervalMs);

port.on('message', (message: ToWorker) => {
  if (message.type !== 'stop') return;
  runtime.stop(message.savepoint).then(
    () => finish({ type: 'stopped', metrics: safeMetrics() }),
    (err: unknown) =>
      finish({ type: 'stopped', metrics: safeMetrics(), error: err instanceof Error ? err.message : String(err) }),
  );
});

runtime.start().catch((err: unknown) => runtime.fail(err));
