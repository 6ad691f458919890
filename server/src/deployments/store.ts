/**
 * Deployments remembered on disk, one JSON file each (`<dataDir>/deployments/<id>.json`), written atomically
 * (temporary file, fsync, rename) so a kill -9 leaves either the old or the new file, never half of one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
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
}
