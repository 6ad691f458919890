/** What the simulation end-to-end tests do on the page, as a user does it: drag, connect, type, click. */
import type { Locator, Page } from 'playwright-core';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import { PATIENCE_MS } from '../../patience.ts';

interface StoreWindow {
  weir: { store: { getState(): Record<string, unknown> & { document: PipelineDoc } } };
}

export function documentOf(page: Page): Promise<PipelineDoc> {
  return page.evaluate(() => (window as unknown as StoreWindow).weir.store.getState().document);
}

/** A field of the store's state, read in the page (must be structured-cloneable). */
export function storeField<T>(page: Page, name: string): Promise<T> {
  return page.evaluate((n) => (window as unknown as StoreWindow).weir.store.getState()[n], name) as Promise<T>;
}

export async function waitForSimulation(page: Page, timeout = PATIENCE_MS): Promise<string> {
  await page.waitForFunction(
    () => (window as unknown as StoreWindow).weir.store.getState().simulationStatus !== 'running',
    undefined,
    { timeout },
  );
  return storeField<string>(page, 'simulationStatus');
}

/**
 * Resolves once Fit view has done its work: every node lies inside the canvas and the viewport has stopped moving
 * (its transform is the same two animation frames apart). React Flow may start the animation a few frames after the
 * click, and a loaded machine makes it slower: this waits for the outcome, not for a time.
 */
export async function graphFitted(page: Page): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const fitted = await page.evaluate(
      () =>
        new Promise<boolean>((resolve) => {
          const canvas = document.querySelector('.react-flow__pane')?.getBoundingClientRect();
          const viewport = document.querySelector<HTMLElement>('.react-flow__viewport');
          if (!canvas || !viewport) return resolve(false);
          const before = viewport.style.transform;
          requestAnimationFrame(() =>
            requestAnimationFrame(() => {
              const inside = [...document.querySelectorAll('.react-flow__node')].every((n) => {
                const box = n.getBoundingClientRect();
                return (
                  box.left >= canvas.left &&
                  box.top >= canvas.top &&
                  box.right <= canvas.right &&
                  box.bottom <= canvas.bottom
                );
              });
              resolve(inside && viewport.style.transform === before);
            }),
          );
        }),
    );
    if (fitted) return;
    if (Date.now() > deadline) throw new Error('Fit view did not bring the whole graph into the canvas');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const nodeOnCanvas = (page: Page, id: string) => page.locator(`.react-flow__node[data-node-id="${id}"]`);
export const portHandle = (page: Page, label: string) => page.getByLabel(label, { exact: true });

/** Drags a palette entry onto the canvas, `x`/`y` from the canvas' top-left corner. */
export async function dropOperator(page: Page, label: string, x: number, y: number): Promise<void> {
  await page
    .getByRole('button', { name: label, exact: true })
    .dragTo(page.locator('.react-flow__pane'), { targetPosition: { x, y } });
}

/** Drags from one port handle to another with the mouse. */
export async function connect(page: Page, from: Locator, to: Locator): Promise<void> {
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 20, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

/** Opens the page-views template from the first screen and waits until its graph is on the canvas, fitted. */
export async function openPageViewsTemplate(page: Page): Promise<void> {
  await page.getByRole('button', { name: /Page views per user per minute/ }).click();
  await nodeOnCanvas(page, 'page_view_counts').waitFor();
  await graphFitted(page);
}
