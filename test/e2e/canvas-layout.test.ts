/**
 * The canvas' layout in a real browser at 1440×900 with the inspector open (issue 11): fit view shows a five-column
 * template whole, clear of the zoom controls and the minimap, at a zoom where the node titles are still readable and
 * no title breaks inside a word; and a node dropped onto another moves to the nearest free spot.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot } from './support/browser.ts';
import {
  documentOf,
  dropOperator,
  graphFitted,
  nodeOnCanvas,
  openPageViewsTemplate,
} from './support/simulation-page.ts';
import { openStaticApp, type StaticApp } from './support/static-app.ts';

let app: StaticApp;
let page: Page;

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const overlap = (a: Box, b: Box) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
const inside = (a: Box, outer: Box) =>
  a.left >= outer.left && a.top >= outer.top && a.right <= outer.right && a.bottom <= outer.bottom;

interface Layout {
  canvas: Box;
  controls: Box;
  minimap: Box;
  inspector: Box | null;
  nodes: Array<{ id: string; box: Box }>;
  zoom: number;
}

/** Where the canvas, its overlays and its nodes are on the screen, and the viewport's zoom. */
function readLayout(): Promise<Layout> {
  return page.evaluate(() => {
    const box = (el: Element | null) => {
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    };
    const transform = document.querySelector<HTMLElement>('.react-flow__viewport')!.style.transform;
    const zoom = Number(/scale\(([\d.]+)\)/.exec(transform)?.[1] ?? NaN);
    return {
      canvas: box(document.querySelector('.react-flow'))!,
      controls: box(document.querySelector('.react-flow__controls'))!,
      minimap: box(document.querySelector('.react-flow__minimap'))!,
      inspector: box(document.querySelector('[aria-label="Inspector"]')),
      nodes: [...document.querySelectorAll('.react-flow__node')].map((n) => ({
        id: n.getAttribute('data-id')!,
        box: box(n)!,
      })),
      zoom,
    };
  });
}

function expectNoOverlaps(nodes: Layout['nodes']): void {
  for (const [i, a] of nodes.entries()) {
    for (const b of nodes.slice(i + 1)) expect(overlap(a.box, b.box), `${a.id} overlaps ${b.id}`).toBe(false);
  }
}

describe('the canvas layout in a real browser', () => {
  beforeAll(async () => {
    app = await openStaticApp();
    page = app.page;
  });

  afterAll(() => app?.close());

  it('fits the page-views template whole, clear of the controls and the minimap, beside the open inspector', async () => {
    await openPageViewsTemplate(page);
    await screenshot(page, 'canvas-layout-01-template-fitted');

    const layout = await readLayout();
    expect(layout.nodes.length).toBeGreaterThanOrEqual(5);
    // The inspector is open beside the canvas, and the canvas is what is left of 1440 px.
    expect(layout.inspector).not.toBeNull();
    expect(layout.canvas.right).toBeLessThanOrEqual(layout.inspector!.left + 1);
    for (const { id, box } of layout.nodes) {
      expect(inside(box, layout.canvas), `${id} inside the canvas`).toBe(true);
      expect(overlap(box, layout.controls), `${id} under the zoom controls`).toBe(false);
      expect(overlap(box, layout.minimap), `${id} under the minimap`).toBe(false);
    }
    expectNoOverlaps(layout.nodes);

    // Five columns: source → filter → keyBy → window → sinks.
    const columns = new Set(layout.nodes.map((n) => Math.round(n.box.left)));
    expect(columns.size).toBeGreaterThanOrEqual(5);

    // Readable: each title's font size on screen is 10 px or more.
    const titleSizes = await page
      .locator('.op-node__title')
      .evaluateAll((els) => els.map((el) => parseFloat(getComputedStyle(el).fontSize)));
    expect(titleSizes).toHaveLength(layout.nodes.length);
    for (const size of titleSizes) expect(size * layout.zoom).toBeGreaterThanOrEqual(10);

    // Fit view again from the zoom controls: the same outcome, the overlays still clear.
    await page.getByRole('button', { name: 'Fit View', exact: true }).click();
    await graphFitted(page);
    const again = await readLayout();
    for (const { id, box } of again.nodes) {
      expect(overlap(box, again.controls), `${id} under the zoom controls`).toBe(false);
      expect(overlap(box, again.minimap), `${id} under the minimap`).toBe(false);
    }
  });

  it('breaks titles between words only, ending a word too long for the node with an ellipsis', async () => {
    const titles = await page.locator('.op-node__title').evaluateAll((els) =>
      els.map((el) => {
        const style = getComputedStyle(el);
        const words = [...el.querySelectorAll<HTMLElement>('.op-node__word')].map((w) => ({
          text: w.textContent,
          lines: w.getClientRects().length,
          height: w.getBoundingClientRect().height,
          lineHeight: parseFloat(getComputedStyle(w).lineHeight),
          clipped: w.scrollWidth > w.clientWidth,
          ellipsis: getComputedStyle(w).textOverflow,
          whiteSpace: getComputedStyle(w).whiteSpace,
        }));
        return {
          title: el.getAttribute('title'),
          text: el.textContent,
          wordBreak: style.wordBreak,
          overflowWrap: style.overflowWrap,
          words,
        };
      }),
    );
    for (const t of titles) {
      expect(t.wordBreak, t.title!).toBe('normal');
      expect(t.overflowWrap, t.title!).toBe('normal');
      expect(t.text).toBe(t.title);
      for (const w of t.words) {
        // One line per word: a word's box is one line high, and its text never wraps.
        expect(w.lines, w.text!).toBe(1);
        expect(w.height, w.text!).toBeLessThanOrEqual(w.lineHeight + 1);
        expect(w.whiteSpace).toBe('nowrap');
        expect(w.ellipsis).toBe('ellipsis');
      }
    }
    // The long sink name does not fit the node: it is cut with an ellipsis, whole in its tooltip.
    const long = titles.find((t) => t.title === 'page_view_counts')!;
    expect(long.words).toHaveLength(1);
    expect(long.words[0]!.clipped).toBe(true);
    // A label of several words wraps between them.
    const labelled = titles.find((t) => t.title === 'Count per minute')!;
    expect(labelled.words.map((w) => w.text)).toEqual(['Count', 'per', 'minute']);
    expect(labelled.words.every((w) => !w.clipped)).toBe(true);
  });

  it('moves a node dropped onto another to the nearest free spot', async () => {
    const before = (await documentOf(page)).nodes.length;
    const canvas = (await page.locator('.react-flow__pane').boundingBox())!;
    const target = (await nodeOnCanvas(page, 'byUser').boundingBox())!;
    // Both on the middle of an existing node.
    const x = target.x - canvas.x + target.width / 2;
    const y = target.y - canvas.y + 20;
    await dropOperator(page, 'Map', x, y);
    await nodeOnCanvas(page, 'map1').waitFor();
    await dropOperator(page, 'Map', x, y);
    await nodeOnCanvas(page, 'map2').waitFor();
    expect((await documentOf(page)).nodes).toHaveLength(before + 2);
    // Measured sizes come back a frame later; the layout read after that.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await screenshot(page, 'canvas-layout-02-drops-apart');
    expectNoOverlaps((await readLayout()).nodes);

    // The same from the keyboard: Enter on a palette entry twice, with nothing selected.
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.getByRole('button', { name: 'Filter', exact: true }).focus();
    await page.keyboard.press('Enter');
    await nodeOnCanvas(page, 'filter1').waitFor();
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.getByRole('button', { name: 'Filter', exact: true }).focus();
    await page.keyboard.press('Enter');
    await nodeOnCanvas(page, 'filter2').waitFor();
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await screenshot(page, 'canvas-layout-03-enter-apart');
    expectNoOverlaps((await readLayout()).nodes);
  });
});
