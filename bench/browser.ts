/**
 * The simulation as a user runs it: the built editor in headless Chromium, the tumbling-count job imported as a
 * file, and generated page-view events fed to it in the simulation worker through `window.__weirBench`
 * (web/src/simulation/bench.ts). Besides throughput it reports the longest task the page's main thread ran
 * meanwhile, which is what decides whether the editor stays responsive during a large simulation.
 */
import { fileURLToPath } from 'node:url';
import { launchBrowser, openApp } from '../test/e2e/support/browser.ts';
import { ensureBuilt } from '../test/e2e/support/build.ts';
import { serveDist } from '../test/e2e/support/server.ts';
import type { Measurement, RunOptions, Workload } from './measurement.ts';

export const BROWSER_FULL_EVENTS = 1_000_000;
export const BROWSER_QUICK_EVENTS = 100_000;
const PIPELINE = fileURLToPath(new URL('./workloads/tumbling-count.weir.json', import.meta.url));
const SOURCE_ID = 'events';
const PIPELINE_ID = 'bench-tumbling-count';

interface StoreWindow {
  weir: { store: { getState(): { document: { id: string } } } };
}

export const browserWorkload: Workload = {
  workload: 'tumbling-count',
  system: 'weir-browser',
  description:
    'bench/workloads/tumbling-count.weir.json simulated in the editor in headless Chromium on generated page views; events/s and the longest main-thread task',
  async run(options: RunOptions): Promise<Measurement> {
    const events = options.quick ? BROWSER_QUICK_EVENTS : BROWSER_FULL_EVENTS;
    ensureBuilt();
    const server = await serveDist();
    const browser = await launchBrowser().catch(async (err: unknown) => {
      await server.close();
      throw err;
    });
    try {
      const { page, errors } = await openApp(browser, server.url);
      await page.getByLabel('Pipeline file').setInputFiles(PIPELINE);
      await page.waitForFunction(
        (id) => (window as unknown as StoreWindow).weir.store.getState().document.id === id,
        PIPELINE_ID,
      );
      const result = await page.evaluate(([n, sourceId]) => window.__weirBench!.run({ events: n, sourceId }), [
        events,
        SOURCE_ID,
      ] as const);
      if (result.status !== 'done')
        throw new Error(
          `weir-browser tumbling-count: the simulation ended ${result.status}${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`,
        );
      return {
        workload: this.workload,
        system: this.system,
        eventsPerSec: result.eventsPerSecond,
        longestTaskMs: Math.round(result.longestTaskMs),
        events,
        outputs: result.sinkRecords,
        notes: [
          `${events.toLocaleString('en')} generated events, one run; worker ${result.workerMs === null ? '?' : Math.round(result.workerMs)} ms of ${Math.round(result.elapsedMs)} ms on the page`,
          `main thread: longest task ${Math.round(result.longestTaskMs)} ms (${result.longTasks} long tasks; Chromium reports only tasks over 50 ms, so 0 means none), longest gap between frames ${Math.round(result.longestFrameGapMs)} ms; ${result.sinkRecords.toLocaleString('en')} outputs`,
        ],
      };
    } finally {
      await browser.close();
      await server.close();
    }
  },
};
