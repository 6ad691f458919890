/**
 * Types on edges in a real browser: the page-views template's edges carry the type of their values (from the
 * source's samples) in their tooltip and in the inspector when selected, a node's inspector shows its input type,
 * and a Key by field the samples do not have is flagged before running, with the fields that do exist.
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

describe('types on edges in a real browser', () => {
  beforeAll(async () => {
    app = await openStaticApp();
    page = app.page;
    await openPageViewsTemplate(page);
  });

  afterAll(() => app?.close());

  it('shows the type of an edge’s values on hover and in the inspector when the edge is selected', async () => {
    const edge = page.getByRole('group', { name: 'views out to byUser in', exact: true });
    await edge.hover();
    const tooltip = await edge.locator('title').first().textContent();
    expect(tooltip).toMatch(/^views\.out → values: \{/);
    expect(tooltip).toContain('user_id: number;');
    expect(tooltip).toContain('page_url: string;');

    await edge.focus();
    await page.keyboard.press('Enter');
    const type = inspector().getByLabel('Value type');
    await type.waitFor({ timeout: PATIENCE_MS });
    await expect(inspector().getByRole('heading', { name: 'Connection' }).isVisible()).resolves.toBe(true);
    const text = await type.locator('pre').textContent();
    expect(text).toContain('user_id: number;');
    expect(text).toContain('event_type: string;');
    await expect(type.textContent()).resolves.toContain('from the samples upstream');
    await screenshot(page, 'edge-types-01-edge-selected');

    // The window's output is typed by the operator: its key is the keyBy field's type.
    const out = page.getByRole('group', { name: 'perMinute out to page_view_counts in', exact: true });
    await expect(out.locator('title').first().textContent()).resolves.toMatch(
      /key: number;[\s\S]*window: \{ start: number; end: number \};[\s\S]*result: number;/,
    );
  });

  it('flags a Key by field that the samples do not have, naming the fields they do have, without a validation error', async () => {
    await nodeOnCanvas(page, 'byUser').click();
    await expect(inspector().getByLabel('Input type').locator('pre').textContent()).resolves.toContain(
      'user_id: number;',
    );
    const field = inspector().getByRole('textbox', { name: 'Field optional', exact: true });
    await field.fill('usr_id', { timeout: 10_000 });
    await field.press('Tab');
    await expect(documentOf(page).then((d) => d.nodes.find((n) => n.id === 'byUser')?.params.field)).resolves.toBe(
      'usr_id',
    );
    const warnings = inspector().getByRole('status', { name: 'Warnings' });
    await warnings.waitFor({ timeout: PATIENCE_MS });
    await expect(warnings.textContent()).resolves.toContain(
      'Key by field "usr_id" does not exist in its input: fields are user_id, event_type, page_url, ts',
    );
    await expect(
      page.evaluate(
        () =>
          (window as unknown as { weir: { store: { getState(): { problems: unknown[] } } } }).weir.store.getState()
            .problems.length,
      ),
    ).resolves.toBe(0);
    await screenshot(page, 'edge-types-02-unknown-key-field');

    await field.fill('user_id');
    await field.press('Tab');
    await warnings.waitFor({ state: 'detached', timeout: PATIENCE_MS });
  });
});
