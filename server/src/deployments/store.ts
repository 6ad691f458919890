/**
 * Deployments remembered on disk, one JSON file each (`<dataDir>/deployments/<id>.json`), written atomically
 * (storage/atomic.ts) so a kill -9 leaves either the old or the new file, never half of one. A file that cannot be
 * read as a deployment (edited by hand, a disk fault) is moved aside and named in the log; the others load, and the
 * server starts. "Read as a deployment" means every field the server reads before a run starts has its shape, so a
 * record that parses but holds, say, a node that is not an object cannot stop `weir serve` later either.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { logger } from '../log.ts';
import { writeFileAtomicSync } from '../storage/atomic.ts';
import type { DeploymentTarget } from '../../../shared/api/deployments.ts';
import type { NodeMetrics } from '../../../shared/engine/engine.ts';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import { isObject } from '../../../shared/pipeline/validate-members.ts';

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

  /**
   * Every stored deployment; `unreadable` (default: a warning in the server's log) hears of each file moved aside,
   * with where it went and why.
   */
  load(unreadable: (message: string) => void = (message) => logger.warn(message)): StoredDeployment[] {
    const result: StoredDeployment[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const file = join(this.dir, name);
      try {
        result.push(parseStored(readFileSync(file, 'utf8'), name.slice(0, -'.json'.length)));
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        const aside = `${file}.unreadable-${Date.now()}`;
        try {
          renameSync(file, aside);
        } catch (moveErr) {
          unreadable(
            `the deployment record ${name} cannot be read (${reason}) nor moved aside (${(moveErr as Error).message}); it is not loaded`,
          );
          continue;
        }
        unreadable(
          `the deployment record ${name} cannot be read (${reason}); it was moved to ${aside} and is not loaded`,
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

/**
 * A stored deployment as far as the server reads it before a run starts: its id matches its file, its pipeline has
 * nodes (each an object with an id, a type and params) and edges, its desired state is one of three, and a Flink
 * record has its job's record. What the pipeline's nodes mean is checked where it runs (the engine, Flink).
 */
function parseStored(text: string, id: string): StoredDeployment {
  const value: unknown = JSON.parse(text);
  if (!isObject(value)) throw new Error('not a JSON object');
  if (value.id !== id) throw new Error(`its id is ${JSON.stringify(value.id)}, not "${id}"`);
  const pipeline = value.pipeline;
  if (!isObject(pipeline) || !Array.isArray(pipeline.nodes)) throw new Error('it holds no pipeline');
  for (const [i, node] of pipeline.nodes.entries()) {
    if (!isObject(node) || typeof node.id !== 'string' || typeof node.type !== 'string' || !isObject(node.params))
      throw new Error(`node ${i} of its pipeline is not an object with an id, a type and params`);
  }
  if (!Array.isArray(pipeline.edges) || !pipeline.edges.every(isObject))
    throw new Error('the edges of its pipeline are not a list of objects');
  if (!['running', 'stopped', 'failed'].includes(value.desired as string))
    throw new Error(`desired is ${JSON.stringify(value.desired)}`);
  if (value.target === 'flink') checkFlinkRecord(value);
  else if (value.target !== undefined && value.target !== 'weir')
    throw new Error(`its target is ${JSON.stringify(value.target)}, not "weir" or "flink"`);
  return value as unknown as StoredDeployment;
}

function checkFlinkRecord(value: Record<string, unknown>): void {
  const parallelism = value.parallelism;
  if (typeof parallelism !== 'number' || !Number.isInteger(parallelism) || parallelism < 1)
    throw new Error(`its parallelism is ${JSON.stringify(parallelism)}`);
  const flink = value.flink;
  const nullableString = (v: unknown) => v === null || typeof v === 'string';
  if (
    !isObject(flink) ||
    typeof flink.restUrl !== 'string' ||
    !nullableString(flink.jobId) ||
    !nullableString(flink.savepointPath) ||
    !nullableString(flink.resumeFrom) ||
    !isObject(flink.countsBefore) ||
    !isObject(flink.checkpointsBefore) ||
    typeof flink.checkpointsBefore.completed !== 'number' ||
    typeof flink.checkpointsBefore.failed !== 'number'
  )
    throw new Error('its Flink job record (flink) is missing or incomplete');
}
