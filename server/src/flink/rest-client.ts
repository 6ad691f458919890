/**
 * Flink's REST API, the parts Weir uses to run and watch jobs on a session cluster (Flink 2.x; the same API the
 * dashboard uses): cluster overview, jar upload and run, job details, checkpoints, backpressure, stop with a
 * savepoint, cancel. Every failure is a FlinkRestError carrying the URL and Flink's own message.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export class FlinkRestError extends Error {
  constructor(
    readonly url: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${message} (${url})`);
    this.name = 'FlinkRestError';
  }
}

export interface FlinkOverview {
  taskmanagers: number;
  'slots-total': number;
  'slots-available': number;
  'flink-version': string;
}

export type FlinkJobState =
  | 'INITIALIZING' | 'CREATED' | 'RUNNING' | 'FAILING' | 'FAILED' | 'CANCELLING' | 'CANCELED'
  | 'FINISHED' | 'RESTARTING' | 'SUSPENDED' | 'RECONCILING';

export interface FlinkVertex {
  id: string;
  name: string;
  parallelism: number;
  status: string;
  metrics: { 'read-records': number; 'write-records': number; 'read-records-complete': boolean; 'write-records-complete': boolean };
}

export interface FlinkJob {
  jid: string;
  name: string;
  state: FlinkJobState;
  'start-time': number;
  duration: number;
  vertices: FlinkVertex[];
}

export interface FlinkCheckpoints {
  counts: { completed: number; failed: number; in_progress: number; restored: number; total: number };
  latest: {
    completed: { id: number; latest_ack_timestamp: number; state_size?: number; checkpointed_size?: number; end_to_end_duration: number; external_path?: string } | null;
    restored: { id: number; external_path?: string; is_savepoint: boolean } | null;
  };
}

export interface RunOptions {
  entryClass: string;
  programArgsList: string[];
  parallelism: number;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
}

export class FlinkRestClient {
  readonly baseUrl: string;

  constructor(baseUrl: string, private readonly timeoutMs = 30_000) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** The job's page in Flink's web dashboard. */
  dashboardUrl(jobId: string): string {
    return `${this.baseUrl}/#/job/running/${jobId}/overview`;
  }

  overview(): Promise<FlinkOverview> {
    return this.request('GET', '/overview');
  }

  /** The JobManager's JVM classpath (to check a cluster can run Weir's jobs before submitting one). */
  async jobManagerClasspath(): Promise<string[]> {
    const env = await this.request<{ classpath?: string[] }>('GET', '/jobmanager/environment');
    return env.classpath ?? [];
  }

  async jars(): Promise<Array<{ id: string; name: string }>> {
    return (await this.request<{ files: Array<{ id: string; name: string }> }>('GET', '/jars')).files;
  }

  /** Uploads a jar under the name given (a name that carries the checksum makes the upload reusable). */
  async uploadJar(path: string, name = basename(path)): Promise<string> {
    const form = new FormData();
    form.append('jarfile', new Blob([readFileSync(path)], { type: 'application/x-java-archive' }), name);
    const body = await this.request<{ filename: string; status: string }>('POST', '/jars/upload', form);
    return basename(body.filename);
  }

  async runJar(jarId: string, options: RunOptions): Promise<string> {
    const body: Record<string, unknown> = { entryClass: options.entryClass, programArgsList: options.programArgsList, parallelism: options.parallelism };
    if (options.savepointPath) {
      body.savepointPath = options.savepointPath;
      body.allowNonRestoredState = options.allowNonRestoredState ?? false;
    }
    return (await this.request<{ jobid: string }>('POST', `/jars/${encodeURIComponent(jarId)}/run`, body)).jobid;
  }

  job(jobId: string): Promise<FlinkJob> {
    return this.request('GET', `/jobs/${jobId}`);
  }

  async jobs(): Promise<Array<{ id: string; status: FlinkJobState }>> {
    return (await this.request<{ jobs: Array<{ id: string; status: FlinkJobState }> }>('GET', '/jobs')).jobs;
  }

  checkpoints(jobId: string): Promise<FlinkCheckpoints> {
    return this.request('GET', `/jobs/${jobId}/checkpoints`);
  }

  /** The root exception of a failing or failed job, if any. */
  async rootException(jobId: string): Promise<string | undefined> {
    const body = await this.request<{ 'root-exception'?: string; exceptionHistory?: { entries?: Array<{ exceptionName: string; stacktrace: string }> } }>('GET', `/jobs/${jobId}/exceptions?maxExceptions=1`);
    const entry = body.exceptionHistory?.entries?.[0];
    const text = body['root-exception'] ?? entry?.stacktrace;
    return text === undefined ? undefined : firstLines(text);
  }

  /** Backpressure of one vertex: 'ok' | 'low' | 'high', or 'deprecated'/undefined when Flink has not sampled yet. */
  async backpressure(jobId: string, vertexId: string): Promise<{ level?: string; ratio?: number }> {
    const body = await this.request<{ status?: string; 'backpressure-level'?: string; subtasks?: Array<{ ratio?: number }> }>('GET', `/jobs/${jobId}/vertices/${vertexId}/backpressure`);
    const ratio = body.subtasks?.reduce((max, s) => Math.max(max, s.ratio ?? 0), 0);
    return { ...(body['backpressure-level'] ? { level: body['backpressure-level'] } : {}), ...(ratio !== undefined ? { ratio } : {}) };
  }

  /** Stops the job with a savepoint (`drain: false`: windows stay open in the savepoint) and returns its path. */
  async stopWithSavepoint(jobId: string, targetDirectory?: string, pollMs = 500): Promise<string> {
    const body: Record<string, unknown> = { drain: false };
    if (targetDirectory) body.targetDirectory = targetDirectory;
    const { 'request-id': trigger } = await this.request<{ 'request-id': string }>('POST', `/jobs/${jobId}/stop`, body);
    for (;;) {
      const status = await this.request<{ status: { id: string }; operation?: { location?: string; 'failure-cause'?: { 'stack-trace'?: string } } }>(
        'GET',
        `/jobs/${jobId}/savepoints/${trigger}`,
      );
      if (status.status.id === 'COMPLETED') {
        const location = status.operation?.location;
        if (location) return location;
        throw new FlinkRestError(this.baseUrl, `the savepoint of job ${jobId} failed: ${firstLines(status.operation?.['failure-cause']?.['stack-trace'] ?? 'no reason given')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  async cancel(jobId: string): Promise<void> {
    await this.request('PATCH', `/jobs/${jobId}?mode=cancel`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = this.baseUrl + path;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(body instanceof FormData ? { body } : body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new FlinkRestError(this.baseUrl, `cannot reach the Flink cluster: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        const errors = (JSON.parse(text) as { errors?: string[] }).errors;
        if (errors && errors.length > 0) message = errors.map(firstLines).join('; ');
      } catch {
        // not JSON: keep the text
      }
      throw new FlinkRestError(url, `Flink answered ${response.status} to ${method} ${path}: ${firstLines(message)}`, response.status);
    }
    return (text === '' ? {} : JSON.parse(text)) as T;
  }
}

/** The first lines of a Java stack trace or message: what a person needs, not the 200 frames behind it. */
function firstLines(text: string): string {
  const lines = text.split('\n').filter((l) => !/^\s+at |^\s*\.\.\. \d+ more/.test(l));
  const causes = lines.filter((l) => l.startsWith('Caused by:'));
  const head = lines[0]?.trim() ?? '';
  const root = causes.length > 0 ? causes[causes.length - 1]!.trim() : '';
  const joined = root && root !== head ? `${head} … ${root}` : head;
  return joined.length > 600 ? joined.slice(0, 597) + '...' : joined;
}
