/**
 * The setup most deployment tests share: one real broker and one DeploymentManager with its own data directory for
 * the whole file, torn down with the file's topics afterwards. Call at the top of a `describe`:
 *
 *   const suite = useDeploymentManager('weir-deploy-errors-', { restart: { initialDelayMs: 300, maxDelayMs: 1000 } });
 *   it('…', async () => { await suite.manager.deploy(pipeline); … suite.kafka.brokers … });
 */
import { afterAll, beforeAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentManager } from '../../../server/src/deployments/manager.ts';
import type { DeploymentManagerOptions } from '../../../server/src/deployments/types.ts';
import { deleteTestTopics } from './deploy-fixtures.ts';
import { startKafka, type RunningKafka } from './kafka.ts';

export interface ManagerSuite {
  readonly kafka: RunningKafka;
  readonly manager: DeploymentManager;
}

export function useDeploymentManager(
  dataDirPrefix: string,
  options: Omit<DeploymentManagerOptions, 'dataDir' | 'kafka'> = {},
): ManagerSuite {
  let kafka: RunningKafka | undefined;
  let manager: DeploymentManager | undefined;
  let dataDir: string | undefined;

  beforeAll(async () => {
    kafka = await startKafka();
    dataDir = mkdtempSync(join(tmpdir(), dataDirPrefix));
    manager = new DeploymentManager({
      sessionTimeoutMs: 6000,
      log: () => {},
      ...options,
      dataDir,
      kafka: { brokers: kafka.brokers },
    });
    await manager.start();
  });

  afterAll(async () => {
    await manager?.shutdown();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (kafka) await deleteTestTopics(kafka.brokers).catch(() => {});
    await kafka?.stop();
  });

  return {
    get kafka() {
      if (!kafka) throw new Error('the broker is not started yet: use the suite inside tests, not at collection time');
      return kafka;
    },
    get manager() {
      if (!manager)
        throw new Error('the manager is not started yet: use the suite inside tests, not at collection time');
      return manager;
    },
  };
}
