import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from './support/build.ts';
import { screenshot } from './support/browser.ts';
import { openStaticApp, type StaticApp } from './support/static-app.ts';
import { documentOf, waitForSimulation } from './support/simulation-page.ts';

const examples = readdirSync(join(repoRoot, 'examples'))
  .filter((f) => f.endsWith('.weir.json'))
  .sort();

let app: StaticApp;
let page: Page;

/** What `weir simulate FILE` prints, one JSON object a line (SPEC §7). */
function cliOutputs(file: string): unknown[] {
  const stdout = execFileSync(process.execPath, [join(repoRoot, 'bin/weir.js'), 'simulate', file], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}

async function importFile(file: string): Promise<void> {
  const expectedId = (JSON.parse(readFileSync(file, 'utf8')) as { id: string }).id;
  await page.getByLabel('Pipeline file').setInputFiles(file);
  await page.waitForFunction(
    (id) =>
      (window as unknown as { weir: { store: { getState(): { document: { id: string } } } } }).weir.store.getState()
        .document.id === id,
    expectedId,
  );
}

describe('the browser simulates every example exactly as the command line does', () => {
  beforeAll(async () => {
    app = await openStaticApp();
    page = app.page;
  });

  afterAll(() => app?.close());

  it('has examples to compare', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  it.each(examples)('writes to the sinks what `weir simulate` prints for %s, in the same order', async (name) => {
    const file = join(repoRoot, 'examples', name);
    const expected = cliOutputs(file);
    expect(expected.length).toBeGreaterThan(0);
    await importFile(file);
    await page.getByRole('button', { name: 'Simulate', exact: true }).click();
    expect(await waitForSimulation(page)).toBe('done');
    const written = await page.evaluate(() => window.__weirBench!.sinkOutputs());
    expect(written).toEqual(expected);
    await screenshot(page, `browser-vs-cli-${name.replace('.weir.json', '')}`);
  });

  it.each(examples)('exports %s byte for byte as imported, which is the file `weir simulate` reads', async (name) => {
    const file = join(repoRoot, 'examples', name);
    await importFile(file);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export', exact: true }).click(),
    ]);
    const exported = readFileSync(await download.path(), 'utf8');
    expect(exported).toBe(readFileSync(file, 'utf8'));
    // And what was exported simulates, on the command line, to what the browser showed for it.
    expect((await documentOf(page)).id).toBe(JSON.parse(exported).id);
  });

  it('threw no errors in the page', () => {
    expect(app.errors).toEqual([]);
  });
});
