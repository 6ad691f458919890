/**
 * Deployments remembered on disk, one JSON file each (`<dataDir>/deployments/<id>.json`), written atomically
 * (storage/atomic.ts) so a kill -9 leaves either the old or the new file, never half of one. A file that cannot be
 * read as a deployment (edited by hand, a disk fault) is moved aside and named in the log; the others load.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../storage/atomic.ts';
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

  /** Every stored deployment; `unreadable` hears of each file moved aside (with where it went and why). */
  load(unreadable: (message: string) => void = () => {}): StoredDeployment[] {
    const result: StoredDeployment[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const file = join(this.dir, name);
      try {
        result.push(parseStored(readFileSync(file, 'utf8'), name.slice(0, -'.json'.length)));
      } catch (err) {
        const aside = `${file}.unreadable-${Date.now()}`;
        renameSync(file, aside);
        unreadable(
          `the deployment record ${name} cannot be read (${err instanceof Error ? err.message : String(err)}); it was moved to ${aside} and is not loaded`,
        );
      }
    }
    return result.sort((a, b) => a.id.localeCompare(b.id));
  }

  save(deployment: StoredDeployment): void {
    writeFileAtomicSync(join(this.dir, `${deployment.id}.json`), JSON.stringify(deployment, null, 2) + '\n');
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

/** A stored deployment as far as loading needs it: its id matches its file, it has a pipeline and a desired state. */
function parseStored(text: string, id: string): StoredDeployment {
  const value = JSON.parse(text) as Partial<StoredDeployment> | null;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
  if (value.id !== id) throw new Error(`its id is ${JSON.stringify(value.id)}, not "${id}"`);
  if (value.pipeline === null || typeof value.pipeline !== 'object' || !Array.isArray(value.pipeline.nodes))
    throw new Error('it holds no pipeline');
  if (!['running', 'stopped', 'failed'].includes(value.desired as string))
    throw new Error(`desired is ${JSON.stringify(value.desired)}`);
  return value as StoredDeployment;
}
