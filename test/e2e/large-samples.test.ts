/**
 * Issue 11, item 7: 100 000 samples are kept in the browser (IndexedDB, not localStorage's few megabytes) and come
 * back after a reload, and the event-time timeline of a run over them draws only what is in view.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';
import { PATIENCE_MS } from '../patience.ts';
import { screenshot } from './support/browser.ts';
import { repoRoot } from './support/build.ts';
import { nodeOnCanvas, storeField, waitForSimulation } from './support/simulation-page.ts';
import { openStaticApp, type StaticApp } from './support/static-app.ts';
import { storedNames } from './support/stored-documents.ts';

const SAMPLES = 100_000;
const REFUSED = /refused to save/;

let app: StaticApp;
let page: Page;

interface WeirWindow {
  weir: {
    store: { getState(): { document: PipelineDoc; loadDocument(doc: PipelineDoc): void } };
    documentsSaved(): Promise<boolean>;
  };
}

/** How many samples the open document's source holds, counted in the page (the document is some 15 MB). */
const sampleCount = () =>
  page.evaluate(() => (window as unknown as WeirWindow).weir.store.getState().document.nodes[0]!.samples?.length ?? 0);

describe('100 000 samples in a real browser', () => {
  beforeAll(async () => {
    app = await openStaticApp();
    page = app.page;
  });

  afterAll(() => app?.close());

  it('saves a document of 100 000 samples without a refusal, and has them all after a reload', async () => {
    await page.evaluate(
      ({ text, count }) => {
        const doc = JSON.parse(text) as { id: string; name: string; nodes: Array<{ samples?: unknown[] }> };
        const users = 5;
        doc.id = 'large-samples';
        doc.name = 'Large samples';
        doc.nodes[0]!.samples = Array.from({ length: count }, (_, i) => ({
          value: { user_id: (i % users) + 1, event_type: 'page_view', page_url: `/p/${i % 97}`, ts: i * 100 },
        }));
        (window as unknown as WeirWindow).weir.store.getState().loadDocument(doc as unknown as PipelineDoc);
      },
      { text: readFileSync(join(repoRoot, 'examples/page-views.weir.json'), 'utf8'), count: SAMPLES },
    );
    await expect.poll(() => storedNames(page), { timeout: PATIENCE_MS }).toEqual(['Large samples']);
    await expect(page.evaluate(() => (window as unknown as WeirWindow).weir.documentsSaved())).resolves.toBe(true);
    expect((await storeField<{ title: string } | null>(page, 'notice'))?.title ?? '').not.toMatch(REFUSED);
    // Far more than localStorage would take (about 5 MB an origin): the reason it refused.
    const stored = await page.evaluate(
      () => JSON.stringify((window as unknown as WeirWindow).weir.store.getState().document).length,
    );
    expect(stored).toBeGreaterThan(5_000_000);
    await expect(page.evaluate(() => localStorage.getItem('weir:pipelines'))).resolves.toBeNull();

    await page.reload();
    await nodeOnCanvas(page, 'events').waitFor({ timeout: PATIENCE_MS });
    await expect(sampleCount()).resolves.toBe(SAMPLES);
    expect(await page.evaluate(() => (window as unknown as WeirWindow).weir.store.getState().document.name)).toBe(
      'Large samples',
    );
  });

  it('draws the timeline of a run over them from the first samples, with a bounded number of marks', async () => {
    await page.getByRole('button', { name: 'Simulate', exact: true }).click();
    expect(await waitForSimulation(page, 10 * PATIENCE_MS)).toBe('done');
    await nodeOnCanvas(page, 'perMinute').click();
    const started = Date.now();
    await page.getByRole('tab', { name: 'Timeline' }).click();
    const timeline = page.getByRole('img', { name: 'Event-time timeline of perMinute' });
    await timeline.waitFor({ timeout: PATIENCE_MS });
    console.log(
      `timeline of ${SAMPLES} samples drawn in ${Date.now() - started} ms (tab click to visible, not asserted)`,
    );

    // Marks: the drawn shapes (each record's tooltip is a <title> inside its circle, not counted).
    const marks = () => timeline.locator('circle, rect, path, line, text').count();
    await expect(marks()).resolves.toBeLessThan(2000);
    await screenshot(page, 'large-samples-01-timeline-start');
    // The first records the run kept (the simulation keeps each node's last 10 000), one by one with their tooltips;
    // the timeline is zoomed in on them, with a bar to scroll through event time.
    const titles = () => timeline.locator('.sim-timeline__record title').allTextContents();
    const times = (list: string[]) => list.map((t) => Number(/^record at (\d+) \(step \d+\)$/.exec(t)![1]));
    const first = times(await titles());
    expect(first.length).toBeGreaterThan(100);
    expect(first.length).toBeLessThanOrEqual(1000);
    expect(first[0]).toBe(Math.min(...first));
    const bar = page.getByLabel('Scroll the timeline of perMinute');
    await expect(bar.evaluate((el) => el.scrollWidth > el.clientWidth)).resolves.toBe(true);
    await expect(timeline.locator('.sim-timeline__pane.is-fired').count()).resolves.toBeGreaterThan(0);

    // Scrolled through event time, the marks drawn are those of a later range.
    await bar.evaluate((el) => {
      el.scrollLeft = el.scrollWidth / 2;
    });
    await expect
      .poll(async () => Math.min(...times(await titles())), { timeout: 20_000 })
      .toBeGreaterThan(Math.max(...first));
    await expect(marks()).resolves.toBeLessThan(2000);

    // The whole range: far too many records to draw one by one, so a dot per pixel on one path per key.
    await page.getByRole('button', { name: 'Whole range' }).click();
    await expect.poll(() => timeline.locator('.sim-timeline__records').count(), { timeout: 20_000 }).toBe(1);
    await expect(timeline.locator('.sim-timeline__record').count()).resolves.toBe(0);
    await expect(marks()).resolves.toBeLessThan(2000);
    await screenshot(page, 'large-samples-02-timeline-whole');
  });
});
