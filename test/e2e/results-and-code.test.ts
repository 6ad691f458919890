/**
 * Issue 11, items 9 and 10, as a user sees them in Chromium: a window node's output table shows each window result
 * as its window, key and whole result; a code field opens full size on the same Monaco model (same types, squiggles
 * and undo), and comes back with the edit and the focus; the inspector widens by dragging its edge.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { PATIENCE_MS } from '../patience.ts';
import { compactJson } from '../../web/src/simulation/views/window-results.ts';
import { screenshot } from './support/browser.ts';
import { openStaticApp, type StaticApp } from './support/static-app.ts';
import { documentOf, nodeOnCanvas, waitForSimulation } from './support/simulation-page.ts';

let app: StaticApp;
let page: Page;

const WINDOW = 'perMinute';
const node = (id: string) => nodeOnCanvas(page, id);
const inspector = () => page.getByRole('complementary', { name: 'Inspector' });
const codeField = () => inspector().getByRole('group', { name: `Code of ${WINDOW}` });
const dialog = () => page.getByRole('dialog', { name: `Code of ${WINDOW}, full size` });
const outputTable = () => page.getByRole('table', { name: `Output records of ${WINDOW}` });

/** The window function's code as the document holds it (one string per line). */
async function windowCode(): Promise<string> {
  const doc = await documentOf(page);
  const aggregate = doc.nodes.find((n) => n.id === WINDOW)!.params.aggregate as { code?: string | string[] };
  return Array.isArray(aggregate.code) ? aggregate.code.join('\n') : (aggregate.code ?? '');
}

/** The text a Monaco editor shows (it renders spaces as no-break spaces). */
async function shownCode(editor: Locator): Promise<string> {
  return ((await editor.locator('.view-lines').textContent()) ?? '').replace(/\u00a0/g, ' ');
}

/** Whether the keyboard focus is inside the element `selector` matches (Monaco's input is a hidden element in it). */
function focusInside(selector: string): Promise<boolean> {
  return page.evaluate((s) => document.activeElement?.closest(s) != null, selector);
}

async function simulate(): Promise<void> {
  await page.getByRole('button', { name: 'Simulate', exact: true }).click();
  expect(await waitForSimulation(page)).toBe('done');
}

/** The cells of the output table's rows, header first. */
async function tableCells(): Promise<string[][]> {
  return outputTable()
    .getByRole('row')
    .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('th, td')].map((c) => c.textContent ?? '')));
}

/** A type error (a number is not a string) and a result far longer than a table line: both must survive the trip. */
const TYPE_ERROR = 'export default (values: Value[]) => { const n: string = values.length; return n; };';
const LONG_RESULT = [
  'const describe = (v: Value) => ({ type: v.event_type, url: v.page_url, at: v.ts, note: `user ${v.user_id} viewed ${v.page_url}` });',
  'export default (values: Value[], ctx: WindowContext) => ({ views: values.length, pages: values.map((v) => v.page_url), events: values.map(describe) });',
].join('\n');

describe('window results and the full-size code editor in a real browser', () => {
  beforeAll(async () => {
    app = await openStaticApp();
    page = app.page;
    await app.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
  });

  afterAll(() => app?.close());

  it('opens the page-views template and simulates it', async () => {
    await page
      .getByRole('region', { name: 'Getting started' })
      .getByRole('button', { name: /Page views per user per minute/ })
      .click();
    await node(WINDOW).waitFor();
    await simulate();
  });

  it('shows the window node’s output as window, key, timestamp and result columns', async () => {
    await node(WINDOW).click();
    await outputTable().waitFor();
    const [header, ...rows] = await tableCells();
    expect(header).toEqual(['step', 'port', 'window', 'key', 'timestamp', 'result']);
    // Three users in the first minute, three in the second, and the late record of user 3 (not a window result).
    expect(rows).toContainEqual([expect.any(String), 'out', '00:00:00.000 – 00:01:00.000', '2', '59999', '3']);
    expect(rows).toContainEqual([expect.any(String), 'out', '00:01:00.000 – 00:02:00.000', '1', '119999', '2']);
    const late = rows.filter((r) => r[1] === 'late');
    expect(late).toEqual([[expect.any(String), 'late', '—', '3', '55000', expect.stringContaining('"ts":55000')]]);
    await expect(
      outputTable().getByRole('cell', { name: '00:00:00.000 – 00:01:00.000' }).first().getAttribute('title'),
    ).resolves.toMatch(/\[0, 60000\)/);
    await screenshot(page, 'results-01-window-columns');
  });

  it('shows what the sinks wrote the same way in the overview', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    const written = page.getByRole('table', { name: 'Records written to sinks' });
    await written.waitFor();
    const headers = await written.getByRole('columnheader').allTextContents();
    expect(headers).toEqual(['step', 'sink', 'window', 'key', 'timestamp', 'result']);
    await expect(written.getByRole('cell', { name: '00:01:00.000 – 00:02:00.000' }).count()).resolves.toBe(3);
    await screenshot(page, 'results-01b-overview');
  });

  it('keeps the plain value column for outputs that are not window results', async () => {
    await node('views').click();
    const table = page.getByRole('table', { name: 'Output records of views' });
    await table.waitFor();
    const headers = await table.getByRole('columnheader').allTextContents();
    expect(headers).toEqual(['step', 'port', 'key', 'timestamp', 'value']);
  });

  it('opens the window function full size, where Monaco knows the same types and underlines a type error', async () => {
    await node(WINDOW).click();
    await inspector().getByLabel('Aggregate', { exact: true }).selectOption('process');
    await codeField().locator('.monaco-editor').waitFor({ timeout: PATIENCE_MS });
    const expand = inspector().getByRole('button', { name: 'Expand' });
    await expect(expand.getAttribute('title')).resolves.toContain('Ctrl+Shift+E');
    await expand.click();
    await dialog().locator('.monaco-editor').waitFor({ timeout: PATIENCE_MS });
    // Most of the window, not a 320 px column.
    const box = (await dialog().boundingBox())!;
    expect(box.width).toBeGreaterThan(1200);
    expect(box.height).toBeGreaterThan(700);
    await expect.poll(() => focusInside('dialog .monaco-editor'), { timeout: PATIENCE_MS }).toBe(true);

    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await page.keyboard.type('export default (values: Value[]) => values[0].');
    const suggestions = dialog().locator('.suggest-widget');
    await suggestions.getByText('page_url').first().waitFor({ timeout: PATIENCE_MS });
    const offered = (await suggestions.locator('.monaco-list-row').allTextContents()).join(' ');
    expect(offered).toContain('event_type');
    // Escape closes the suggestions: Monaco used the key, so the dialog stays open.
    await page.keyboard.press('Escape');
    await expect(suggestions.isVisible()).resolves.toBe(false);
    await expect(dialog().count()).resolves.toBe(1);

    await page.keyboard.press('Control+a');
    await page.keyboard.insertText(TYPE_ERROR);
    await dialog().locator('.squiggly-error').first().waitFor({ timeout: PATIENCE_MS });
    await expect.poll(windowCode, { timeout: PATIENCE_MS }).toBe(TYPE_ERROR);
    // The error is listed below the editor too, as a warning of the pipeline (from the background type check).
    const listed = dialog().getByRole('list', { name: `Problems in the code of ${WINDOW} (full size)` });
    await expect
      .poll(() => listed.textContent(), { timeout: PATIENCE_MS })
      .toMatch(/Type error, line 1, column \d+: Type 'number' is not assignable to type 'string'\. \(TS2322\)/);
    // Hovering the squiggle shows TypeScript's message (the squiggle itself lies under the text layer).
    // On a busy machine the editor may still be laying out when the pointer arrives: point again until it answers.
    const message = page
      .locator('.monaco-hover')
      .getByText(/Type 'number' is not assignable to type 'string'/)
      .first();
    const hoverShows = async () => {
      const squiggle = (await dialog().locator('.squiggly-error').first().boundingBox())!;
      await page.mouse.move(0, 0);
      await page.mouse.move(squiggle.x + squiggle.width / 2, squiggle.y + squiggle.height / 2);
      return message.waitFor({ timeout: 3000 }).then(
        () => true,
        () => false,
      );
    };
    await expect.poll(hoverShows, { timeout: PATIENCE_MS }).toBe(true);
    await screenshot(page, 'results-02-full-size-type-error');
  });

  it('closes with Escape, back to the field with the edit, the squiggle and the focus', async () => {
    await page.mouse.move(5, 5);
    await dialog().locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Escape');
    await expect(dialog().count()).resolves.toBe(0);
    await expect
      .poll(() => focusInside(`fieldset[aria-label="Code of ${WINDOW}"]`), { timeout: PATIENCE_MS })
      .toBe(true);
    await expect
      .poll(() => shownCode(codeField()), { timeout: PATIENCE_MS })
      .toContain('const n: string = values.length;');
    await codeField().locator('.squiggly-error').first().waitFor({ timeout: PATIENCE_MS });
    await screenshot(page, 'results-03-back-in-the-field');
  });

  it('opens again from the keyboard, edits there, and the field’s undo takes the edit back', async () => {
    await page.keyboard.press('Control+Shift+E');
    await dialog().locator('.monaco-editor').waitFor({ timeout: PATIENCE_MS });
    await expect.poll(() => focusInside('dialog .monaco-editor'), { timeout: PATIENCE_MS }).toBe(true);
    // Pasted, as one would bring in code written elsewhere: one edit, one undo stop.
    await page.evaluate((text) => navigator.clipboard.writeText(text), LONG_RESULT);
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Control+v');
    await expect.poll(windowCode, { timeout: PATIENCE_MS }).toBe(LONG_RESULT);
    await expect.poll(() => dialog().locator('.squiggly-error').count(), { timeout: PATIENCE_MS }).toBe(0);
    await dialog().getByRole('button', { name: 'Close' }).click();
    await expect(dialog().count()).resolves.toBe(0);
    await expect
      .poll(() => focusInside(`fieldset[aria-label="Code of ${WINDOW}"]`), { timeout: PATIENCE_MS })
      .toBe(true);
    await expect.poll(() => shownCode(codeField()), { timeout: PATIENCE_MS }).toContain('pages: values.map');

    // One model, one undo history: undo in the field takes back the paste made full size, redo brings it back.
    await page.keyboard.press('Control+z');
    await expect.poll(windowCode, { timeout: PATIENCE_MS }).toBe(TYPE_ERROR);
    await page.keyboard.press('Control+y');
    await expect.poll(windowCode, { timeout: PATIENCE_MS }).toBe(LONG_RESULT);
  });

  it('shows the window function’s long result complete in the result column', async () => {
    await simulate();
    await node(WINDOW).click();
    await outputTable().waitFor();
    const written = await page.evaluate(() => window.__weirBench!.sinkOutputs());
    const results = written
      .filter((w) => w.sink === 'page_view_counts')
      .map((w) => w.value as { key: number; window: { start: number }; result: unknown });
    const user2 = results.find((r) => r.key === 2 && r.window.start === 0)!;
    const expected = compactJson(user2.result);
    expect(expected.length).toBeGreaterThan(300);
    const rows = (await tableCells()).slice(1);
    const row = rows.find((r) => r[2] === '00:00:00.000 – 00:01:00.000' && r[3] === '2')!;
    expect(row[5]).toBe(expected);
    expect(row[5]).not.toContain('…');
    // It wraps: the row grows to show it all, and the rows below move down instead of overlapping it.
    const cell = outputTable().getByRole('cell', { name: expected, exact: true });
    const cellBox = (await cell.boundingBox())!;
    expect(cellBox.height).toBeGreaterThan(40);
    const rowBoxes = await outputTable()
      .getByRole('row')
      .evaluateAll((els) =>
        els
          .slice(1)
          .map((e) => e.getBoundingClientRect())
          .map((r) => ({ top: r.top, bottom: r.bottom }))
          .sort((a, b) => a.top - b.top),
      );
    for (let i = 1; i < rowBoxes.length; i++)
      expect(rowBoxes[i]!.top).toBeGreaterThanOrEqual(rowBoxes[i - 1]!.bottom - 1);
    await screenshot(page, 'results-04-long-result');
  });

  it('widens the inspector by dragging its edge, and keeps the width after a reload', async () => {
    const aside = page.locator('aside.inspector');
    const before = (await aside.boundingBox())!;
    const edge = (await inspector().getByRole('separator', { name: 'Inspector width' }).boundingBox())!;
    await page.mouse.move(edge.x + edge.width / 2, edge.y + 200);
    await page.mouse.down();
    await page.mouse.move(edge.x + edge.width / 2 - 120, edge.y + 200, { steps: 6 });
    await page.mouse.move(edge.x + edge.width / 2 - 240, edge.y + 200, { steps: 6 });
    await page.mouse.up();
    const after = (await aside.boundingBox())!;
    expect(after.width).toBeGreaterThan(before.width + 200);
    expect(after.x + after.width).toBeCloseTo(before.x + before.width, 0);
    await screenshot(page, 'results-05-wide-inspector');
    await page.reload();
    await node(WINDOW).waitFor();
    await expect
      .poll(async () => (await aside.boundingBox())!.width, { timeout: PATIENCE_MS })
      .toBeCloseTo(after.width, 0);
  });

  it('threw no errors in the page', () => {
    expect(app.errors).toEqual([]);
  });
});
