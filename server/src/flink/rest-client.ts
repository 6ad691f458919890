/**
 * Flink's REST API, the parts Weir uses to run and watch jobs on a session cluster (Flink 2.x; the same API the
 * dashboard uses): cluster overview and configuration, jar upload and run, job details, checkpoints, backpressure,
 * metrics, stop with a savepoint, cancel. Every failure is a FlinkRestError carrying the URL and Flink's own message.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export class FlinkRestError extends Error {
  readonly url: string;
  readonly status?: number;

  constructor(url: string, message: string, status?: number) {
    super(`${message} (${url})`);
    this.url = url;
    this.status = status;
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
  | 'INITIALIZING'
  | 'CREATED'
  | 'RUNNING'
  | 'FAILING'
  | 'FAILED'
  | 'CANCELLING'
  | 'CANCELED'
  | 'FINISHED'
  | 'RESTARTING'
  | 'SUSPENDED'
  | 'RECONCILING';

export interface FlinkVertex {
  id: string;
  name: string;
  parallelism: number;
  status: string;
  metrics: {
    'read-records': number;
    'write-records': number;
    'read-records-complete': boolean;
    'write-records-complete': boolean;
  };
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
    completed: {
      id: number;
      latest_ack_timestamp: number;
      state_size?: number;
      checkpointed_size?: number;
      end_to_end_duration: number;
      external_path?: string;
    } | null;
    restored: { id: number; external_path?: string; is_savepoint: boolean } | null;
    failed?: { id: number; failure_timestamp?: number; failure_message?: string } | null;
  };
}

/** A metric as the REST API gives it: every value is a string (a gauge's value as its toString). */
export interface FlinkMetric {
  id: string;
  value: string;
}

/** Query strings longer than this are split (Flink's REST server refuses request lines above 4096 bytes). */
const MAX_METRIC_QUERY = 3000;

export interface RunOptions {
  entryClass: string;
  programArgsList: string[];
  parallelism: number;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
}

export class FlinkRestClient {
  private readonly timeoutMs: number;

  readonly baseUrl: string;

  constructor(baseUrl: string, timeoutMs = 30_000) {
    this.timeoutMs = timeoutMs;
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** The job's page in Flink's web dashboard (which files a job that ended under "completed"). */
  dashboardUrl(jobId: string, ended = false): string {
    return `${this.baseUrl}/#/job/${ended ? 'completed' : 'running'}/${jobId}/overview`;
  }

  overview(): Promise<FlinkOverview> {
    return this.request('GET', '/overview');
  }

  /** The JobManager's JVM classpath (to check a cluster can run Weir's jobs before submitting one). */
  async jobManagerClasspath(): Promise<string[]> {
    const env = await this.request<{ classpath?: string[] }>('GET', '/jobmanager/environment');
    return env.classpath ?? [];
  }

  /** The JobManager's effective configuration, key → value. */
  async jobManagerConfig(): Promise<Record<string, string>> {
    const entries = await this.request<Array<{ key: string; value: string }>>('GET', '/jobmanager/config');
    return Object.fromEntries(entries.map((e) => [e.key, e.value]));
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
    const body: Record<string, unknown> = {
      entryClass: options.entryClass,
      programArgsList: options.programArgsList,
      parallelism: options.parallelism,
    };
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

  /** Whether the job's checkpoints outlive it: `enabled` (retained), and then kept on cancellation unless `delete_on_cancellation`. */
  async checkpointRetention(jobId: string): Promise<{ enabled: boolean; delete_on_cancellation: boolean }> {
    return (
      await this.request<{ externalization: { enabled: boolean; delete_on_cancellation: boolean } }>(
        'GET',
        `/jobs/${jobId}/checkpoints/config`,
      )
    ).externalization;
  }

  /** The root exception of a failing or failed job, if any. */
  async rootException(jobId: string): Promise<string | undefined> {
    const body = await this.request<{
      'root-exception'?: string;
      exceptionHistory?: { entries?: Array<{ exceptionName: string; stacktrace: string }> };
    }>('GET', `/jobs/${jobId}/exceptions?maxExceptions=1`);
    const entry = body.exceptionHistory?.entries?.[0];
    const text = body['root-exception'] ?? entry?.stacktrace;
    return text === undefined ? undefined : firstLines(text);
  }

  /** Backpressure of one vertex: 'ok' | 'low' | 'high', or 'deprecated'/undefined when Flink has not sampled yet. */
  async backpressure(jobId: string, vertexId: string): Promise<{ level?: string; ratio?: number }> {
    const body = await this.request<{
      status?: string;
      backpressureLevel?: string;
      'backpressure-level'?: string;
      subtasks?: Array<{ ratio?: number }>;
    }>('GET', `/jobs/${jobId}/vertices/${vertexId}/backpressure`);
    const level = body.backpressureLevel ?? body['backpressure-level'];
    const ratio = body.subtasks?.reduce((max, s) => Math.max(max, s.ratio ?? 0), 0);
    return { ...(level ? { level } : {}), ...(ratio !== undefined ? { ratio } : {}) };
  }

  /** The ids of every metric of a job vertex (its subtasks' and their operators': `<subtask>.<operator>.<name>`). */
  async vertexMetricIds(jobId: string, vertexId: string): Promise<string[]> {
    return (await this.request<Array<{ id: string }>>('GET', `/jobs/${jobId}/vertices/${vertexId}/metrics`)).map(
      (m) => m.id,
    );
  }

  /** The values of the given metrics of a job vertex; ids Flink does not know (yet) are left out of the answer. */
  vertexMetrics(jobId: string, vertexId: string, ids: string[]): Promise<FlinkMetric[]> {
    return this.metrics(`/jobs/${jobId}/vertices/${vertexId}/metrics`, ids);
  }

  /** Job-level metrics, e.g. `numRestarts`. */
  jobMetrics(jobId: string, ids: string[]): Promise<FlinkMetric[]> {
    return this.metrics(`/jobs/${jobId}/metrics`, ids);
  }

  private async metrics(path: string, ids: string[]): Promise<FlinkMetric[]> {
    const batches: string[][] = [];
    let length = Infinity;
    for (const id of ids) {
      const encoded = encodeURIComponent(id);
      if (length + encoded.length + 1 > MAX_METRIC_QUERY) {
        batches.push([]);
        length = 0;
      }
      batches[batches.length - 1]!.push(encoded);
      length += encoded.length + 1;
    }
    const answers = await Promise.all(
      batches.map((batch) => this.request<FlinkMetric[]>('GET', `${path}?get=${batch.join(',')}`)),
    );
    return answers.flat();
  }

  /**
   * Stops the job with a savepoint (`drain: false`: windows stay open in the savepoint) and returns its path. Gives up
   * with a FlinkRestError after `timeoutMs` (the job may still stop later).
   */
  async stopWithSavepoint(jobId: string, targetDirectory?: string, pollMs = 500, timeoutMs = 300_000): Promise<string> {
    const body: Record<string, unknown> = { drain: false };
    if (targetDirectory) body.targetDirectory = targetDirectory;
    const { 'request-id': trigger } = await this.request<{ 'request-id': string }>('POST', `/jobs/${jobId}/stop`, body);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.request<{
        status: { id: string };
        operation?: { location?: string; 'failure-cause'?: { 'stack-trace'?: string } };
      }>('GET', `/jobs/${jobId}/savepoints/${trigger}`);
      if (status.status.id === 'COMPLETED') {
        const location = status.operation?.location;
        if (location) return location;
        throw new FlinkRestError(
          this.baseUrl,
          `the savepoint of job ${jobId} failed: ${firstLines(status.operation?.['failure-cause']?.['stack-trace'] ?? 'no reason given')}`,
        );
      }
      if (Date.now() > deadline)
        throw new FlinkRestError(
          this.baseUrl,
          `the savepoint of job ${jobId} did not complete within ${Math.round(timeoutMs / 1000)} s`,
        );
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
        ...(body instanceof FormData
          ? { body }
          : body !== undefined
            ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
            : {}),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new FlinkRestError(
        this.baseUrl,
        `cannot reach the Flink cluster: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      );
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
      throw new FlinkRestError(
        url,
        `Flink answered ${response.status} to ${method} ${path}: ${firstLines(message)}`,
        response.status,
      );
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
