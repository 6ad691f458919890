/**
 * A pass-through's process: runs its worker thread (as a deployment's worker runs its Kafka clients) and relays
 * messages both ways over IPC. passthrough.ts starts one per run, so that a client's native addon (librdkafka's is
 * not context-aware) lives and dies with a process of its own, never with the one that measures or tests.
 */
import { Worker } from 'node:worker_threads';

const ENTRY = new URL('../../server/src/deployments/worker-entry.mjs', import.meta.url);

const worker = new Worker(ENTRY, { workerData: JSON.parse(process.argv[2]!), name: 'bench-passthrough' });
worker.on('message', (message) => process.send!(message));
worker.on('error', (err) => process.send!({ type: 'failed', message: err.message }));
worker.on('exit', (code) => process.exit(code));
process.on('message', (message) => worker.postMessage(message));
// The measuring process went away: so does this one.
process.on('disconnect', () => process.exit(0));
