import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Page } from 'playwright-core';
import { PATIENCE_MS } from '../patience.ts';
import { screenshot } from './support/browser.ts';
import { openStaticApp, type StaticApp } from './support/static-app.ts';
import {
  connect,
  documentOf,
  dropOperator,
  nodeOnCanvas,
  portHandle,
  storeField,
  waitForSimulation,
} from './support/simulation-page.ts';

let app: StaticApp;
let page: Page;
/** Requests that left the app's own origin: Monaco and its workers must come bundled, never from a CDN. */
const foreignRequests: string[] = [];

const node = (id: string) => nodeOnCanvas(page, id);
const handle = (label: string) => portHandle(page, label);
const inspector = () => page.getByRole('complementary', { name: 'Inspector' });

/**
 * Page views with a 5 s bound on out-of-orderness (SPEC §2: watermark = max event time − 5000 − 1). The record at
 * 66000 moves the watermark to 60999, past 59999, so the minute [0, 60000) fires for users 1 and 2; the record of
 * user 3 at 55000 typed after it belongs to that fired minute and goes out of the late port.
 */
const SAMPLES = [
  { value: { user_id: 1, event_type: 'page_view', ts: 1000 } },
  { value: { user_id: 2, event_type: 'page_view', ts: 2500 } },
  { value: { user_id: 1, event_type: 'click', ts: 3000 } },
  { value: { user_id: 1, event_type: 'page_view', ts: 15000 } },
  { value: { user_id: 2, event_type: 'page_view', ts: 59000 } },
  { value: { user_id: 1, event_type: 'page_view', ts: 62000 } },
  { value: { user_id: 2, event_type: 'page_view', ts: 66000 } },
];
const LATE = { user_id: 3, event_type: 'page_view', ts: 55000 };
const CODE = "export default (e: Value) => e.event_type === 'page_view';";

describe('simulation in a real browser', () => {
  beforeAll(async () => {
    app = await openStaticApp((opened, url) => {
      opened.on('request', (request) => {
        if (!request.url().startsWith(url) && !request.url().startsWith('blob:') && !request.url().startsWith('data:'))
          foreignRequests.push(request.url());
      });
    });
    page = app.page;
  });

  afterAll(() => app?.close());

  it('builds the page-views pipeline from an empty canvas by dragging operators and connecting ports', async () => {
    await dropOperator(page, 'Kafka source', 90, 70);
    await node('source1').waitFor();
    await dropOperator(page, 'Filter', 330, 70);
    await dropOperator(page, 'Key by', 570, 70);
    await dropOperator(page, 'Window', 90, 250);
    await dropOperator(page, 'Kafka sink', 400, 220);
    await dropOperator(page, 'Kafka sink', 400, 370);
    await node('sink2').waitFor();
    await connect(page, handle('source1 out'), handle('filter1 in'));
    await connect(page, handle('filter1 out'), handle('keyBy1 in'));
    await connect(page, handle('keyBy1 out'), handle('window1 in'));
    await connect(page, handle('window1 out'), handle('sink1 in'));
    await connect(page, handle('window1 late'), handle('sink2 in'));
    expect((await documentOf(page)).edges).toEqual([
      { from: 'source1', to: 'filter1' },
      { from: 'filter1', to: 'keyBy1' },
      { from: 'keyBy1', to: 'window1' },
      { from: 'window1', to: 'sink1' },
      { from: 'window1', fromPort: 'late', to: 'sink2' },
    ]);
  });

  it('sets the params in the inspector: event time from a field, a 5 s bound, key, a one-minute count window, topics', async () => {
    await node('source1').click();
    await inspector().getByLabel('Topic', { exact: true }).fill('user_events');
    await inspector().getByLabel('Event time', { exact: true }).selectOption('field');
    await inspector().getByLabel('Field', { exact: true }).fill('ts');
    await inspector()
      .getByLabel(/^Max out-of-orderness/)
      .fill('5s');
    await inspector()
      .getByLabel(/^Max out-of-orderness/)
      .blur();
    await node('keyBy1').click();
    await inspector()
      .getByLabel(/^Field/)
      .fill('user_id');
    await node('window1').click();
    await inspector().getByLabel('Windows', { exact: true }).selectOption('tumbling');
    await inspector().getByLabel('Size', { exact: true }).fill('1m');
    await inspector().getByLabel('Size', { exact: true }).blur();
    await inspector().getByLabel('Aggregate', { exact: true }).selectOption('count');
    for (const [sink, topic] of [
      ['sink1', 'page_view_counts'],
      ['sink2', 'late_page_views'],
    ] as const) {
      await node(sink).click();
      await inspector().getByLabel('Topic', { exact: true }).fill(topic);
    }
    const doc = await documentOf(page);
    expect(doc.nodes[0]!.params).toMatchObject({
      topic: 'user_events',
      timestamp: { from: 'field', field: 'ts' },
      watermark: { strategy: 'bounded', maxOutOfOrdernessMs: 5000 },
    });
    expect(doc.nodes[3]!.params).toMatchObject({
      assigner: { kind: 'tumbling', sizeMs: 60000 },
      aggregate: { kind: 'count' },
    });
  });

  it('adds samples as JSON and a late record in the table', async () => {
    await node('source1').click();
    await page.getByRole('tab', { name: /^Samples/ }).click();
    const panel = page.getByRole('region', { name: 'Samples of source1' });
    await panel.getByRole('tab', { name: 'JSON' }).click();
    await panel.getByLabel('Samples of source1 as JSON').fill(JSON.stringify(SAMPLES, null, 1));
    await panel.getByRole('button', { name: 'Apply' }).click();
    await panel.getByRole('tab', { name: 'Table' }).click();
    await panel.getByRole('button', { name: '+ Record' }).click();
    await panel.getByLabel('Value of sample 8', { exact: true }).fill(JSON.stringify(LATE));
    await panel.getByLabel('Value of sample 8', { exact: true }).blur();
    const samples = (await documentOf(page)).nodes[0]!.samples!;
    expect(samples).toHaveLength(8);
    expect(samples[7]).toEqual({ value: LATE });
    await expect(panel.getByRole('row', { name: 'Sample 8' }).count()).resolves.toBe(1);
    await screenshot(page, 'simulation-01-samples');
  });

  it('types the filter in Monaco, which knows the fields of the samples', async () => {
    await node('filter1').click();
    const field = inspector().getByRole('group', { name: 'Code of filter1' });
    await field.locator('.monaco-editor').waitFor({ timeout: PATIENCE_MS });
    await field.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await page.keyboard.type('export default (e: Value) => e.');
    const suggestions = page.locator('.suggest-widget');
    await suggestions.getByText('event_type').first().waitFor({ timeout: PATIENCE_MS });
    const offered = await suggestions.locator('.monaco-list-row').allTextContents();
    expect(offered.join(' ')).toContain('user_id');
    await page.keyboard.type("event_type === 'page_view';");
    await page.keyboard.press('Escape');
    await expect
      .poll(async () => (await documentOf(page)).nodes[1]!.params.code, { timeout: PATIENCE_MS })
      .toEqual([CODE]);
    await expect(inspector().getByRole('list', { name: 'Problems in the code of filter1' }).count()).resolves.toBe(0);
    await screenshot(page, 'simulation-02-code');
  });

  it('underlines a syntax error in the code and lists it with its line and column', async () => {
    const field = inspector().getByRole('group', { name: 'Code of filter1' });
    await field.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('End');
    await page.keyboard.type(' +');
    const problems = inspector().getByRole('list', { name: 'Problems in the code of filter1' });
    await expect.poll(() => problems.textContent(), { timeout: PATIENCE_MS }).toMatch(/^line 1, column \d+: /);
    await field.locator('.squiggly-error').first().waitFor({ timeout: PATIENCE_MS });
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await expect
      .poll(async () => (await documentOf(page)).nodes[1]!.params.code, { timeout: PATIENCE_MS })
      .toEqual([CODE]);
  });

  it('simulates, counting page views per user and minute, and shows the late record in the window’s output', async () => {
    await page.getByRole('button', { name: 'Simulate', exact: true }).click();
    expect(await waitForSimulation(page)).toBe('done');
    expect(await page.getByRole('tab', { name: 'Simulation' }).getAttribute('aria-selected')).toBe('true');
    await page.getByRole('tabpanel', { name: 'Simulation' }).waitFor({ timeout: PATIENCE_MS });
    await expect(storeField(page, 'portCounts')).resolves.toMatchObject({
      source1: { out: 8 },
      filter1: { out: 7 },
      window1: { out: 4, late: 1 },
    });
    const written = await page.evaluate(() => window.__weirBench!.sinkOutputs());
    const minute = (key: number, start: number, result: number) => ({
      sink: 'sink1',
      key,
      value: { key, window: { start, end: start + 60000 }, result },
      timestamp: start + 59999,
    });
    expect(written).toEqual([
      minute(1, 0, 2),
      minute(2, 0, 2),
      { sink: 'sink2', key: 3, value: LATE, timestamp: 55000 },
      minute(1, 60000, 1),
      minute(2, 60000, 1),
    ]);

    await node('window1').click();
    const output = page.getByRole('table', { name: 'Output records of window1' });
    await output.waitFor();
    const rows = await output.getByRole('row').allTextContents();
    expect(rows.filter((r) => r.includes('late'))).toEqual([expect.stringContaining('55000')]);
    // Window results show as window, key, timestamp and result: four of them, each with its minute.
    expect(rows.filter((r) => /\d\d:\d\d:\d\d\.\d{3} – \d\d:\d\d:\d\d\.\d{3}/.test(r))).toHaveLength(4);
    await page.getByLabel('Port filter').selectOption('late');
    await expect(output.getByRole('row').count()).resolves.toBe(2);
    await screenshot(page, 'simulation-03-window-output');
    await page.getByLabel('Port filter').selectOption('');
  });

  it('draws the window panes, their firings, the watermark and the late record on an event-time timeline', async () => {
    await page.getByRole('tab', { name: 'Timeline' }).click();
    const timeline = page.getByRole('img', { name: 'Event-time timeline of window1' });
    await timeline.waitFor();
    await expect(timeline.locator('.sim-timeline__pane').count()).resolves.toBe(4);
    await expect(timeline.locator('.sim-timeline__pane.is-fired').count()).resolves.toBe(4);
    await expect(timeline.locator('.sim-timeline__late').count()).resolves.toBe(1);
    await expect(timeline.locator('.sim-timeline__record').count()).resolves.toBe(7);
    await screenshot(page, 'simulation-04-timeline');
  });

  it('steps through the samples one at a time and back', async () => {
    await page.getByRole('button', { name: 'Step forward' }).click();
    await waitForSimulation(page);
    await expect(storeField(page, 'simulationStep')).resolves.toBe(1);
    for (let i = 0; i < 6; i++) {
      await page.getByRole('button', { name: 'Step forward' }).click();
      await waitForSimulation(page);
    }
    // After the 7th sample (ts 66000) the first minute has fired; nothing is late yet.
    await expect(storeField(page, 'portCounts')).resolves.toMatchObject({ window1: { out: 2 } });
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await screenshot(page, 'simulation-05-step-7');
    await page.getByRole('button', { name: 'Step back' }).click();
    await waitForSimulation(page);
    await expect(storeField(page, 'simulationStep')).resolves.toBe(6);
    const counts = await storeField<Record<string, Record<string, number>>>(page, 'portCounts');
    expect(counts.window1!.out ?? 0).toBe(0);
    await page.getByRole('tab', { name: 'State' }).click();
    await page.getByRole('table', { name: 'State of window1 per key' }).waitFor();
    await screenshot(page, 'simulation-06-state');
  });

  it('shows an error on its node and in the panel with the offending record', async () => {
    await node('filter1').click();
    await inspector().getByLabel('On error', { exact: true }).selectOption('skip');
    const field = inspector().getByRole('group', { name: 'Code of filter1' });
    await field.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.type(
      'export default (e: Value) => { if (e.user_id === 3) throw new Error("no user 3"); return true; }',
    );
    await expect
      .poll(async () => (await documentOf(page)).nodes[1]!.params.code, { timeout: PATIENCE_MS })
      .toEqual([expect.stringContaining('no user 3')]);
    await page.getByRole('button', { name: 'Simulate', exact: true }).click();
    expect(await waitForSimulation(page)).toBe('done');
    await expect(node('filter1').locator('.badge--error').textContent()).resolves.toContain('1');
    await page.getByRole('tab', { name: /^Errors/ }).click();
    const errors = page.getByRole('list', { name: 'Errors of filter1' });
    await expect(errors.textContent()).resolves.toContain('no user 3');
    await expect(errors.textContent()).resolves.toContain('"ts":55000');
    await screenshot(page, 'simulation-07-errors');
  });

  it('runs a million generated events in the worker while the page stays responsive', async () => {
    const result = await page.evaluate(() => window.__weirBench!.run({ events: 1_000_000, sourceId: 'source1' }));
    expect(result.status).toBe('done');
    expect(result.events).toBe(1_000_000);
    expect(result.sinkRecords).toBeGreaterThan(0);
    // How responsive the page stayed is measured by `npm run bench` (weir-browser); here it only has to finish.
    console.log(
      `1M events: ${result.eventsPerSecond.toLocaleString('en-US')} events/s, longest main-thread task ${Math.round(result.longestTaskMs)} ms, longest frame gap ${Math.round(result.longestFrameGapMs)} ms`,
    );
    await screenshot(page, 'simulation-08-million');
  });

  it('threw no errors in the page and fetched nothing from outside its origin', () => {
    expect(app.errors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
