/**
 * The typed client of the server's API (shared/api). Every failure becomes an `ApiError` with the server's code and
 * message — or, when no Weir server answers at all (the editor under `npm run dev`, a stopped server), the
 * client's own E_UNREACHABLE with a message that says what to run.
 */
import type { ValidationProblem } from '../../../shared/pipeline/errors.ts';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import type { ApiErrorBody, ApiErrorCode } from '../../../shared/api/errors.ts';
import {
  revisionTag,
  type PipelineListResponse,
  type PipelineResponse,
  type PipelineSummary,
  type PipelineWriteResponse,
} from '../../../shared/api/pipelines.ts';
import type {
  DeployResponse,
  DeploymentEventMap,
  DeploymentHistory,
  DeploymentInfo,
  DeploymentListResponse,
  DeploymentTarget,
  TailEventMap,
} from '../../../shared/api/deployments.ts';
import type { ServerInfo } from '../../../shared/api/info.ts';
import { getToken } from './token.ts';

export type ClientErrorCode = ApiErrorCode | 'E_UNREACHABLE';

const UNREACHABLE =
  'The Weir server is not reachable. Deploying needs it: run `npm start` (or `npx weir serve`) and open the address it prints. ' +
  'The editor started with `npm run dev` has no server of its own.';
const NO_TOKEN = 'This page has no API token. Open the address `weir serve` printed: it ends in ?token=…';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ClientErrorCode;
  readonly problems: ValidationProblem[];
  /** E_STATE_LOSS: the node ids whose state would be dropped. */
  readonly nodes: string[];
  /** E_CONFLICT: the server's current revision. */
  readonly revision?: number;

  constructor(
    status: number,
    code: ClientErrorCode,
    message: string,
    problems: ValidationProblem[] = [],
    nodes: string[] = [],
    revision?: number,
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.problems = problems;
    this.nodes = nodes;
    this.revision = revision;
    this.name = 'ApiError';
  }
}

export interface ClientOptions {
  /** The API's root, ending in `/api/`. Default: `api/` beside the page. */
  baseUrl?: string;
  token?: () => string | null;
  fetch?: typeof fetch;
}

/** How to guard a pipeline write (shared/api/pipelines.ts): a known revision, create-only, or unconditional. */
export type WriteGuard = { revision: number } | { create: true } | Record<string, never>;

/** `retrying`: the connection dropped and EventSource reconnects by itself; `closed`: the server refused the stream. */
export type StreamState = 'open' | 'retrying' | 'closed';

export type EventHandlers<M> = { [K in keyof M]?: (data: M[K]) => void } & {
  connection?: (state: StreamState) => void;
};

export class WeirClient {
  private readonly baseUrl: string;
  private readonly token: () => string | null;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? new URL('api/', globalThis.document?.baseURI ?? 'http://127.0.0.1:8080/').href;
    this.token = options.token ?? getToken;
    this.fetchImpl = options.fetch ?? ((...args) => globalThis.fetch(...args));
  }

  async listPipelines(): Promise<PipelineSummary[]> {
    return (await this.request<PipelineListResponse>('GET', 'pipelines')).pipelines;
  }

  getPipeline(id: string): Promise<PipelineResponse> {
    return this.request('GET', `pipelines/${encodeURIComponent(id)}`);
  }

  savePipeline(pipeline: PipelineDoc, guard: WriteGuard = {}): Promise<PipelineWriteResponse> {
    const headers: Record<string, string> = {};
    if ('revision' in guard) headers['If-Match'] = revisionTag(guard.revision);
    if ('create' in guard) headers['If-None-Match'] = '*';
    return this.request('PUT', `pipelines/${encodeURIComponent(pipeline.id)}`, pipeline, headers);
  }

  async deletePipeline(id: string, revision?: number): Promise<void> {
    const headers: Record<string, string> = revision === undefined ? {} : { 'If-Match': revisionTag(revision) };
    await this.request('DELETE', `pipelines/${encodeURIComponent(id)}`, undefined, headers);
  }

  /** Where a deploy may go: the Flink target is offered only when the server has a cluster. */
  info(): Promise<ServerInfo> {
    return this.request('GET', 'info');
  }

  /** `target` and `parallelism` are sent only when given (the server's defaults: the Weir target, parallelism 1). */
  deploy(
    pipeline: PipelineDoc,
    options: { allowStateLoss?: boolean; target?: DeploymentTarget; parallelism?: number } = {},
  ): Promise<DeployResponse> {
    return this.request('POST', 'deployments', {
      pipeline,
      ...(options.allowStateLoss ? { allowStateLoss: true } : {}),
      ...(options.target ? { target: options.target } : {}),
      ...(options.parallelism !== undefined ? { parallelism: options.parallelism } : {}),
    });
  }

  async listDeployments(): Promise<DeploymentInfo[]> {
    return (await this.request<DeploymentListResponse>('GET', 'deployments')).deployments;
  }

  getDeployment(id: string): Promise<DeploymentInfo> {
    return this.request('GET', `deployments/${encodeURIComponent(id)}`);
  }

  stopDeployment(id: string): Promise<DeploymentInfo> {
    return this.request('POST', `deployments/${encodeURIComponent(id)}/stop`);
  }

  resumeDeployment(id: string): Promise<DeploymentInfo> {
    return this.request('POST', `deployments/${encodeURIComponent(id)}/resume`);
  }

  /** Deletes the deployment (a run in progress ends without a savepoint); its Kafka topics and group stay. */
  async deleteDeployment(id: string): Promise<void> {
    await this.request('DELETE', `deployments/${encodeURIComponent(id)}`);
  }

  /** The deployment's figures over time as the server kept them (last 20 minutes, one point per 5 s). */
  deploymentHistory(id: string): Promise<DeploymentHistory> {
    return this.request('GET', `deployments/${encodeURIComponent(id)}/history`);
  }

  /** Status and metrics of one deployment as they change; returns the function that closes the stream. */
  deploymentEvents(id: string, handlers: EventHandlers<DeploymentEventMap>): () => void {
    return this.stream(`deployments/${encodeURIComponent(id)}/events`, ['status', 'metrics'], handlers);
  }

  /** The records a sink writes, live; returns the function that closes the stream. */
  tailSink(id: string, sinkId: string, handlers: EventHandlers<TailEventMap>): () => void {
    return this.stream(
      `deployments/${encodeURIComponent(id)}/tail/${encodeURIComponent(sinkId)}`,
      ['record', 'gap', 'end'],
      handlers,
    );
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const token = this.token();
    if (!token) throw new ApiError(401, 'E_AUTH', NO_TOKEN);
    const init: RequestInit = {
      method,
      headers: { ...headers, Accept: 'application/json', Authorization: `Bearer ${token}` },
    };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await this.fetchImpl(new URL(path, this.baseUrl), init);
    } catch {
      throw new ApiError(0, 'E_UNREACHABLE', UNREACHABLE);
    }
    if (res.status === 204) return undefined as T;
    const isJson = (res.headers.get('Content-Type') ?? '').includes('application/json');
    // Anything but our JSON (a dev server's index.html, a proxy's error page) means no Weir server answered.
    if (!isJson) throw new ApiError(res.status, 'E_UNREACHABLE', UNREACHABLE);
    let payload: unknown;
    try {
      payload = await res.json();
    } catch {
      throw new ApiError(res.status, 'E_UNREACHABLE', UNREACHABLE);
    }
    if (res.ok) return payload as T;
    const error = (payload as Partial<ApiErrorBody>).error;
    if (!error || typeof error.code !== 'string') throw new ApiError(res.status, 'E_UNREACHABLE', UNREACHABLE);
    const message = error.code === 'E_AUTH' ? `${error.message}. ${NO_TOKEN}` : error.message;
    throw new ApiError(res.status, error.code, message, error.problems ?? [], error.nodes ?? [], error.revision);
  }

  private stream<M>(path: string, events: Array<keyof M & string>, handlers: EventHandlers<M>): () => void {
    const url = new URL(path, this.baseUrl);
    url.searchParams.set('token', this.token() ?? '');
    const source = new EventSource(url);
    for (const name of events) {
      const handle = handlers[name] as ((data: unknown) => void) | undefined;
      if (handle) source.addEventListener(name, (event) => handle(JSON.parse((event as MessageEvent<string>).data)));
    }
    source.onopen = () => handlers.connection?.('open');
    source.onerror = () => handlers.connection?.(source.readyState === EventSource.CLOSED ? 'closed' : 'retrying');
    return () => source.close();
  }
}

/** The app's client. */
export const api = new WeirClient();

/** One line for a failure of any kind, for status bars and toasts. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.code === 'E_UNREACHABLE' ? err.message : `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
