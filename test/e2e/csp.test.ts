/**
 * The editor under its Content-Security-Policy (server/src/http/static.ts), in real Chromium: the page loads, Monaco
 * and its TypeScript worker work, a simulation runs user code in its worker, and nothing violates the policy — while
 * what the policy forbids is refused.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PAGE_POLICY, SIMULATION_WORKER_POLICY, WORKER_POLICY } from '../../server/src/http/static.ts';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';
import { PATIENCE_MS } from '../patience.ts';
import { documentOf, nodeOnCanvas, storeField, waitForSimulation } from './support/simulation-page.ts';
import { openStaticApp, type StaticApp } from './support/static-app.ts';

let app: StaticApp;
let page: Page;
const policies = new Map<string, string | undefined>();
let simulationWorkerUrl = '';

describe('the editor under its Content-Security-Policy', () => {
  beforeAll(async () => {
    app = await openStaticApp((opened) => {
      opened.on('response', (response) => {
        if (response.request().resourceType() === 'document' || /worker-[\w-]+\.js$/.test(response.url())) {
          policies.set(
            new URL(response.url()).pathname.replace(/-[\w-]+\.js$/, '.js'),
            response.headers()['content-security-policy'],
          );
          if (/simulation\.worker-[\w-]+\.js$/.test(response.url())) simulationWorkerUrl = response.url();
        }
      });
    });
    page = app.page;
  });

  afterAll(() => app?.close());

  it('is served with the page policy and framing forbidden', async () => {
    const response = await page.reload();
    expect(response!.headers()['content-security-policy']).toBe(PAGE_POLICY);
    expect(response!.headers()['x-frame-options']).toBe('DENY');
    await page.getByRole('region', { name: 'Getting started' }).waitFor();
  });

  it('runs a simulation of a template, user code included, in the simulation worker', async () => {
    await page.getByRole('button', { name: /Page views per user per minute/ }).click();
    await page.getByRole('button', { name: 'Simulate', exact: true }).click();
    expect(await waitForSimulation(page)).toBe('done');
    const window = (await documentOf(page)).nodes.find((n) => n.type === 'window')!;
    expect(
      (await storeField<Record<string, Record<string, number>>>(page, 'portCounts'))[window.id]?.out,
    ).toBeGreaterThan(0);
    expect(policies.get('/assets/simulation.worker.js')).toBe(SIMULATION_WORKER_POLICY);
  });

  it('edits code in Monaco, whose TypeScript worker checks it', async () => {
    const filter = (await documentOf(page)).nodes.find((n) => typeof n.params.code !== 'undefined')!;
    await nodeOnCanvas(page, filter.id).click();
    const field = page.getByRole('group', { name: `Code of ${filter.id}` });
    await field.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\nconst broken: number = "text";');
    await field.locator('.squiggly-error').first().waitFor();
    await page.keyboard.press('Control+z');
    expect(policies.get('/assets/ts.worker.js')).toBe(WORKER_POLICY);
    expect(policies.get('/assets/editor.worker.js')).toBe(WORKER_POLICY);
  });

  it('violated its policy nowhere', () => {
    expect(app.errors).toEqual([]);
  });

  it('refuses what the policy forbids: an inline script, an inline event handler, an image from another origin', async () => {
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.body.append(script);
      const image = document.createElement('img');
      image.src = 'http://192.0.2.1/pixel.png';
      document.body.append(image);
      const button = document.createElement('button');
      button.setAttribute('onclick', 'window.__handlerRan = true');
      document.body.append(button);
      button.click();
    });
    expect(
      await page.evaluate(() => [
        (window as { __inlineRan?: boolean }).__inlineRan,
        (window as { __handlerRan?: boolean }).__handlerRan,
      ]),
    ).toEqual([undefined, undefined]);
    // The violations reach the errors every browser suite checks.
    const reported = () => app.errors.filter((e) => e.startsWith('Content-Security-Policy violation: '));
    await expect.poll(() => reported().length, { timeout: PATIENCE_MS }).toBe(3);
    expect(
      reported()
        .map((e) => e.replace(/ \(.*\)$/, ''))
        .sort(),
    ).toEqual([
      'Content-Security-Policy violation: img-src refused http://192.0.2.1/pixel.png',
      'Content-Security-Policy violation: script-src-attr refused inline',
      'Content-Security-Policy violation: script-src-elem refused inline',
    ]);
  });

  it('lets user code in the simulation worker reach nothing: a request from a UDF is refused', async () => {
    expect(simulationWorkerUrl).not.toBe('');
    const pipeline = JSON.parse(
      readFileSync(new URL('../../examples/high-ids.weir.json', import.meta.url), 'utf8'),
    ) as PipelineDoc;
    pipeline.tests = [];
    pipeline.nodes[1] = {
      id: 'probe',
      type: 'map',
      params: {
        code: [
          'export default () => {',
          '  try { const x = new XMLHttpRequest(); x.open("GET", "/api/info", false); x.send(); return "reached " + x.status; }',
          '  catch (e) { return "refused " + (e as Error).name; }',
          '};',
        ],
      },
    };
    pipeline.edges = [
      { from: 'records', to: 'probe' },
      { from: 'probe', to: 'highIds' },
    ];
    const messages = await page.evaluate(
      ({ url, doc }) =>
        new Promise<string>((resolve) => {
          const worker = new Worker(url, { type: 'module' });
          const seen: unknown[] = [];
          worker.onmessage = (event: MessageEvent<{ type: string }>) => {
            seen.push(event.data);
            if (event.data.type === 'end') {
              worker.terminate();
              resolve(JSON.stringify(seen));
            }
          };
          worker.postMessage({ type: 'run', pipeline: JSON.parse(doc) as unknown, runId: 1 });
        }),
      { url: simulationWorkerUrl, doc: JSON.stringify(pipeline) },
    );
    expect(messages).toContain('"status":"done"');
    expect(messages).toContain('refused NetworkError');
    expect(messages).not.toContain('reached ');
  });
});
