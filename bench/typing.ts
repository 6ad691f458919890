/**
 * `node bench/typing.ts [--udfs 20] [--keys 60]`: how long a keystroke in a code field takes in the built editor
 * in headless Chromium, with a pipeline of N map nodes whose 16-line functions all validate on every edit. Each key
 * is typed into the open field's Monaco editor, and each key's time is taken from the press to the end of the next
 * frame's work on the main thread; the store's update per edit (validation of the whole document included) is also
 * timed on its own, in the page. One frame at 60 Hz is 16.7 ms. The background type check (after a pause in
 * typing) runs in Monaco's worker and is not part of a keystroke. Two floors follow, typed on the same page under
 * the same load: the same Monaco editor with the document's update cut off, and a bare <textarea>.
 *
 * `PROFILE=1` also prints where the main thread spent its time while typing (self and total time per function,
 * from Chromium's sampling profiler; `PROFILE=out.cpuprofile` keeps the profile). `TRACE=1` records Chromium's
 * timeline instead and prints, per key, the task that handles the key and the frame task after it, self time by
 * trace event (style, layout, paint, layerize, commit) and how many elements were restyled and laid out
 * (`TRACE=out.json` keeps the trace for DevTools). `WEIR_DIST=dir` serves another build than web/dist (say an
 * unminified one, `npx vite build --config web/vite.config.ts --minify false --outDir dir`, whose profile names
 * functions); web/dist is otherwise built first when its sources changed.
 */
import { writeFileSync } from 'node:fs';
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

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown> & {
    data?: { type?: string };
    name?: string;
    elementCount?: number;
    beginData?: { dirtyObjects?: number; totalObjects?: number };
  };
}

/** Starts Chromium's timeline trace (what DevTools' Performance panel records); the result stops it. */
async function startTrace(page: import('playwright-core').Page): Promise<() => Promise<TraceEvent[]>> {
  const session = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  session.on('Tracing.dataCollected', ({ value }) => events.push(...(value as unknown as TraceEvent[])));
  await session.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: {
      includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'v8.execute'],
    },
  });
  return async () => {
    const done = new Promise<void>((resolve) => session.once('Tracing.tracingComplete', () => resolve()));
    await session.send('Tracing.end');
    await done;
    return events;
  };
}

/**
 * The page's main thread by trace event, self time (a parent's time less its children's), per key; and how much
 * of the page each style recalculation and layout touched.
 */
function summarizeTrace(events: TraceEvent[], keys: number): void {
  const main = events.find(
    (e) =>
      e.name === 'thread_name' &&
      e.args?.name === 'CrRendererMain' &&
      events.some((x) => x.pid === e.pid && x.name === 'FunctionCall'),
  );
  if (!main) return console.log('  trace: no renderer main thread');
  const spans = events
    .filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const self = new Map<string, number>();
  const stack: { end: number; name: string }[] = [];
  for (const e of spans) {
    while (stack.length > 0 && stack[stack.length - 1]!.end <= e.ts) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - e.dur!);
    self.set(e.name, (self.get(e.name) ?? 0) + e.dur!);
    stack.push({ end: e.ts + e.dur!, name: e.name });
  }
  // Each key's task (Monaco's handler, the store's update, React's render) and the frame task that follows it.
  const tasks = spans.filter((e) => e.name === 'RunTask');
  const lifecycles = spans.filter((e) => e.name === 'WebFrameWidgetImpl::UpdateLifecycle');
  const keyTasks: number[] = [];
  const frameTasks: number[] = [];
  for (const key of spans.filter((e) => e.name === 'EventDispatch' && e.args?.data?.type === 'keypress')) {
    const task = tasks.find((t) => t.ts <= key.ts && t.ts + t.dur! >= key.ts + key.dur!);
    if (!task) continue;
    const frame = tasks.find(
      (t) => t.ts >= task.ts + task.dur! && lifecycles.some((l) => l.ts >= t.ts && l.ts <= t.ts + t.dur!),
    );
    if (!frame) continue;
    keyTasks.push(task.dur! / 1000);
    frameTasks.push(frame.dur! / 1000);
  }
  const median = (xs: number[]) =>
    percentile(
      [...xs].sort((x, y) => x - y),
      50,
    ).toFixed(1);
  console.log(
    `  per key (medians): the key's task ${median(keyTasks)} ms, then the frame's task ${median(frameTasks)} ms (tracing slows both)`,
  );
  console.log(`  main thread while typing, self time per key by trace event (ms):`);
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 16))
    console.log(`${(us / 1000 / keys).toFixed(2).padStart(10)}  ${name}`);
  const styles = spans.filter((e) => e.name === 'UpdateLayoutTree').map((e) => e.args?.elementCount ?? 0);
  const layouts = spans.filter((e) => e.name === 'Layout').map((e) => e.args?.beginData?.dirtyObjects ?? 0);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  console.log(
    `  per key: ${(styles.length / keys).toFixed(1)} style recalculations (${(sum(styles) / keys).toFixed(0)} elements), ${(layouts.length / keys).toFixed(1)} layouts (${(sum(layouts) / keys).toFixed(0)} dirty objects)`,
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

// WEIR_DIST serves another build instead (an unminified one, `vite build --minify false --outDir …`, names functions
// in the profile).
if (!process.env.WEIR_DIST) ensureBuilt();
const server = await serveDist(process.env.WEIR_DIST);
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
    // A sample every 100 µs (the default is 1 ms): a keystroke's few milliseconds of work get enough samples.
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
  }
  const trace = process.env.TRACE ? await startTrace(page) : null;
  await page.keyboard.type(text, { delay: 80 });
  if (trace) {
    const events = await trace();
    // TRACE=path.json also keeps the trace, for DevTools' Performance panel.
    const keep = process.env.TRACE ?? '';
    if (keep.endsWith('.json')) writeFileSync(keep, JSON.stringify({ traceEvents: events }));
    summarizeTrace(events, KEYS);
  }
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop');
    // PROFILE=path.cpuprofile also keeps the profile, for DevTools' Performance panel.
    const keep = process.env.PROFILE ?? '';
    if (keep.endsWith('.cpuprofile')) writeFileSync(keep, JSON.stringify(profile));
    const self = new Map<string, number>();
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const dt = profile.timeDeltas ?? [];
    (profile.samples ?? []).forEach((id, i) => {
      const n = byId.get(id)!;
      const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
    });
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(v.toFixed(1).padStart(8), k);
    // Total time (the function and what it called), each function counted once per sample.
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const total = new Map<string, number>();
    (profile.samples ?? []).forEach((id, i) => {
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const n = byId.get(at)!;
        if (!n.callFrame.url) continue;
        const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
        if (seen.has(key)) continue;
        seen.add(key);
        total.set(key, (total.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
      }
    });
    console.log('  total time (ms, all keys):');
    for (const [k, v] of [...total].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(v.toFixed(1).padStart(8), k);
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

  // Two floors on the same page, under the same machine load: the same keys into the same Monaco editor with the
  // document's update cut off (the store's setNodeValue made a no-op, so no validation, no React render: what
  // Monaco and the browser's frame cost alone), then into a bare <textarea>.
  const typeAgain = async () => {
    await page.evaluate(() => {
      (window as unknown as { __keys: number[] }).__keys = [];
    });
    await page.keyboard.type(text, { delay: 80 });
    await page.waitForTimeout(500);
    return (await page.evaluate(() => (window as unknown as { __keys: number[] }).__keys)).sort((x, y) => x - y);
  };
  // (A string: a function written here would be renamed for the page by tsx, which the page cannot run.)
  await page.evaluate('window.weir.store.setState({ setNodeValue() {} })');
  await field.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+End');
  const monacoOnly = await typeAgain();
  await page.evaluate(() => {
    const area = document.createElement('textarea');
    area.setAttribute('aria-label', 'Bench floor');
    area.style.cssText = 'position:fixed;left:8px;bottom:8px;width:320px;height:64px;z-index:1000';
    document.body.append(area);
    area.focus();
  });
  const bare = await typeAgain();

  const line = (xs: number[]) =>
    `median ${percentile(xs, 50).toFixed(1)} ms, p95 ${percentile(xs, 95).toFixed(1)} ms, max ${xs[xs.length - 1]!.toFixed(1)} ms (${xs.filter((f) => f > 16.7).length} of ${xs.length} over one frame, 16.7 ms)`;
  console.log(`typing in a code field, ${UDFS} map nodes with 16-line functions, ${KEYS} keys typed 80 ms apart`);
  console.log(
    `  store update per edit (validation of every node, problems, canvas): median ${percentile(sorted, 50).toFixed(2)} ms, p95 ${percentile(sorted, 95).toFixed(2)} ms, max ${sorted[sorted.length - 1]!.toFixed(2)} ms`,
  );
  console.log(`  key press to the end of the next frame: ${line(frames)}`);
  console.log(`  the same in Monaco with the document's update cut off: ${line(monacoOnly)}`);
  console.log(`  the same in a bare textarea on the page: ${line(bare)}`);
  if (errors.length > 0) console.log(`  page errors: ${errors.join('; ')}`);
} finally {
  await browser.close();
  await server.close();
}
