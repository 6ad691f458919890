/**
 * Deployments remembered on disk, one JSON file each (`<dataDir>/deployments/<id>.json`), written atomically
 * (temporary file, fsync, rename) so a kill -9 leaves either the old or the new file, never half of one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploymentTarget } from '../../../shared/api/deployments.ts';
import type { NodeMetrics } from '../../../shared/engine/engine.ts';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';

export interface StoredDeployment {
  id: string;
  pipeline: PipelineDoc;
  /** What the deployment should be doing: `running` ones are started again by `DeploymentManager.start()`. */
  desired: 'running' | 'stopped' | 'failed';
  /** Why it failed, for `failed`. */
  error?: string;
  version: number;
  deployedAt: number;
  /** The deploy accepted dropping state the new version cannot keep (kept until the next deploy). */
  allowStateLoss: boolean;
  /** Where it runs; absent in records written before there was a Flink target, which are all "weir". */
  target?: DeploymentTarget;
  /** Flink: the job's parallelism (its state restores only at the same one). */
  parallelism?: number;
  /** Flink: the job, and what the next job starts from. */
  flink?: StoredFlinkJob;
}

export interface StoredFlinkJob {
  restUrl: string;
  /** The job of the current (or last) run; null before it is submitted. */
  jobId: string | null;
  /** The savepoint of the last stop or upgrade. */
  savepointPath: string | null;
  /**
   * What the next job restores: that savepoint, or the last completed checkpoint of a job that failed or was
   * cancelled outside Weir; null for a job that starts empty.
   */
  resumeFrom: string | null;
  /** Node counts and checkpoint counts of the deployment's earlier jobs, so its figures go on across jobs. */
  countsBefore: Record<string, NodeMetrics>;
  checkpointsBefore: { completed: number; failed: number };
}

export class DeploymentStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'deployments');
    mkdirSync(this.dir, { recursive: true });
  }

  load(): StoredDeployment[] {
    const result: StoredDeployment[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.json')) continue;
      result.push(JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as StoredDeployment);
    }
    return result.sort((a, b) => a.id.localeCompare(b.id));
  }

  save(deployment: StoredDeployment): void {
    const file = join(this.dir, `${deployment.id}.json`);
    const temporary = `${file}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, JSON.stringify(deployment, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  }

  /** Forgets a deployment (DELETE /api/deployments/:id): its file goes; one that is already gone is no error. */
  remove(id: string): void {
    try {
      unlinkSync(join(this.dir, `${id}.json`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
