/**
 * The rough edges a newcomer met (issue 11), each as they would see it in a real browser: a refused cycle that says
 * why, problems that name nodes by their labels and say what to connect, Key by asking for a field or code, an Open
 * list without a blank "Untitled pipeline", and a samples file button that looks and works like the app's buttons.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from './support/build.ts';
import { screenshot } from './support/browser.ts';
import { PATIENCE_MS } from '../patience.ts';
import { connect, documentOf, dropOperator, graphFitted, nodeOnCanvas, portHandle } from './support/simulation-page.ts';
import { openStaticApp, type StaticApp } from './support/static-app.ts';
import { storedItem, storedNames as storedDocumentNames } from './support/stored-documents.ts';

let app: StaticApp;
let page: Page;

const node = (id: string) => nodeOnCanvas(page, id);
const handle = (label: string) => portHandle(page, label);
const inspector = () => page.getByRole('complementary', { name: 'Inspector' });
/** The notice under the toolbar (the inspector and the code editor have alerts of their own). */
const alert = () => page.locator('.notice[role="alert"]');

/** Opens the Open menu and reads the names of the pipelines it lists. */
async function openMenuEntries(): Promise<string[]> {
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  const menu = page.getByRole('menu', { name: 'Open' });
  await menu.waitFor();
  return menu.locator('.menu__row .menu__item > span:first-child').allTextContents();
}

async function closeMenu(): Promise<void> {
  await page.keyboard.press('Escape');
  await page.getByRole('menu', { name: 'Open' }).waitFor({ state: 'detached' });
}

/** The names in the index of pipelines kept in this browser's storage (IndexedDB). */
const storedNames = () => storedDocumentNames(page);

describe('a newcomer in a real browser', () => {
  beforeAll(async () => {
    app = await openStaticApp();
    page = app.page;
  });

  afterAll(() => app?.close());

  it('finds no blank "Untitled pipeline" in the Open list on a first visit, nor after a reload', async () => {
    await expect(openMenuEntries()).resolves.toEqual([]);
    await expect(page.getByRole('menu', { name: 'Open' }).textContent()).resolves.toMatch(
      /Nothing kept yet: a pipeline is kept here from its first edit\./,
    );
    await screenshot(page, 'newcomer-01-open-list-first-visit');
    await closeMenu();
    // A reload hides the page, which writes whatever autosave has pending: a blank document must write nothing.
    await page.reload();
    await page.getByRole('region', { name: 'Getting started' }).waitFor();
    await expect(storedNames()).resolves.toEqual([]);
    await expect(openMenuEntries()).resolves.toEqual([]);
    await closeMenu();
  });

  it('no longer lists the blank untitled pipeline an earlier visit stored', async () => {
    await page.evaluate(() => {
      const blank = { format: 'weir/v1', id: 'untitled', name: 'Untitled pipeline', nodes: [], edges: [] };
      localStorage.setItem('weir:pipeline:pold', JSON.stringify(blank));
      localStorage.setItem(
        'weir:pipelines',
        JSON.stringify([{ key: 'pold', id: 'untitled', name: 'Untitled pipeline', updatedAt: 1 }]),
      );
      localStorage.setItem('weir:current', 'pold');
    });
    await page.reload();
    await page.getByRole('region', { name: 'Getting started' }).waitFor();
    await expect(openMenuEntries()).resolves.toEqual([]);
    await closeMenu();
    // Moved from localStorage into IndexedDB at the start, then pruned there.
    await expect(page.evaluate(() => localStorage.getItem('weir:pipeline:pold'))).resolves.toBeNull();
    await expect(storedItem(page, 'weir:pipeline:pold')).resolves.toBeNull();
  });

  it('refuses an edge that would make a cycle, with a message naming the nodes by their labels', async () => {
    await dropOperator(page, 'Map', 80, 160);
    await node('map1').waitFor();
    await dropOperator(page, 'Window', 460, 160);
    await node('window1').waitFor();
    await node('map1').click();
    await inspector().getByRole('textbox', { name: 'Label optional', exact: true }).fill('Parse');
    await connect(page, handle('map1 out'), handle('window1 in'));
    expect((await documentOf(page)).edges).toEqual([{ from: 'map1', to: 'window1' }]);

    await connect(page, handle('window1 out'), handle('map1 in'));
    await alert().waitFor();
    await expect(alert().textContent()).resolves.toContain(
      'That edge would make a cycle: window1 → Parse → window1. Weir pipelines are acyclic.',
    );
    expect((await documentOf(page)).edges).toEqual([{ from: 'map1', to: 'window1' }]);
    await screenshot(page, 'newcomer-02-cycle-refused');

    // The next connection that is made takes the message away.
    await dropOperator(page, 'Kafka source', 160, 380);
    await node('source1').waitFor();
    await connect(page, handle('source1 out'), handle('map1 in'));
    await alert().waitFor({ state: 'detached' });
    expect((await documentOf(page)).edges).toHaveLength(2);
  });

  it('says why when two outputs are dragged together', async () => {
    await connect(page, handle('map1 out'), handle('window1 late'));
    await expect(alert().textContent()).resolves.toContain(
      'Those are two outputs: connect an output (right side of a node) to an input (left side of another).',
    );
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await alert().waitFor({ state: 'detached' });
  });

  it('lists a node that lacks an input by its label first, then the path, saying what to connect in words', async () => {
    await dropOperator(page, 'Window', 460, 380);
    await node('window2').waitFor();
    await node('window2').click();
    await inspector().getByRole('textbox', { name: 'Label optional', exact: true }).fill('Count per user');
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.getByRole('button', { name: 'Validate', exact: true }).click();
    const problems = page.getByRole('list', { name: 'Problems' });
    const index = (await documentOf(page)).nodes.findIndex((n) => n.id === 'window2');
    const line = `Count per user — nodes[${index}]: E_UNCONNECTED: "Count per user" has nothing connected to its input "in": connect a source or another node's output to it`;
    const problem = problems.getByRole('button', { name: line, exact: true });
    await problem.waitFor();
    await expect(problem.locator('.problem__node').textContent()).resolves.toBe('Count per user');
    await expect(problems.textContent()).resolves.not.toMatch(/[{}]/);
    // The node's badge says the same, its label first.
    await expect(node('window2').locator('.badge--problem').getAttribute('title')).resolves.toContain(line);
    await page.getByRole('button', { name: 'Fit view', exact: true }).click();
    await graphFitted(page);
    await screenshot(page, 'newcomer-03-problems-by-label');
    await problem.click();
    await expect(inspector().getByRole('heading', { name: 'Count per user' }).count()).resolves.toBe(1);
  });

  it('asks Key by for a field or code at its Field, and is content with either', async () => {
    await dropOperator(page, 'Key by', 760, 380);
    await node('keyBy1').waitFor();
    await node('keyBy1').click();
    const field = inspector().getByRole('textbox', { name: 'Field optional', exact: true });
    const row = inspector()
      .locator('.field')
      .filter({ has: page.getByRole('textbox', { name: 'Field optional', exact: true }) });
    await expect(row.locator('.field__problems').textContent()).resolves.toMatch(
      /params\.field: E_REQUIRED: Key by needs a field or code: give the name of the field to key by, or write a key function$/,
    );
    await screenshot(page, 'newcomer-04-key-by-needs-field-or-code');
    await field.fill('user_id');
    await expect(row.locator('.field__problems').count()).resolves.toBe(0);
    await expect(page.getByRole('list', { name: 'Problems' }).textContent()).resolves.not.toContain('Key by needs');
  });

  it("imports samples with a button like the app's others, reachable from the keyboard", async () => {
    // Every node in view first: the palette sits over the canvas's left edge.
    await page.getByRole('button', { name: 'Fit view', exact: true }).click();
    await graphFitted(page);
    await node('source1').click();
    await inspector().getByRole('button', { name: 'Edit samples' }).click();
    const panel = page.getByRole('region', { name: 'Samples of source1' });
    await panel.getByRole('tab', { name: 'Import' }).click();
    const choose = panel.getByRole('button', { name: 'Choose a file…' });
    await expect(choose.getAttribute('class')).resolves.toContain('button');
    await expect(panel.getByLabel('Import samples of source1 from a file').isVisible()).resolves.toBe(false);
    await screenshot(page, 'newcomer-05-samples-import');

    // Enter on the focused button (the locator focuses it first, so nothing else can take the key).
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), choose.press('Enter')]);
    await chooser.setFiles(join(repoRoot, 'test/fixtures/simulate/records.jsonl'));
    const preview = panel.locator('.samples-import__preview');
    await preview.waitFor();
    await expect(preview.textContent()).resolves.toContain('records.jsonl: 4 samples');
    await panel.getByRole('button', { name: 'Replace samples' }).click();
    await expect(
      documentOf(page).then((doc) => doc.nodes.find((n) => n.id === 'source1')!.samples),
    ).resolves.toHaveLength(4);
  });

  it('keeps the edited pipeline, and it alone, in the Open list', async () => {
    await page.getByRole('textbox', { name: 'Pipeline name' }).fill('First steps');
    await expect.poll(storedNames, { timeout: PATIENCE_MS }).toEqual(['First steps']);
    await expect(openMenuEntries()).resolves.toEqual(['First steps']);
    await closeMenu();
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await page.getByRole('region', { name: 'Getting started' }).waitFor();
    await expect(openMenuEntries()).resolves.toEqual(['First steps']);
    await closeMenu();
  });

  it('threw no errors in the page', () => {
    expect(app.errors).toEqual([]);
  });
});
