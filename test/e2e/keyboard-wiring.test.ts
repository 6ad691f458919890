/**
 * Wiring a pipeline without a mouse (issue 11, item 12): an output port is a button reached with Tab, Enter opens a
 * menu of the inputs it may connect to (only valid ones: no cycle, no repeat), Enter on one makes the edge and focus
 * comes back to the port; undo takes the edge away as it does a dragged one, and an edge is removed with Delete.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot } from './support/browser.ts';
import { documentOf, nodeOnCanvas } from './support/simulation-page.ts';
import { openStaticApp, type StaticApp } from './support/static-app.ts';

let app: StaticApp;
let page: Page;

const focusedName = () =>
  page.evaluate(
    () => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? null,
  );
const portMenu = (port: string) => page.getByRole('menu', { name: `Connect ${port} to` });

/** Presses Tab until the element named `name` has focus (at most `limit` presses), as a keyboard user would. */
async function tabTo(name: string, limit = 12): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if ((await focusedName()) === name) return;
  }
  throw new Error(`Tab never reached "${name}" (last: "${await focusedName()}")`);
}

/** Moves through the open menu with ArrowDown until `entry` has focus, then presses Enter. */
async function pick(entry: string, limit = 10): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if ((await focusedName()) === entry) return page.keyboard.press('Enter');
    await page.keyboard.press('ArrowDown');
  }
  throw new Error(`The menu has no entry "${entry}"`);
}

async function addFromPalette(label: string, id: string): Promise<void> {
  await page.getByRole('button', { name: label, exact: true }).focus();
  await page.keyboard.press('Enter');
  await nodeOnCanvas(page, id).waitFor();
}

describe('wiring ports from the keyboard', () => {
  beforeAll(async () => {
    app = await openStaticApp();
    page = app.page;
  });

  afterAll(() => app?.close());

  it('adds a source, two filters and a sink with Enter from the palette', async () => {
    await addFromPalette('Kafka source', 'source1');
    await addFromPalette('Filter', 'filter1');
    await addFromPalette('Kafka sink', 'sink1');
    await addFromPalette('Filter', 'filter2');
    const doc = await documentOf(page);
    expect(doc.nodes.map((n) => n.id)).toEqual(['source1', 'filter1', 'sink1', 'filter2']);
    expect(doc.edges).toEqual([]);
  });

  it('reaches an output port with Tab and opens the list of inputs it can connect to', async () => {
    await nodeOnCanvas(page, 'source1').focus();
    await tabTo('Output out of source1');
    const port = page.getByRole('button', { name: 'Output out of source1', exact: true });
    await expect(port.getAttribute('aria-haspopup')).resolves.toBe('menu');
    await expect(port.getAttribute('aria-expanded')).resolves.toBe('false');
    await page.keyboard.press('Enter');
    const menu = portMenu('Output out of source1');
    await menu.waitFor();
    await expect(port.getAttribute('aria-expanded')).resolves.toBe('true');
    await expect(menu.getByRole('menuitem').allTextContents()).resolves.toEqual([
      'Filter filter1: input in',
      'Kafka sink sink1: input in',
      'Filter filter2: input in',
    ]);
    await expect(focusedName()).resolves.toBe('Filter filter1: input in');
    await screenshot(page, 'keyboard-wiring-01-port-menu');
    await pick('Filter filter1: input in');
    await menu.waitFor({ state: 'detached' });
    await expect(documentOf(page).then((d) => d.edges)).resolves.toEqual([{ from: 'source1', to: 'filter1' }]);
    await expect(focusedName()).resolves.toBe('Output out of source1');
    await expect(page.locator('[data-port-announcer]').textContent()).resolves.toBe(
      'Connected Output out of source1 to Filter filter1: input in.',
    );
  });

  it('builds source → filter → sink with the keyboard alone', async () => {
    await tabTo('Output out of filter1');
    await page.keyboard.press('Enter');
    await portMenu('Output out of filter1').waitFor();
    // filter1's own input would close a loop and source1 takes no input: neither is offered.
    await expect(portMenu('Output out of filter1').getByRole('menuitem').allTextContents()).resolves.toEqual([
      'Kafka sink sink1: input in',
      'Filter filter2: input in',
    ]);
    await pick('Kafka sink sink1: input in');
    await portMenu('Output out of filter1').waitFor({ state: 'detached' });
    await expect(focusedName()).resolves.toBe('Output out of filter1');
    await expect(documentOf(page).then((d) => d.edges)).resolves.toEqual([
      { from: 'source1', to: 'filter1' },
      { from: 'filter1', to: 'sink1' },
    ]);
    await expect(page.locator('.react-flow__edge').count()).resolves.toBe(2);
  });

  it('does not offer an input that would make a cycle, and Escape closes the list on the port', async () => {
    // filter1 → filter2, then filter2's output may not go back into filter1.
    await page.keyboard.press('Enter');
    await pick('Filter filter2: input in');
    await expect(documentOf(page).then((d) => d.edges.length)).resolves.toBe(3);
    await tabTo('Output out of filter2', 20);
    await page.keyboard.press('Enter');
    const menu = portMenu('Output out of filter2');
    await menu.waitFor();
    const offered = await menu.getByRole('menuitem').allTextContents();
    expect(offered).not.toContain('Filter filter1: input in');
    expect(offered).not.toContain('Filter filter2: input in');
    expect(offered).toEqual(['Kafka sink sink1: input in']);
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    await expect(focusedName()).resolves.toBe('Output out of filter2');
    await expect(documentOf(page).then((d) => d.edges.length)).resolves.toBe(3);
  });

  it('undoes a keyboard-made edge like a dragged one', async () => {
    await page.keyboard.press('Control+z');
    await expect(documentOf(page).then((d) => d.edges)).resolves.toEqual([
      { from: 'source1', to: 'filter1' },
      { from: 'filter1', to: 'sink1' },
    ]);
  });

  it('removes an edge from the keyboard: focus it, Enter selects it, Delete removes it', async () => {
    const edge = page.getByRole('group', { name: 'filter1 out to sink1 in', exact: true });
    await edge.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Delete');
    await expect(documentOf(page).then((d) => d.edges)).resolves.toEqual([{ from: 'source1', to: 'filter1' }]);
    await page.keyboard.press('Control+z');
    await expect(documentOf(page).then((d) => d.edges)).resolves.toEqual([
      { from: 'source1', to: 'filter1' },
      { from: 'filter1', to: 'sink1' },
    ]);
  });
});
