/// <reference lib="webworker" />
/**
 * The simulation worker: runs the shared engine off the page's thread, so a long simulation never freezes the
 * editor. Cancelling is terminating the worker; the page makes a new one for the next run.
 */
import type { WorkerMessage, WorkerRequest } from './protocol.ts';
import { SimulationSession } from './session.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let session: SimulationSession | null = null;
// Values and inputs travel as JSON text and keys are scalars, so every message can be cloned as it is.
const post = (message: WorkerMessage) => scope.postMessage(message);

scope.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if (request.type === 'run') {
    session = new SimulationSession(request.pipeline, request.runId, {
      post,
      now: () => performance.now(),
      ...(request.generated ? { generated: request.generated } : {}),
    });
    session.runTo(request.stopAfter);
  } else if (request.type === 'step' && session !== null && session.runId === request.runId) {
    session.step();
  }
};
