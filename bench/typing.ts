/**
 * `npx tsx bench/typing.ts [--udfs 20] [--keys 60]`: how long a keystroke in a code field takes in the built editor
 * in headless Chromium, with a pipeline of N map nodes whose 16-line functions all validate on every edit. Each key
 * is typed into the open field's Monaco editor, and each key's time is taken from the press to the end of the next
 * frame's work on the main thread; the store's update per edit (validation of the whole document included) is also
 * timed on its own, in the page. One frame at 60 Hz is 16.7 ms. The background type check (after a pause in
 * typing) runs in Monaco's worker and is not part of a keystroke. `PROFILE=1` also prints where the main thread
 * spent its time while typing (self time per function, from Chromium's sampling profiler).
 */
import { parseArgs } from 'node:util';
import { launchBrowser, openApp } from '../test/e2e/support/browser.ts';
import { ensureBuilt } from '../test/e2e/support/build.ts';
import { serveDist } from '../test/e2e/support/server.ts';
import type { PipelineDoc } from '../shared/pipeline/types.ts';

const { values } = parseArgs({
  options: { udfs: { type: 'string', default: '20' }, keys: { type: 'string', default: '60' } },
});
const UDFS = Number(values.udfs);
const KEYS = Number(values.keys);
/** The node whose code is typed into: one in the middle of the canvas. */
const EDITED = `map${Math.min(7, UDFS - 1)}`;

/** A map function of 16 lines, different per node so that nothing is shared by accident. */
function udf(i: number): string[] {
  return [
    `export default (value: Value, ctx: Context) => {`,
    `  const user = String(value.user_id ?? 'anonymous');`,
    `  const page = String(value.page_url ?? '/');`,
    `  const parts = page.split('/').filter((p) => p.length > 0);`,
    `  const section = parts.length > 0 ? parts[0] : 'home';`,
    `  const weight = ${i + 1} * (parts.length + 1);`,
    `  let score = 0;`,
    `  for (const part of parts) score += part.length * weight;`,
    `  const kind = value.event_type === 'click' ? 'click' : 'view';`,
    `  const hour = Math.floor(Number(value.ts ?? 0) / 3600000);`,
    `  const bucket = hour % 24;`,
    `  const label = user + ':' + section + ':' + kind;`,
    `  if (score > 1000) ctx.log('large score ' + score);`,
    `  const result = { user, section, kind, bucket, score, label };`,
    `  return result;`,
    `};`,
  ];
}

function pipeline(): PipelineDoc {
  const nodes: PipelineDoc['nodes'] = [
    {
      id: 'events',
      type: 'source.kafka',
      params: { topic: 'user_events' },
      samples: Array.from({ length: 50 }, (_, i) => ({
        value: { user_id: i % 5, event_type: i % 3 ? 'page_view' : 'click', page_url: `/p/${i}`, ts: i * 1000 },
      })),
    },
  ];
  const edges: PipelineDoc['edges'] = [];
  for (let i = 0; i < UDFS; i++) {
    nodes.push({
      id: `map${i}`,
      type: 'map',
      params: { code: udf(i) },
      ui: { x: 200 + (i % 5) * 180, y: Math.floor(i / 5) * 120 },
    });
    edges.push({ from: 'events', to: `map${i}` });
  }
  nodes.push({ id: 'out', type: 'sink.kafka', params: { topic: 'out' } });
  edges.push({ from: 'map0', to: 'out' });
  return { format: 'weir/v1', id: 'typing-bench', name: 'Typing bench', nodes, edges } as PipelineDoc;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

ensureBuilt();
const server = await serveDist();
const browser = await launchBrowser();
try {
  const { page, errors } = await openApp(browser, server.url);
  await page.getByRole('region', { name: 'Getting started' }).waitFor();
  await page.evaluate(
    (text) =>
      (window as unknown as { weir: { store: { getState(): { loadDocument(d: unknown): void } } } }).weir.store
        .getState()
        .loadDocument(JSON.parse(text)),
    JSON.stringify(pipeline()),
  );
  await page.locator(`.react-flow__node[data-node-id="${EDITED}"]`).click();
  const field = page
    .getByRole('complementary', { name: 'Inspector' })
    .getByRole('group', { name: `Code of ${EDITED}` });
  await field.locator('.monaco-editor').waitFor();
  await field.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  // Monaco warms up (its first keystrokes load the TypeScript worker's answers); those are not measured.
  await page.keyboard.type('// warm', { delay: 50 });
  await page.waitForTimeout(1500);
  await page.evaluate(() => {
    // Press to the end of the next frame's work on the main thread: the key's handlers, the store's update, React's
    // render and Monaco's, then the frame (requestAnimationFrame), then the task after it.
    const w = window as unknown as { __keys: number[] };
    w.__keys = [];
    window.addEventListener(
      'keydown',
      () => {
        const start = performance.now();
        requestAnimationFrame(() => setTimeout(() => w.__keys.push(performance.now() - start), 0));
      },
      true,
    );
  });
  const text = ' const x = value.user_id + 1; // typing, one key at a time'.padEnd(KEYS, '.').slice(0, KEYS);
  const cdp = process.env.PROFILE ? await page.context().newCDPSession(page) : null;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
  }
  await page.keyboard.type(text, { delay: 80 });
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map<string, number>();
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const dt = profile.timeDeltas ?? [];
    (profile.samples ?? []).forEach((id, i) => {
      const n = byId.get(id)!;
      const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
    });
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(v.toFixed(1).padStart(8), k);
  }
  await page.waitForTimeout(1000);
  const frames = (await page.evaluate(() => (window as unknown as { __keys: number[] }).__keys)).sort((x, y) => x - y);
  // Keystroke cost on the main thread, for every key: the store's work per edit, measured in the page.
  const perEdit = await page.evaluate(
    ([n, id]) => {
      const store = (
        window as unknown as {
          weir: {
            store: {
              getState(): {
                setNodeValue(id: string, path: string[], v: unknown): void;
                document: { nodes: { id: string; params: { code: string[] } }[] };
              };
            };
          };
        }
      ).weir.store;
      const node = store.getState().document.nodes.find((x) => x.id === id)!;
      const base = node.params.code;
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const lines = [
          ...base.slice(0, -1),
          `${base[base.length - 2]} // ${'x'.repeat(i + 1)}`,
          base[base.length - 1]!,
        ];
        const start = performance.now();
        store.getState().setNodeValue(id, ['params', 'code'], lines);
        times.push(performance.now() - start);
      }
      return times;
    },
    [KEYS, EDITED] as const,
  );
  const sorted = [...perEdit].sort((a, b) => a - b);
  console.log(`typing in a code field, ${UDFS} map nodes with 16-line functions, ${KEYS} keys typed 80 ms apart`);
  console.log(
    `  store update per edit (validation of every node, problems, canvas): median ${percentile(sorted, 50).toFixed(2)} ms, p95 ${percentile(sorted, 95).toFixed(2)} ms, max ${sorted[sorted.length - 1]!.toFixed(2)} ms`,
  );
  console.log(
    `  key press to the end of the next frame: median ${percentile(frames, 50).toFixed(1)} ms, p95 ${percentile(frames, 95).toFixed(1)} ms, max ${frames[frames.length - 1]!.toFixed(1)} ms (${frames.filter((f) => f > 16.7).length} of ${frames.length} over one frame, 16.7 ms)`,
  );
  if (errors.length > 0) console.log(`  page errors: ${errors.join('; ')}`);
} finally {
  await browser.close();
  await server.close();
}
