import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { serializePipeline, type PipelineDoc } from '../../shared/pipeline/types.ts';
import { repoRoot } from './support/build.ts';
import { screenshot } from './support/browser.ts';
import { connect, documentOf, dropOperator, nodeOnCanvas, portHandle, graphFitted } from './support/simulation-page.ts';
import { openStaticApp, type StaticApp } from './support/static-app.ts';

let app: StaticApp;
let page: Page;

function selectedNodeIds(): Promise<string[]> {
  return page.evaluate(
    () =>
      (window as unknown as { weir: { store: { getState(): { selectedNodeIds: string[] } } } }).weir.store.getState()
        .selectedNodeIds,
  );
}

const node = (id: string) => nodeOnCanvas(page, id);
const handle = (label: string) => portHandle(page, label);
const paletteItem = (label: string) => page.getByRole('button', { name: label, exact: true });

describe('the pipeline editor in a real browser', () => {
  beforeAll(async () => {
    app = await openStaticApp();
    page = app.page;
  });

  afterAll(() => app?.close());

  it('greets a new user on an empty canvas with what to do first', async () => {
    const start = page.getByRole('region', { name: 'Getting started' });
    await expect(start.textContent()).resolves.toMatch(/Drag a Kafka source from the palette/);
    await expect(start.getByRole('button', { name: /Page views per user per minute/ }).count()).resolves.toBe(1);
    for (const name of [
      'Validate',
      'Simulate',
      'Deploy',
      'Undo',
      'Redo',
      'Auto-layout',
      'Fit view',
      'Export',
      'Import',
    ]) {
      await expect(page.getByRole('button', { name, exact: true }).count(), name).resolves.toBe(1);
    }
    await screenshot(page, 'editor-01-empty');
  });

  it('adds five operators by dragging them from the palette onto the canvas', async () => {
    await dropOperator(page, 'Kafka source', 120, 130);
    await node('source1').waitFor();
    await dropOperator(page, 'Filter', 400, 130);
    await dropOperator(page, 'Key by', 680, 130);
    await dropOperator(page, 'Window', 400, 340);
    await dropOperator(page, 'Kafka sink', 680, 340);
    await node('sink1').waitFor();
    const doc = await documentOf(page);
    expect(doc.nodes.map((n) => [n.id, n.type])).toEqual([
      ['source1', 'source.kafka'],
      ['filter1', 'filter'],
      ['keyBy1', 'keyBy'],
      ['window1', 'window'],
      ['sink1', 'sink.kafka'],
    ]);
    await expect(node('window1').getAttribute('data-node-type')).resolves.toBe('window');
    await expect(node('window1').getAttribute('aria-label')).resolves.toBe('window1');
    for (const port of ['window1 in', 'window1 out', 'window1 late', 'window1 error', 'source1 out', 'sink1 in']) {
      await expect(handle(port).count(), port).resolves.toBe(1);
    }
    await expect(handle('source1 in').count()).resolves.toBe(0);
    await expect(handle('window1 late').getAttribute('data-port')).resolves.toBe('late');
  });

  it('connects ports by dragging from an output handle to an input handle', async () => {
    await connect(page, handle('source1 out'), handle('filter1 in'));
    await connect(page, handle('filter1 out'), handle('keyBy1 in'));
    await connect(page, handle('keyBy1 out'), handle('window1 in'));
    await connect(page, handle('window1 out'), handle('sink1 in'));
    const doc = await documentOf(page);
    expect(doc.edges).toEqual([
      { from: 'source1', to: 'filter1' },
      { from: 'filter1', to: 'keyBy1' },
      { from: 'keyBy1', to: 'window1' },
      { from: 'window1', to: 'sink1' },
    ]);
    await expect(page.locator('.react-flow__edge').count()).resolves.toBe(4);
  });

  it('refuses connections that would make a cycle or join two outputs', async () => {
    await connect(page, handle('window1 out'), handle('filter1 in'));
    await connect(page, handle('keyBy1 out'), handle('window1 late'));
    expect((await documentOf(page)).edges).toHaveLength(4);
  });

  it('edits params in forms generated from the schema, with durations written as 1m', async () => {
    await node('source1').click();
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    await inspector.getByLabel('Topic', { exact: true }).fill('orders');
    await node('window1').click();
    await inspector.getByLabel('Windows', { exact: true }).selectOption('tumbling');
    await inspector.getByLabel('Size', { exact: true }).fill('1m');
    await inspector.getByLabel('Size', { exact: true }).blur();
    await expect(inspector.getByLabel('Size', { exact: true }).inputValue()).resolves.toBe('1m');
    const doc = await documentOf(page);
    expect(doc.nodes[0]!.params.topic).toBe('orders');
    expect(doc.nodes[3]!.params.assigner).toEqual({ kind: 'tumbling', sizeMs: 60000 });
    await screenshot(page, 'editor-02-built');
  });

  it('shows a problem on its field, on its node and in the problems list, whose click selects the node', async () => {
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    await node('sink1').click();
    await expect(inspector.locator('.field__problems').first().textContent()).resolves.toBe(
      'nodes[4].params.topic: E_REQUIRED: is required',
    );
    await expect(node('sink1').locator('.badge--problem').textContent()).resolves.toBe('1');
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.getByRole('button', { name: 'Validate', exact: true }).click();
    const problem = page
      .getByRole('list', { name: 'Problems' })
      .getByRole('button', { name: /nodes\[4\]\.params\.topic: E_REQUIRED/ });
    await problem.click();
    await expect(selectedNodeIds()).resolves.toEqual(['sink1']);
    await inspector.getByLabel('Topic', { exact: true }).fill('order_counts');
    await expect(node('sink1').locator('.badge--problem').count()).resolves.toBe(0);
  });

  it('undoes and redoes edits from the toolbar and the keyboard', async () => {
    const sizeOf = async () =>
      ((await documentOf(page)).nodes[3]!.params.assigner as { sizeMs?: number } | undefined)?.sizeMs;
    const topicOf = async () => (await documentOf(page)).nodes[4]!.params.topic;
    await page.getByRole('button', { name: 'Undo', exact: true }).click();
    await expect(topicOf()).resolves.toBeUndefined();
    await page.getByRole('button', { name: 'Undo', exact: true }).click();
    await expect(sizeOf()).resolves.toBeUndefined();
    await page.getByRole('button', { name: 'Redo', exact: true }).click();
    await expect(sizeOf()).resolves.toBe(60000);
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Control+z');
    await expect(sizeOf()).resolves.toBeUndefined();
    await page.keyboard.press('Control+Shift+z');
    await page.keyboard.press('Control+y');
    await expect(sizeOf()).resolves.toBe(60000);
    await expect(topicOf()).resolves.toBe('order_counts');
  });

  it('copies and pastes the selection with new ids, and deletes it with the Delete key', async () => {
    await node('filter1').click();
    await node('keyBy1').click({ modifiers: ['Shift'] });
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await node('keyBy2').waitFor();
    let doc = await documentOf(page);
    expect(doc.nodes.map((n) => n.id).slice(5)).toEqual(['filter2', 'keyBy2']);
    expect(doc.edges.at(-1)).toEqual({ from: 'filter2', to: 'keyBy2' });
    await page.keyboard.press('Delete');
    doc = await documentOf(page);
    expect(doc.nodes).toHaveLength(5);
    expect(doc.edges).toHaveLength(4);
  });

  it('adds an operator from the keyboard, and finds operators by searching the palette', async () => {
    await paletteItem('Map').focus();
    await page.keyboard.press('Enter');
    await node('map1').waitFor();
    await expect(selectedNodeIds()).resolves.toEqual(['map1']);
    await page.keyboard.press('Control+z');
    await expect(node('map1').count()).resolves.toBe(0);
    const search = page.getByLabel('Search operators');
    await search.fill('join');
    await expect(paletteItem('Window join').count()).resolves.toBe(1);
    await expect(paletteItem('Filter').count()).resolves.toBe(0);
    await search.fill('');
    await expect(paletteItem('Filter').count()).resolves.toBe(1);
  });

  it('selects the nodes inside a box drawn with Shift held down', async () => {
    // The problems list zoomed in on a node: show the whole graph first. React Flow ignores keys pressed in text
    // fields, and the search box had focus: click the empty canvas.
    await page.getByRole('button', { name: 'Fit view', exact: true }).click();
    await graphFitted(page);
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    const boxes = await Promise.all(
      ['source1', 'filter1', 'keyBy1'].map(async (id) => (await node(id).boundingBox())!),
    );
    const left = Math.min(...boxes.map((b) => b.x)) - 15;
    const top = Math.min(...boxes.map((b) => b.y)) - 15;
    const right = Math.max(...boxes.map((b) => b.x + b.width)) + 15;
    const bottom = Math.max(...boxes.map((b) => b.y + b.height)) + 15;
    await page.keyboard.down('Shift');
    await page.mouse.move(left, top);
    await page.mouse.down();
    await page.mouse.move(right, bottom, { steps: 8 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await expect(selectedNodeIds().then((ids) => [...ids].sort())).resolves.toEqual(['filter1', 'keyBy1', 'source1']);
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  });

  it('exports exactly the bytes serializePipeline gives for the document', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export', exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('untitled.weir.json');
    const path = await download.path();
    const bytes = readFileSync(path, 'utf8');
    expect(bytes).toBe(serializePipeline(await documentOf(page)));
    expect(JSON.parse(bytes).nodes[3].params.assigner).toEqual({ kind: 'tumbling', sizeMs: 60000 });
  });

  it('lays the graph out left to right', async () => {
    await page.getByRole('button', { name: 'Auto-layout', exact: true }).click();
    const doc = await documentOf(page);
    const x = Object.fromEntries(doc.nodes.map((n) => [n.id, n.ui!.x as number]));
    expect(x.source1).toBeLessThan(x.filter1!);
    expect(x.filter1).toBeLessThan(x.keyBy1!);
    expect(x.keyBy1).toBeLessThan(x.window1!);
    expect(x.window1).toBeLessThan(x.sink1!);
    await page.waitForTimeout(400);
    await screenshot(page, 'editor-03-layout');
  });

  it('imports an example file and shows its nodes', async () => {
    const file = join(repoRoot, 'examples/page-views.weir.json');
    const expected = JSON.parse(readFileSync(file, 'utf8')) as PipelineDoc;
    await page.getByLabel('Pipeline file').setInputFiles(file);
    await node(expected.nodes.at(-1)!.id).waitFor();
    for (const n of expected.nodes) await expect(node(n.id).getAttribute('data-node-type')).resolves.toBe(n.type);
    await expect(page.getByRole('status').filter({ hasText: 'Imported page-views.weir.json' }).count()).resolves.toBe(
      1,
    );
    expect(serializePipeline(await documentOf(page))).toBe(readFileSync(file, 'utf8'));
    await page.waitForTimeout(300);
    await screenshot(page, 'editor-04-imported');
  });

  it('keeps the work after a reload', async () => {
    // No wait for the autosave: the page writes a pending change when it is hidden (pagehide), as on a reload.
    const before = await documentOf(page);
    await page.reload();
    await node(before.nodes[0]!.id).waitFor();
    expect(await documentOf(page)).toEqual(before);
  });

  it('threw no errors in the page', () => {
    expect(app.errors).toEqual([]);
  });
});
