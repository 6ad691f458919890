/** Runs simulation sessions in-process, the way the worker does, and folds their messages as the page does. */
import { readFileSync, readdirSync } from 'node:fs';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';
import type { CollectorLimits } from '../../web/src/simulation/collector.ts';
import type { WorkerLike } from '../../web/src/simulation/client.ts';
import type { GeneratedInputs, WorkerMessage, WorkerRequest } from '../../web/src/simulation/protocol.ts';
import { applyBatch, applyTail, type NodeResults } from '../../web/src/simulation/results.ts';
import { SimulationSession } from '../../web/src/simulation/session.ts';

export const EXAMPLES_DIR = new URL('../../examples/', import.meta.url);

export function exampleFiles(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.weir.json'))
    .sort();
}

export function readExample(name: string): PipelineDoc {
  return JSON.parse(readFileSync(new URL(name, EXAMPLES_DIR), 'utf8')) as PipelineDoc;
}

export interface SessionRun {
  session: SimulationSession;
  messages: WorkerMessage[];
  /** Results folded from every message so far. */
  results(): NodeResults;
  end(): Extract<WorkerMessage, { type: 'end' }>;
}

/** A clock that moves 1 ms per reading, so batches are cut deterministically. */
function tickingClock(): () => number {
  let t = 0;
  return () => t++;
}

export function startSession(
  doc: PipelineDoc,
  options: { limits?: CollectorLimits; batchMs?: number; generated?: GeneratedInputs } = {},
): SessionRun {
  const messages: WorkerMessage[] = [];
  const session = new SimulationSession(doc, 1, {
    post: (m) => messages.push(structuredClone(m)),
    now: tickingClock(),
    ...options,
  });
  return {
    session,
    messages,
    results() {
      let results: NodeResults = {};
      for (const m of messages) {
        if (m.type === 'batch') results = applyBatch(results, m.batch, options.limits);
        else if (m.type === 'tail') results = applyTail(results, m.nodeId, m.list, m.entries, m.first);
      }
      return results;
    },
    end() {
      const last = [...messages].reverse().find((m) => m.type === 'end');
      if (last?.type !== 'end') throw new Error('the session has not ended');
      return last;
    },
  };
}

/** A worker stand-in that runs the session in-process and answers asynchronously, as a real worker does. */
export function inProcessWorkerFactory(): () => WorkerLike {
  return () => {
    let session: SimulationSession | null = null;
    let terminated = false;
    const worker: WorkerLike = {
      onmessage: null,
      onerror: null,
      postMessage(request: WorkerRequest) {
        queueMicrotask(() => {
          if (terminated) return;
          const post = (message: WorkerMessage) => {
            const copy = structuredClone(message);
            queueMicrotask(() => {
              if (!terminated) worker.onmessage?.({ data: copy } as MessageEvent<WorkerMessage>);
            });
          };
          if (request.type === 'run') {
            session = new SimulationSession(request.pipeline, request.runId, {
              post,
              now: () => performance.now(),
              ...(request.generated ? { generated: request.generated } : {}),
            });
            session.runTo(request.stopAfter);
          } else if (session !== null) {
            session.step();
          }
        });
      },
      terminate() {
        terminated = true;
      },
    };
    return worker;
  };
}

/** Resolves when the store's simulation is no longer running. */
export async function settled(get: () => { simulationStatus: string }): Promise<void> {
  for (let i = 0; i < 1000 && get().simulationStatus === 'running'; i++) await new Promise((r) => setTimeout(r, 1));
  if (get().simulationStatus === 'running') throw new Error('the simulation did not settle');
}
