/**
 * `window.__weirBench`: a measurable path for the browser benchmark and the end-to-end tests. It runs the current
 * pipeline in the simulation worker on generated events (nothing is added to the document) and reports throughput
 * together with what the page's main thread went through meanwhile: its longest task (PerformanceObserver
 * `longtask`) and its longest gap between animation frames.
 */
import type { StoreApi } from 'zustand';
import { nodesWithRole } from '../../../shared/operators/registry.ts';
import type { WeirState } from '../store/index.ts';
import { SINK_PORT } from './protocol.ts';
import { sinkOutputs, type SinkRecord } from './results.ts';

export const PAGE_VIEWS_TEMPLATE =
  '{ "user_id": "int(1,1000)", "event_type": "pick(page_view,page_view,click,purchase)", "ts": "seq(0, 10, 2000)" }';

export interface BenchOptions {
  events?: number;
  /** The source to feed; the document's first source when left out. */
  sourceId?: string;
  template?: string;
  seed?: number;
}

export interface BenchResult {
  status: string;
  events: number;
  /** From pressing run to the end message, measured on the page. */
  elapsedMs: number;
  /** As the worker measured it (validation, generation, simulation). */
  workerMs: number | null;
  eventsPerSecond: number;
  longestTaskMs: number;
  longTasks: number;
  longestFrameGapMs: number;
  sinkRecords: number;
}

export interface WeirBench {
  run(options?: BenchOptions): Promise<BenchResult>;
  /** What the sinks wrote in the last run, in emission order (as `weir simulate` prints it). */
  sinkOutputs(): SinkRecord[];
  status(): string;
}

declare global {
  interface Window {
    __weirBench?: WeirBench;
  }
}

function settled(store: StoreApi<WeirState>): Promise<void> {
  return new Promise((resolve) => {
    const check = (s: WeirState) => s.simulationStatus !== 'running';
    if (check(store.getState())) return resolve();
    const unsubscribe = store.subscribe((s) => {
      if (check(s)) {
        unsubscribe();
        resolve();
      }
    });
  });
}

export function installBenchHook(store: StoreApi<WeirState>): void {
  window.__weirBench = {
    async run(options = {}) {
      const state = store.getState();
      const sourceId = options.sourceId ?? nodesWithRole(state.document.nodes, 'source')[0]?.id;
      if (sourceId === undefined) throw new Error('the pipeline has no source to feed');
      const events = options.events ?? 1_000_000;
      let longestTaskMs = 0;
      let longTasks = 0;
      const observer =
        typeof PerformanceObserver !== 'undefined' && PerformanceObserver.supportedEntryTypes?.includes('longtask')
          ? new PerformanceObserver((list) => {
              for (const entry of list.getEntries()) {
                longTasks++;
                longestTaskMs = Math.max(longestTaskMs, entry.duration);
              }
            })
          : null;
      observer?.observe({ type: 'longtask' });
      let longestFrameGapMs = 0;
      let lastFrame = performance.now();
      let frames = true;
      const onFrame = (t: number) => {
        longestFrameGapMs = Math.max(longestFrameGapMs, t - lastFrame);
        lastFrame = t;
        if (frames) requestAnimationFrame(onFrame);
      };
      requestAnimationFrame(onFrame);

      const started = performance.now();
      state.runSimulation({
        generated: {
          [sourceId]: { template: options.template ?? PAGE_VIEWS_TEMPLATE, count: events, seed: options.seed ?? 1 },
        },
      });
      await settled(store);
      const elapsedMs = performance.now() - started;
      // Let the observer deliver the entries of the last tasks before reading them.
      await new Promise((resolve) => setTimeout(resolve, 100));
      frames = false;
      observer?.disconnect();
      const end = store.getState();
      return {
        status: end.simulationStatus,
        events,
        elapsedMs,
        workerMs: end.simulationElapsedMs,
        eventsPerSecond: Math.round((events / elapsedMs) * 1000),
        longestTaskMs,
        longTasks,
        longestFrameGapMs,
        sinkRecords: Object.values(end.nodeResults).reduce((n, r) => n + (r.counts[SINK_PORT] ?? 0), 0),
      };
    },
    sinkOutputs() {
      const s = store.getState();
      return sinkOutputs(s.simulatedDocument ?? s.document, s.nodeResults);
    },
    status() {
      return store.getState().simulationStatus;
    },
  };
}
