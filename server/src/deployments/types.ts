/**
 * What the deployment manager promises its callers (the HTTP layer, the CLI's `weir serve`): options, the typed
 * errors each action may throw (each carries the `ApiErrorCode` the HTTP layer answers with), and the figures it
 * reports. The wire shapes themselves, every field the server sends included, live in shared/api/deployments.ts.
 */
import type { ApiErrorCode } from '../../../shared/api/errors.ts';
import type {
  CheckpointMetrics,
  DeploymentInfo,
  DeploymentMetrics,
  DeploymentStatus,
  DeploymentTarget,
  PartitionMetrics,
} from '../../../shared/api/deployments.ts';
import type { ValidationProblem } from '../../../shared/pipeline/errors.ts';
import type { KafkaConfig } from '../kafka/config.ts';
import { logger, loggerTo, type Logger } from '../log.ts';
import type { HistoryOptions } from './metrics-history.ts';

export type { DeploymentStatus, DeploymentInfo, DeploymentMetrics, PartitionMetrics };

export interface DeploymentLimits {
  /** Heap limit of each deployment's worker thread (`resourceLimits.maxOldGenerationSizeMb`); default 512. */
  workerMemoryMb?: number;
  /** Time budget of one UDF call (SPEC §5); default 1000 ms. */
  udfBudgetMs?: number;
  /**
   * A worker that sends no heartbeat for this long is terminated and its deployment restarted. User code does not run
   * on the worker's thread (its isolate is watched by CPU time instead, so a starved machine never looks like a
   * hang): this only catches a run that stopped answering. Default 60 000 ms.
   */
  heartbeatTimeoutMs?: number;
}

export interface RestartPolicy {
  /** Delay before the first restart after a failure; doubles on every further failure. Default 1000 ms. */
  initialDelayMs?: number;
  /** Cap of the doubling delay. Default 60 000 ms. */
  maxDelayMs?: number;
  /** More failures than this within `failureIntervalMs` end the deployment as failed. Default 10. */
  maxFailures?: number;
  /** The window of the failure rate. Default 10 minutes. */
  failureIntervalMs?: number;
}

export interface DeploymentManagerOptions {
  /** Deployments are remembered in `<dataDir>/deployments/<id>.json`. */
  dataDir: string;
  kafka: KafkaConfig;
  limits?: DeploymentLimits;
  restart?: RestartPolicy;
  /**
   * Consumer group session timeout. After a crash (kill -9) the group waits this long for the dead member before a
   * restarted deployment gets its partitions back. Default 10 000 ms (brokers accept 6 000 and up by default).
   */
  sessionTimeoutMs?: number;
  /** How often `metrics` events are emitted; default 1000 ms. */
  metricsIntervalMs?: number;
  /** Resolution and length of each deployment's metrics history (metrics-history.ts); default 5 s × 240 points. */
  history?: HistoryOptions;
  /**
   * Where deployment log lines go (their lifecycle, restarts, failures, `ctx.log` of user code) instead of the server's
   * log (log.ts), at level info and up: tests and benchmarks collect them with it.
   */
  log?: (line: DeploymentLogLine) => void;
}

export interface DeploymentLogLine {
  /** The deployment's id; "-" for a line about no one deployment (a record that cannot be read). */
  deployment: string;
  level: 'info' | 'warn' | 'error';
  /** Set for `ctx.log` lines of user code. */
  nodeId?: string;
  message: string;
}

/**
 * The logger deployments log through (each with a child `{ deployment: id }`): the server's, or, given a `log`
 * option, one that hands it every line.
 */
export function deploymentLogger(log: ((line: DeploymentLogLine) => void) | undefined): Logger {
  if (!log) return logger;
  return loggerTo((line) =>
    log({
      deployment: typeof line.deployment === 'string' ? line.deployment : '-',
      level: line.level as DeploymentLogLine['level'],
      message: line.msg,
      ...(typeof line.nodeId === 'string' ? { nodeId: line.nodeId } : {}),
    }),
  );
}

/** The wire shapes carry every figure the server reports; these names are what the server code speaks of. */
export type RuntimeCheckpointMetrics = CheckpointMetrics;
export type RuntimeMetrics = DeploymentMetrics;
export type DeploymentRuntimeInfo = DeploymentInfo;

export type DeploymentEvent =
  | { type: 'status'; data: DeploymentRuntimeInfo }
  | { type: 'metrics'; data: RuntimeMetrics };

export type DeploymentListener = (event: DeploymentEvent) => void;

export interface DeployOptions {
  /** Accept an upgrade that drops the state of nodes the new graph removes or retypes (SPEC §6). */
  allowStateLoss?: boolean;
  /** Default "weir". */
  target?: DeploymentTarget;
  /** Parallel subtasks on Flink; the Weir target takes only 1. Default 1. */
  parallelism?: number;
}

export const WEIR_PARALLELISM =
  'the Weir server runs a deployment as one engine: its parallelism is 1 (deploy with "target": "flink" to run it at a higher parallelism on a Flink cluster)';

export const FLINK_SETUP =
  "set FLINK_REST_URL to your Flink cluster's REST address (e.g. http://flink-jobmanager:8081), or WEIR_FLINK=local to start the local cluster of tools/flink, and restart the server";

/** Every error the manager throws on purpose; `code` is what the HTTP layer answers with. */
export class DeploymentError extends Error {
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'DeploymentError';
  }
}

export class DeploymentNotFoundError extends DeploymentError {
  readonly id: string;

  constructor(id: string) {
    super('E_NOT_FOUND', `no deployment "${id}"`);
    this.id = id;
    this.name = 'DeploymentNotFoundError';
  }
}

/** The action does not fit the deployment's status (resume of a running one, tail of an unknown sink, …). */
export class DeploymentStateError extends DeploymentError {
  constructor(message: string) {
    super('E_STATE', message);
    this.name = 'DeploymentStateError';
  }
}

/** The pipeline document is invalid; `problems` are the coded problems the editor shows. */
export class DeploymentValidationError extends DeploymentError {
  readonly problems: ValidationProblem[];

  constructor(problems: ValidationProblem[]) {
    super(
      'E_VALIDATION',
      `the pipeline has ${problems.length} problem(s): ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    );
    this.problems = problems;
    this.name = 'DeploymentValidationError';
  }
}

/** A deployment asks for the Flink target on a server without a Flink cluster. */
export class FlinkUnconfiguredError extends DeploymentError {
  constructor() {
    super('E_FLINK_UNCONFIGURED', `this server has no Flink cluster to deploy to: ${FLINK_SETUP}`);
    this.name = 'FlinkUnconfiguredError';
  }
}

/**
 * An upgrade would drop state (SPEC §6): `nodes` lists the node ids whose state the new graph cannot keep, because
 * the new graph has no such node (`removed`) or gives it another type (`retyped`, as `id (old → new)`). Deploy again
 * with `allowStateLoss` to accept.
 */
export class StateLossError extends DeploymentError {
  readonly removed: string[];
  readonly retyped: string[];

  readonly nodes: string[];

  constructor(removed: string[], retyped: string[]) {
    const described = [...removed.map((id) => `${id} (removed)`), ...retyped];
    super(
      'E_STATE_LOSS',
      `the new version cannot keep the state of ${described.join(', ')}; deploy with allowStateLoss to drop it`,
    );
    this.removed = removed;
    this.retyped = retyped;
    this.name = 'StateLossError';
    this.nodes = [...removed, ...retyped.map((r) => r.slice(0, r.indexOf(' (')))];
  }
}

/**
 * A stopped deployment moves to the other target: Weir's state and a Flink savepoint are not the same thing, so it
 * starts without the state of any of its nodes. Deploy again with `allowStateLoss` to accept.
 */
export class TargetChangeError extends StateLossError {
  constructor(pipelineId: string, nodes: string[], from: DeploymentTarget, to: DeploymentTarget) {
    super(nodes, []);
    this.message =
      `pipeline "${pipelineId}" was deployed on ${TARGET_NAMES[from]}; on ${TARGET_NAMES[to]} it starts without the state it has there ` +
      `(windows, counts, timers, source offsets): deploy with allowStateLoss to accept`;
    this.name = 'TargetChangeError';
  }
}

export const TARGET_NAMES: Record<DeploymentTarget, string> = { weir: 'the Weir server', flink: 'the Flink cluster' };

/** The deployment was deleted while this action waited for an earlier one on it (stop, resume, upgrade). */
export class DeploymentDeletedError extends DeploymentStateError {
  readonly id: string;

  constructor(id: string) {
    super(`deployment "${id}" was deleted while this request waited for it`);
    this.id = id;
    this.name = 'DeploymentDeletedError';
  }
}
