/**
 * The deployment records on disk: written atomically, and a record that cannot be read is moved aside and named,
 * while the others load and the server starts (a corrupt record once stopped `weir serve`).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeploymentManager } from '../../server/src/deployments/manager.ts';
import { DeploymentStore, type StoredDeployment } from '../../server/src/deployments/store.ts';
import type { DeploymentLogLine } from '../../server/src/deployments/types.ts';

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
          (l) => l.level === 'error' && l.message.startsWith('the deployment record broken.json cannot be read'),
        ),
      ).toBe(true);
      expect(existsSync(join(dir, 'deployments', 'broken.json'))).toBe(false);
    } finally {
      await manager.shutdown();
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
