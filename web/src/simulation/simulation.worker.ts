/// <reference lib="webworker" />
/**
 * The simulation worker: runs the shared engine off the page's thread, so a long simulation never freezes the
 * editor. Cancelling is terminating the worker; the page makes a new one for the next run.
 */
import type { NodeTails, RecordEntry, WorkerMessage, WorkerRequest } from './protocol.ts';
import { SimulationSession } from './session.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let session: SimulationSession | null = null;

function post(message: WorkerMessage): void {
  try {
    scope.postMessage(message);
  } catch {
    scope.postMessage(cloneable(message));
  }
}

/**
 * A UDF may put something that cannot be cloned (a function, a symbol) into a value. Record values and error inputs
 * are meant to be JSON, so they go through JSON; watermarks (which may be ±Infinity) are left alone.
 */
function cloneable(message: WorkerMessage): WorkerMessage {
  const fixRecords = (records: RecordEntry[]) => records.map((r) => ({ ...r, value: asJson(r.value) }));
  const fixTails = (t: Pick<NodeTails, 'records' | 'errors'>) => ({ records: fixRecords(t.records), errors: t.errors.map((e) => ({ ...e, input: asJson(e.input) })) });
  if (message.type === 'batch') {
    const nodes = Object.fromEntries(Object.entries(message.batch.nodes).map(([id, d]) => [id, { ...d, ...fixTails(d) }]));
    return { ...message, batch: { ...message.batch, nodes } };
  }
  if (message.type === 'tails') return { ...message, tails: { ...message.tails, ...fixTails(message.tails) } };
  return { ...message, ...(message.failure ? { failure: { ...message.failure, input: asJson(message.failure.input) } } : {}) };
}

function asJson(value: unknown): unknown {
  try {
    const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'function' ? `[function ${v.name || 'anonymous'}]` : typeof v === 'symbol' ? String(v) : v));
    return text === undefined ? null : JSON.parse(text);
  } catch {
    return String(value);
  }
}

scope.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if (request.type === 'run') {
    session = new SimulationSession(request.pipeline, request.runId, { post, now: () => performance.now(), ...(request.generated ? { generated: request.generated } : {}) });
    session.runTo(request.stopAfter);
  } else if (request.type === 'step' && session !== null && session.runId === request.runId) {
    session.step();
  }
};
