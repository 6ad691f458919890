/** In-process HTTP test harness: the real app on an ephemeral port of 127.0.0.1, called with fetch. */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createApp, type AppOptions } from '../../server/src/main.ts';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';
import { PATIENCE_MS } from '../patience.ts';

export const TOKEN = 'test-token-0123456789';

export interface RunningApp {
  url: string;
  /** fetch with the token and a JSON body when `body` is not a string. */
  call(
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string>; token?: string | null },
  ): Promise<Response>;
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

/**
 * The app for one describe block: started on a fresh data directory before its tests, closed (the directory
 * removed) after them. The handle forwards to the app that `beforeAll` started, so tests use it like a RunningApp.
 */
export function useApp(options: Partial<AppOptions> = {}): RunningApp & { dataDir: string } {
  const data = tempDataDir();
  let running: RunningApp | undefined;
  beforeAll(async () => {
    running = await startApp({ dataDir: data.dir, ...options });
  });
  afterAll(async () => {
    await running?.close();
    data.remove();
  });
  const started = (): RunningApp => {
    if (running === undefined) throw new Error('the app is not running: use it inside a test or a later hook');
    return running;
  };
  return {
    dataDir: data.dir,
    get url() {
      return started().url;
    },
    call: (path, init) => started().call(path, init),
    close: () => started().close(),
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

export interface ServerSentEvent {
  event: string;
  data: unknown;
}

export interface EventStreamReader {
  status: number;
  /** The next event that satisfies `accept` (others are skipped); rejects after `timeoutMs`. */
  next(accept?: (e: ServerSentEvent) => boolean, timeoutMs?: number): Promise<ServerSentEvent>;
  close(): void;
}

/** Reads a Server-Sent Events response with fetch (Node has no EventSource), as a browser's EventSource would. */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStreamReader> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const queue: ServerSentEvent[] = [];
  const waiter: { wake: (() => void) | null } = { wake: null };
  let ended = false;
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length > 0) queue.push({ event, data: JSON.parse(data.join('\n')) });
            waiter.wake?.();
          }
        }
      } catch {
        // aborted by close()
      }
      ended = true;
      waiter.wake?.();
    })();
  }
  return {
    status: res.status,
    async next(accept = () => true, timeoutMs = PATIENCE_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (queue.length > 0) {
          const e = queue.shift()!;
          if (accept(e)) return e;
        }
        if (ended) throw new Error('the event stream ended');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiter.wake = () => {
            clearTimeout(timer);
            waiter.wake = null;
            resolve();
          };
        });
      }
    },
    close: () => abort.abort(),
  };
}
