/**
 * The deployment records on disk: written atomically, and a record that cannot be read is moved aside and named,
 * while the others load and the server starts (a corrupt record once stopped `weir serve`).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FlinkDeployments } from '../../server/src/deployments/flink-deployment.ts';
import { DeploymentManager } from '../../server/src/deployments/manager.ts';
import { DeploymentService } from '../../server/src/deployments/service.ts';
import { DeploymentStore, type StoredDeployment } from '../../server/src/deployments/store.ts';
import type { DeploymentLogLine } from '../../server/src/deployments/types.ts';
import { FlinkCluster } from '../../server/src/flink/cluster.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weir-store-'));
  dirs.push(dir);
  return dir;
}

function stored(id: string): StoredDeployment {
  return {
    id,
    pipeline: { format: 'weir/v1', id, name: id, nodes: [], edges: [] },
    desired: 'stopped',
    version: 1,
    deployedAt: 1,
    allowStateLoss: false,
  };
}

describe('the deployment store', () => {
  it('loads what it saved and leaves no temporary file behind', () => {
    const store = new DeploymentStore(dataDir());
    store.save(stored('a'));
    store.save({ ...stored('a'), version: 2 });
    store.save(stored('b'));
    expect(store.load().map((d) => [d.id, d.version])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('moves an unreadable record aside, names it, and loads the others', () => {
    const dir = dataDir();
    const store = new DeploymentStore(dir);
    store.save(stored('good'));
    writeFileSync(join(dir, 'deployments', 'torn.json'), '{"id": "torn", "pipeli');
    writeFileSync(join(dir, 'deployments', 'other.json'), JSON.stringify(stored('someone-else')));
    const messages: string[] = [];
    expect(store.load((m) => messages.push(m)).map((d) => d.id)).toEqual(['good']);
    expect(messages).toHaveLength(2);
    expect(messages.find((m) => m.includes('torn.json'))).toMatch(
      /^the deployment record torn\.json cannot be read \(.*JSON.*\); it was moved to .*torn\.json\.unreadable-\d+ and is not loaded$/,
    );
    expect(messages.find((m) => m.includes('other.json'))).toContain('its id is "someone-else", not "other"');
    const files = readdirSync(join(dir, 'deployments')).sort();
    expect(files.filter((f) => f.endsWith('.json'))).toEqual(['good.json']);
    expect(files.filter((f) => f.includes('.unreadable-'))).toHaveLength(2);
    expect(store.load().map((d) => d.id)).toEqual(['good']);
  });

  it('lets the manager start past an unreadable record, saying so in its log', async () => {
    const dir = dataDir();
    new DeploymentStore(dir).save(stored('kept'));
    writeFileSync(join(dir, 'deployments', 'broken.json'), 'not json');
    const log: DeploymentLogLine[] = [];
    const manager = new DeploymentManager({
      dataDir: dir,
      kafka: { brokers: ['127.0.0.1:1'] },
      log: (line) => log.push(line),
    });
    await manager.start();
    try {
      expect(manager.list().map((d) => [d.id, d.status])).toEqual([['kept', 'stopped']]);
      expect(
        log.some(
          (l) =>
            l.level === 'warn' &&
            l.deployment === '-' &&
            l.message.startsWith('the deployment record broken.json cannot be read'),
        ),
      ).toBe(true);
      expect(existsSync(join(dir, 'deployments', 'broken.json'))).toBe(false);
    } finally {
      await manager.shutdown();
    }
  });

  it('moves aside a record that parses but would stop the server (a node that is not one, a Flink record without its job), and both targets start', async () => {
    const dir = dataDir();
    new DeploymentStore(dir).save(stored('kept'));
    const deployments = join(dir, 'deployments');
    // Recorded as running: the manager would launch it and describe it, and a null node stopped that with a TypeError.
    writeFileSync(
      join(deployments, 'null-node.json'),
      JSON.stringify({
        ...stored('null-node'),
        desired: 'running',
        pipeline: { ...stored('x').pipeline, nodes: [null] },
      }),
    );
    writeFileSync(
      join(deployments, 'no-edges.json'),
      JSON.stringify({ ...stored('no-edges'), pipeline: { ...stored('x').pipeline, edges: 'none' } }),
    );
    // A Flink record whose job record lacks the counts its figures start from.
    writeFileSync(
      join(deployments, 'half-flink.json'),
      JSON.stringify({
        ...stored('half-flink'),
        target: 'flink',
        parallelism: 1,
        flink: { restUrl: 'http://127.0.0.1:1', jobId: null, savepointPath: null, resumeFrom: null },
      }),
    );
    const log: DeploymentLogLine[] = [];
    const kafka = { brokers: ['127.0.0.1:1'] };
    const service = new DeploymentService(
      new DeploymentManager({ dataDir: dir, kafka, log: (line) => log.push(line) }),
      new FlinkDeployments({ dataDir: dir, kafka, cluster: new FlinkCluster('http://127.0.0.1:1'), log: () => {} }),
    );
    await service.start();
    try {
      expect(service.list().map((d) => [d.id, d.status])).toEqual([['kept', 'stopped']]);
      const warned = log.filter((l) => l.level === 'warn').map((l) => l.message);
      expect(warned).toHaveLength(3);
      expect(warned.find((m) => m.includes('null-node.json'))).toContain(
        'node 0 of its pipeline is not an object with an id, a type and params',
      );
      expect(warned.find((m) => m.includes('no-edges.json'))).toContain('the edges of its pipeline are not a list');
      expect(warned.find((m) => m.includes('half-flink.json'))).toContain('its Flink job record (flink) is missing');
      expect(readdirSync(deployments).filter((f) => f.endsWith('.json'))).toEqual(['kept.json']);
    } finally {
      await service.shutdown();
    }
  });

  it('keeps the API token file private', () => {
    const dir = dataDir();
    const file = join(dir, 'token');
    return import('../../server/src/storage/atomic.ts').then(({ writeFileAtomicSync }) => {
      writeFileAtomicSync(file, 'secret\n', 0o600);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    });
  });
});
