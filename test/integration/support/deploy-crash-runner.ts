/**
 * A server process for the crash test: a DeploymentManager over `<dataDir>` that resumes what it finds there or
 * deploys the pipeline in `<pipeline.json>`, and reports status and metrics as JSON lines on stdout. The test kills
 * it with SIGKILL and starts it again.
 *
 *   node deploy-crash-runner.ts <dataDir> <brokers> <pipeline.json>
 */
import { readFileSync } from 'node:fs';
import { DeploymentManager } from '../../../server/src/deployments/manager.ts';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';

const [dataDir, brokers, pipelineFile] = process.argv.slice(2);
if (!dataDir || !brokers || !pipelineFile) {
  console.error('usage: deploy-crash-runner.ts <dataDir> <brokers> <pipeline.json>');
  process.exit(2);
}
const pipeline = JSON.parse(readFileSync(pipelineFile, 'utf8')) as PipelineDoc;
const print = (line: object) => process.stdout.write(JSON.stringify(line) + '\n');

const manager = new DeploymentManager({
  dataDir,
  kafka: { brokers: brokers.split(',') },
  sessionTimeoutMs: 6000,
  restart: { initialDelayMs: 200, maxDelayMs: 2000 },
  metricsIntervalMs: 200,
  log: (line) => print({ type: 'log', ...line }),
});
await manager.start();
if (!manager.list().some((d) => d.id === pipeline.id)) await manager.deploy(pipeline);
manager.subscribe(pipeline.id, (event) => {
  if (event.type === 'status') print({ type: 'status', status: event.data.status, error: event.data.error ?? null });
  else {
    const c = event.data.checkpoints;
    print({
      type: 'metrics',
      in: event.data.nodes.events ? event.data.nodes.events.out.out : null,
      checkpoints: c.completed,
      lastId: c.lastId,
      lastDurationMs: c.lastDurationMs,
      lag: event.data.lag.events ?? null,
    });
  }
});
print({ type: 'started', pid: process.pid });
