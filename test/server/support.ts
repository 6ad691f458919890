/** In-process HTTP test harness: the real app on an ephemeral port of 127.0.0.1, called with fetch. */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type AppOptions } from '../../server/src/main.ts';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';

export const TOKEN = 'test-token-0123456789';

export interface RunningApp {
  url: string;
  /** fetch with the token and a JSON body when `body` is not a string. */
  call(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string>; token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

export function tempDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'weir-server-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startApp(options: Partial<AppOptions> & { dataDir: string }): Promise<RunningApp> {
  const errors: unknown[] = [];
  const app = createApp({ token: TOKEN, log: (_message, err) => errors.push(err), ...options });
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    call(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      const token = init.token === undefined ? TOKEN : init.token;
      if (token !== null) headers.Authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (typeof init.body === 'string') body = init.body;
      else if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers['Content-Type'] ??= 'application/json';
      }
      return fetch(url + path, { method: init.method ?? 'GET', headers, body });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      if (errors.length > 0) throw new Error(`the app logged unexpected errors: ${errors.map(String).join('; ')}`);
    },
  };
}

/** A small valid pipeline: Kafka source → filter → Kafka sink. */
export function samplePipeline(id = 'clicks', name = 'Clicks'): PipelineDoc {
  return {
    format: 'weir/v1',
    id,
    name,
    nodes: [
      { id: 'events', type: 'source.kafka', params: { topic: 'clicks-in' } },
      { id: 'views', type: 'filter', params: { code: ["export default (e) => e.kind === 'view';"] } },
      { id: 'out', type: 'sink.kafka', params: { topic: 'clicks-out' } },
    ],
    edges: [
      { from: 'events', to: 'views' },
      { from: 'views', to: 'out' },
    ],
  };
}
