/**
 * The deployment manager (DESIGN "The server"): runs each deployed pipeline in its own worker thread against Kafka,
 * remembers what should run across restarts of the server (even after kill -9), restarts failed deployments from
 * their last checkpoint with exponential backoff, and upgrades a running pipeline by stopping it with a savepoint
 * and restoring the new version's state by node id. The main thread never runs user code.
 *
 *   const manager = new DeploymentManager({ dataDir, kafka: { brokers: ['127.0.0.1:9092'] } });
 *   await manager.start();                               // resumes what was running
 *   const { id } = await manager.deploy(pipeline);       // id = pipeline id
 *   const off = manager.subscribe(id, (e) => …);         // 'status' and 'metrics' events
 *   await manager.stop(id);                              // savepoint, then stopped (remembered)
 *   await manager.shutdown();                            // savepoints everything, leaves it marked running
 *
 * Errors thrown on purpose are `DeploymentError`s (types.ts) with the `code` the HTTP layer answers with.
 */
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import type { TailRecord } from '../../../shared/api/deployments.ts';
import type { DeploymentListener, DeploymentManagerOptions, DeploymentRuntimeInfo, DeployOptions } from './types.ts';

export class DeploymentManager {
  constructor(readonly options: DeploymentManagerOptions) {}

  /** Reads `<dataDir>/deployments/` and starts every deployment recorded as running. Call once, before the rest. */
  async start(): Promise<void> {
    throw new Error('not implemented yet');
  }

  /**
   * Deploys a pipeline (its id is the deployment id) and resolves once its worker is starting. A pipeline id that
   * is already deployed is upgraded: `StateLossError` (E_STATE_LOSS) if the new graph drops state and
   * `allowStateLoss` is not set — the running version is left untouched then; otherwise the running version stops
   * with a savepoint and the new one starts from it. `DeploymentValidationError` (E_VALIDATION) for an invalid
   * document.
   */
  async deploy(pipeline: PipelineDoc, options: DeployOptions = {}): Promise<{ id: string; status: DeploymentRuntimeInfo['status'] }> {
    void pipeline;
    void options;
    throw new Error('not implemented yet');
  }

  list(): DeploymentRuntimeInfo[] {
    throw new Error('not implemented yet');
  }

  /** `DeploymentNotFoundError` (E_NOT_FOUND) when there is no such deployment. */
  get(id: string): DeploymentRuntimeInfo {
    void id;
    throw new Error('not implemented yet');
  }

  /** Takes a savepoint (a final checkpoint), stops, and remembers the deployment as stopped. */
  async stop(id: string): Promise<DeploymentRuntimeInfo> {
    void id;
    throw new Error('not implemented yet');
  }

  /** Starts a stopped or failed deployment from its last checkpoint. `DeploymentStateError` if it is running. */
  async resume(id: string): Promise<DeploymentRuntimeInfo> {
    void id;
    throw new Error('not implemented yet');
  }

  /** Status and metrics events of one deployment; returns the unsubscribe function. */
  subscribe(id: string, listener: DeploymentListener): () => void {
    void id;
    void listener;
    throw new Error('not implemented yet');
  }

  /**
   * Reads a sink's topic (read_committed, so only checkpointed output) from a little before its end and calls
   * `listener` for each record as it arrives. Resolves once reading has started, with the unsubscribe function.
   */
  async tail(id: string, sinkId: string, listener: (record: TailRecord) => void): Promise<() => Promise<void>> {
    void id;
    void sinkId;
    void listener;
    throw new Error('not implemented yet');
  }

  /** Stops every worker with a savepoint, leaving each deployment's recorded state as it was (for `start()`). */
  async shutdown(): Promise<void> {
    throw new Error('not implemented yet');
  }
}
