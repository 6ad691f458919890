/**
 * `/api/deployments`: a pipeline running on the server against Kafka (DESIGN "The server").
 *
 * - `POST /api/deployments` with `DeployRequest` → 201 `DeployResponse`. Deploying a pipeline id that is already
 *   deployed is an upgrade: state moves over by node id (SPEC §6). When the new graph cannot keep some node's state
 *   the answer is 409 E_STATE_LOSS naming those `nodes`, unless the request says `allowStateLoss: true`.
 *   An invalid document is 400 E_VALIDATION with the coded problems.
 * - `target: "flink"` runs the pipeline on the server's Flink cluster (GET /api/info says whether it has one; 409
 *   E_FLINK_UNCONFIGURED when not) at `parallelism` subtasks: 409 E_FLINK_FULL when the cluster has fewer free
 *   task slots, 502 E_FLINK_UNAVAILABLE (naming the cluster's URL and Flink's own message) when it cannot be
 *   reached or cannot run Weir's jobs. Once accepted, what goes wrong later (the job fails on the cluster) is the
 *   deployment's `failed` status with that error. A pipeline id runs on one target at a time (409 E_STATE while it
 *   runs on the other; after a stop, moving it over drops its state: 409 E_STATE_LOSS unless `allowStateLoss`).
 * - `GET /api/deployments` → `DeploymentListResponse`; `GET /api/deployments/:id` → `DeploymentInfo`.
 * - `POST /api/deployments/:id/stop` (takes a savepoint, then stops) and `.../resume` → `DeploymentInfo`.
 * - `DELETE /api/deployments/:id` → 204: the deployment is gone from the server (from `GET /api/deployments`, and
 *   from its data directory, so a restart does not bring it back); 404 E_NOT_FOUND when there is no such deployment.
 *   A run in progress ends at once, without a savepoint, as Flink's `cancel` (not `stop`) does: a savepoint is what
 *   Resume starts from, and a deleted deployment is never resumed, so the caller would only wait (up to 30 s) for
 *   state nobody asks for. Nothing is lost or doubled by skipping it: output is committed only with a checkpoint,
 *   and the last completed checkpoint stays consistent (state and input offsets of the same point). On Flink the job
 *   is cancelled; when the cluster cannot cancel a job that still runs, 502 E_FLINK_UNAVAILABLE and the deployment
 *   stays (a job nobody watches must not run on). Actions that were waiting behind the deletion get 409 E_STATE.
 *   What a deployment owns outside the server stays where it is (topics are never deleted by Weir): in Kafka its
 *   changelog topic (`<id>.changelog`, the last checkpoint's state and offsets), its consumer group (`weir-<id>`)
 *   and, if a node sends errors there, its dead-letter topic (`<id>.dlq`); on Flink its savepoints and retained
 *   checkpoints. So deploying the same pipeline id again on the Weir server continues from that last checkpoint
 *   (state the new version cannot keep fails it unless deployed with `allowStateLoss`); to start it from nothing,
 *   delete that topic and group with Kafka's tools first.
 * - `GET /api/deployments/:id/history` → `DeploymentHistory`: the deployment's figures over time, for charts — per
 *   node records in and out per second, per source partition (and per source) the lag, the last checkpoint's
 *   duration and size, the checkpoint and restart counts. The server samples every metrics reading into one point
 *   per `resolutionMs` (HISTORY_RESOLUTION_MS, 5 s: the last reading of an interval stands for it) and keeps the
 *   last `capacity` points (HISTORY_CAPACITY, 240: 20 minutes), oldest first, in memory: the history survives a
 *   page reload and every run, restart and upgrade of the deployment, but not a restart of the server, and goes
 *   with the deployment when it is deleted. Only a run whose engine is up makes points (a stopped deployment
 *   keeps its history; one waiting for its source topic has none yet). 404 E_NOT_FOUND for an unknown id.
 *   shared/api/metrics-history.ts is the sampling rule, which the editor follows to append the live `metrics`
 *   events to what this returned.
 * - `GET /api/deployments/:id/events` — Server-Sent Events: `status` (DeploymentInfo) when anything but the
 *   metrics changes, `metrics` (DeploymentMetrics) periodically.
 * - `GET /api/deployments/:id/tail/:sinkId` — Server-Sent Events: `record` (TailRecord) for each record of that
 *   sink's topic, `gap` (TailGap) when records were dropped because the client read too slowly, `end` (TailEnd)
 *   when the server cannot go on tailing.
 * EventSource cannot send headers, so these two endpoints (and only these) also take the token as `?token=`.
 */
import type { Delivery, Json, Key, PipelineDoc } from '../pipeline/types.ts';

export type DeploymentStatus = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed' | 'restarting';

/** Where a deployment runs: the Weir server's own worker threads, or a Flink session cluster. */
export type DeploymentTarget = 'weir' | 'flink';

export const DEPLOYMENT_TARGETS: readonly DeploymentTarget[] = ['weir', 'flink'];

export interface DeployRequest {
  pipeline: PipelineDoc;
  /** Accept an upgrade that drops the state of nodes the new graph removes or retypes. */
  allowStateLoss?: boolean;
  /** Default "weir". */
  target?: DeploymentTarget;
  /** Parallel subtasks of the job: a whole number ≥ 1, default 1. The Weir target runs one and accepts only 1. */
  parallelism?: number;
}

export interface DeployResponse {
  id: string;
  status: DeploymentStatus;
}

export interface NodeRuntimeMetrics {
  /** Records in and out (per output port) since the deployment started; errors counted under `onError`. */
  in: number;
  out: Record<string, number>;
  errors: number;
  /** Recent throughput, records per second. */
  inPerSecond?: number;
  outPerSecond?: number;
  /** Flink: the back pressure of the job vertex the node runs in, as Flink rates it; absent until Flink has. */
  backpressure?: BackpressureLevel;
  /** Flink: the share of time (0–1) the vertex's busiest subtask was back-pressured. */
  backpressureRatio?: number;
}

export type BackpressureLevel = 'ok' | 'low' | 'high';

export interface CheckpointMetrics {
  completed: number;
  failed: number;
  /** Epoch milliseconds of the last completed checkpoint, null before the first. */
  lastCompletedAt: number | null;
  lastDurationMs: number | null;
  /** Id of the last completed checkpoint (it grows by one with each; a restore continues the count). */
  lastId: number | null;
  /** Size of the full state (JSON) at the last checkpoint. */
  lastSizeBytes: number | null;
  /** Changelog bytes the last checkpoint wrote (only state that changed since the one before is written). */
  lastWrittenBytes: number | null;
  /** Sink records the last checkpoint committed. */
  lastRecords: number | null;
  /** Why the last checkpoint failed; absent until one fails. */
  lastError?: string;
}

/** The checkpoint figures of a run that has completed none yet. */
export function noCheckpoints(): CheckpointMetrics {
  return {
    completed: 0,
    failed: 0,
    lastCompletedAt: null,
    lastDurationMs: null,
    lastId: null,
    lastSizeBytes: null,
    lastWrittenBytes: null,
    lastRecords: null,
  };
}

export interface PartitionMetrics {
  /** Source node reading this partition. */
  source: string;
  topic: string;
  partition: number;
  /** Next offset to read as of the last completed checkpoint (what a restart resumes from); null before one. */
  committedOffset: number | null;
  /** Next offset the engine will process. */
  position: number | null;
  /**
   * Records between `position` and the end of the partition (its high watermark as of the last fetch, known as soon
   * as the fetch arrives); before the engine's first record of the partition, from where reading starts (the group's
   * committed offset, else the start or end of the log as the source says). kafka-consumer-groups' LAG counts from
   * the committed offset, so it is larger by the records processed since the last checkpoint.
   */
  lag: number;
}

export interface DeploymentMetrics {
  /** Epoch milliseconds when these figures were taken. */
  at: number;
  nodes: Record<string, NodeRuntimeMetrics>;
  /** Consumer lag (records behind the log end) per source node id, summed over its partitions. */
  lag: Record<string, number>;
  /** Every source partition this deployment reads; empty until its consumer has been assigned partitions. */
  partitions: PartitionMetrics[];
  checkpoints: CheckpointMetrics;
}

/** A deployment's figures over time (GET /api/deployments/:id/history). */
export interface DeploymentHistory {
  id: string;
  /** One point per interval of this many milliseconds (intervals start at multiples of it, epoch-aligned). */
  resolutionMs: number;
  /** The most points kept; older ones are dropped. */
  capacity: number;
  /** Oldest first. Intervals without a reading (the deployment stopped, restarting) have no point. */
  points: HistoryPoint[];
}

export interface HistoryPoint {
  /** Epoch ms of the reading that stands for this point's interval (the last one in it). */
  at: number;
  /** Per node id (those the reading had). */
  nodes: Record<string, NodeHistory>;
  /** Lag per source node id, summed over its partitions (the only lag figure Flink gives). */
  lag: Record<string, number>;
  /** Lag per source partition (the first HISTORY_PARTITIONS of them); empty on Flink. */
  partitions: PartitionLag[];
  checkpoints: Pick<CheckpointMetrics, 'completed' | 'failed' | 'lastDurationMs' | 'lastSizeBytes'>;
  /** `DeploymentSummary.restarts` at that reading: a restart shows as a rise. */
  restarts: number;
}

export interface NodeHistory {
  /** Records in, and out over all ports, since the deployment started (what rates are computed from). */
  in: number;
  out: number;
  /**
   * Records per second between the point before and this one (over about one interval), from the counts; the
   * reading's own rate for a first point, after a gap or when the counts went back (a restore from a checkpoint);
   * null when there is neither.
   */
  inPerSecond: number | null;
  outPerSecond: number | null;
}

export interface PartitionLag {
  source: string;
  partition: number;
  lag: number;
}

export interface DeploymentSummary {
  id: string;
  pipelineId: string;
  pipelineName: string;
  status: DeploymentStatus;
  /** Why the deployment failed or is restarting; absent while a new run starts or runs, and once stopped. */
  error?: string;
  /** The error of an earlier run (before the current start, or before stopping): history, not the current state. */
  lastError?: string;
  /**
   * Present while the run cannot reach Kafka and keeps retrying (a broker outage): since when (epoch ms) and the last
   * error. The status stays what it was; nothing is lost, the run goes on from where it was once Kafka answers.
   */
  reconnecting?: { since: number; reason: string };
  /** Sink node id → Kafka topic, for live tails. */
  sinks: Record<string, string>;
  delivery: Delivery;
  /** Increases with every deploy of this pipeline id (upgrades included). */
  version: number;
  /** Epoch ms of the last deploy. */
  deployedAt: number;
  /** Restarts since the last deploy or resume. */
  restarts: number;
  target: DeploymentTarget;
  /** Parallel subtasks (always 1 on the Weir target). */
  parallelism: number;
  /** Present for the Flink target. */
  flink?: FlinkJobInfo;
}

export interface FlinkJobInfo {
  /** The cluster's REST address (its web dashboard is there too). */
  restUrl: string;
  /** The Flink job of the current run; null before it is submitted (waiting for a source topic, say). */
  jobId: string | null;
  /** The job's page in Flink's web dashboard; null while there is no job. */
  dashboardUrl: string | null;
  /** Flink's own job state as last seen (RUNNING, RESTARTING, …); null before the first look. */
  state: string | null;
  /** The savepoint the last stop or upgrade took: where Resume starts from. */
  savepointPath: string | null;
}

export interface DeploymentInfo extends DeploymentSummary {
  metrics: DeploymentMetrics;
}

export interface DeploymentListResponse {
  deployments: DeploymentInfo[];
}

/**
 * Records a live tail starts with (the latest of each partition of the sink's topic) and the number the editor keeps
 * on screen, so "last N records" holds from the first screenful on.
 */
export const TAIL_RECORDS = 200;

export interface TailRecord {
  sink: string;
  topic: string;
  partition: number;
  offset: string;
  key: Key;
  value: Json;
  timestamp: number;
}

export interface TailGap {
  dropped: number;
}

export interface TailEnd {
  reason: string;
}

/** The events of `/events` and `/tail/:sinkId`, by SSE event name. */
export interface DeploymentEventMap {
  status: DeploymentInfo;
  metrics: DeploymentMetrics;
}

export interface TailEventMap {
  record: TailRecord;
  gap: TailGap;
  end: TailEnd;
}
