/**
 * TypeScript's errors in user code as a user meets them in a real browser: a misspelt field typed into the filter
 * of the page-views template is marked on the node with a warning badge, listed under the code field and in the
 * Problems panel with its line and column, and a click on that line brings the node up in the inspector. Fixing
 * the code clears all three. A dropped Filter starts from code typed with the samples' type, not `any`, and a Key by
 * field the samples lack is listed in the Problems panel too.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot } from './support/browser.ts';
import { PATIENCE_MS } from '../patience.ts';
import { documentOf, nodeOnCanvas, openPageViewsTemplate } from './support/simulation-page.ts';
import { openStaticApp, type StaticApp } from './support/static-app.ts';

let app: StaticApp;
let page: Page;

const inspector = () => page.getByRole('complementary', { name: 'Inspector' });
const warningsPanel = () => page.getByRole('tabpanel', { name: 'Problems' }).getByRole('list', { name: 'Warnings' });

async function replaceCode(nodeId: string, code: string): Promise<void> {
  const field = inspector().getByRole('group', { name: `Code of ${nodeId}` });
  await field.locator('.monaco-editor').waitFor({ timeout: PATIENCE_MS });
  await field.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  // Inserted as one edit, as a paste is: Monaco's auto-closing of quotes and brackets does not apply.
  await page.keyboard.insertText(code);
  await expect
    .poll(async () => (await documentOf(page)).nodes.find((n) => n.id === nodeId)?.params.code, {
      timeout: PATIENCE_MS,
    })
    .toEqual([code]);
}

describe('type errors in user code in a real browser', () => {
  beforeAll(async () => {
    app = await openStaticApp();
    page = app.page;
    await openPageViewsTemplate(page);
  });

  afterAll(() => app?.close());

  it('marks a misspelt field on the node, under the code and in the Problems panel, and clears it when fixed', async () => {
    await nodeOnCanvas(page, 'views').click();
    await replaceCode('views', "export default (event: Value) => event.event_typ === 'page_view';");

    const badge = nodeOnCanvas(page, 'views').getByLabel('1 warnings');
    await badge.waitFor({ timeout: PATIENCE_MS });
    await expect(badge.getAttribute('title')).resolves.toContain("Property 'event_typ' does not exist");

    const underField = inspector().getByRole('list', { name: 'Problems in the code of views' });
    await expect
      .poll(() => underField.textContent(), { timeout: PATIENCE_MS })
      .toMatch(/^Type error, line 1, column 40: Property 'event_typ' does not exist on type/);
    await expect(underField.textContent()).resolves.toContain("Did you mean 'event_type'?");
    // Still a valid pipeline: the engine runs JavaScript, and `weir validate` says ok.
    await expect(
      page.evaluate(
        () =>
          (window as unknown as { weir: { store: { getState(): { problems: unknown[] } } } }).weir.store.getState()
            .problems.length,
      ),
    ).resolves.toBe(0);

    const dock = page.getByRole('region', { name: 'Panels' });
    const tab = dock.getByRole('tab', { name: /Problems/ });
    if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
    await expect(dock.getByLabel('1 warnings').textContent()).resolves.toBe('1');
    const line = warningsPanel().getByRole('button', {
      name: /Page views only — nodes\[1\]\.params\.code: type error: line 1, column 40: Property 'event_typ'/,
    });
    await line.waitFor({ timeout: PATIENCE_MS });
    await screenshot(page, 'type-problems-01-misspelt-field');

    // A click on the line brings the node up, from wherever the user was.
    await nodeOnCanvas(page, 'byUser').click();
    await inspector().getByRole('heading', { name: 'byUser' }).waitFor({ timeout: PATIENCE_MS });
    await line.click();
    await inspector().getByRole('heading', { name: 'Page views only' }).waitFor({ timeout: PATIENCE_MS });
    await expect(
      page.evaluate(
        () =>
          (
            window as unknown as { weir: { store: { getState(): { selectedNodeIds: string[] } } } }
          ).weir.store.getState().selectedNodeIds,
      ),
    ).resolves.toEqual(['views']);

    await replaceCode('views', "export default (event: Value) => event.event_type === 'page_view';");
    await badge.waitFor({ state: 'detached', timeout: PATIENCE_MS });
    await underField.waitFor({ state: 'detached', timeout: PATIENCE_MS });
    await expect(dock.getByRole('list', { name: 'Warnings' }).count()).resolves.toBe(0);
  });

  it('starts a dropped Filter from code typed with the samples, and lists a Key by field the samples lack', async () => {
    await page.evaluate(() => {
      const weir = (
        window as unknown as {
          weir: {
            store: {
              getState(): {
                addNode(type: string, at: { x: number; y: number }): string;
                connect(c: object): string | null;
              };
            };
          };
        }
      ).weir;
      const id = weir.store.getState().addNode('filter', { x: 200, y: 420 });
      weir.store.getState().connect({ from: 'events', fromPort: 'out', to: id, toPort: 'in' });
    });
    const added = (await documentOf(page)).nodes.find((n) => n.type === 'filter' && n.id !== 'views')!;
    expect(added.params.code).toEqual([
      'export default (value: Value, ctx: Context): boolean => {',
      '  return true;',
      '};',
    ]);

    await nodeOnCanvas(page, 'byUser').click();
    const field = inspector().getByRole('textbox', { name: 'Field optional', exact: true });
    await field.fill('usr_id', { timeout: PATIENCE_MS });
    await field.press('Tab');
    const line = warningsPanel().getByRole('button', {
      name: /byUser — nodes\[2\]\.params\.field: unknown field: Key by field "usr_id" does not exist/,
    });
    await line.waitFor({ timeout: PATIENCE_MS });
    await expect(nodeOnCanvas(page, 'byUser').getByLabel('1 warnings').count()).resolves.toBe(1);
    await screenshot(page, 'type-problems-02-field-warning-listed');
    await field.fill('user_id');
    await field.press('Tab');
    await line.waitFor({ state: 'detached', timeout: PATIENCE_MS });
  });
});
