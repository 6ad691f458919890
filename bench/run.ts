/**
 * `npm run bench [-- --quick] [-- --json] [WORKLOAD_OR_SYSTEM…]`: runs the registered benchmarks, the same
 * workloads measured on each system, and prints one line per measurement (with `--json`, one JSON object a line:
 * `{"workload","system","eventsPerSec","peakRssMb"}`). A system adds itself by appending its workloads to WORKLOADS.
 */
import { parseArgs } from 'node:util';
import { engineWorkloads } from './engine.ts';

export interface RunOptions {
  /** A smaller, single run: for a quick look and for CI, not for figures worth quoting. */
  quick: boolean;
}

export interface Measurement {
  workload: string;
  system: string;
  eventsPerSec: number;
  peakRssMb: number;
  /** Shown in the human-readable output only. */
  notes?: string[];
}

export interface Workload {
  /** What is computed, e.g. `tumbling-count`; the same name on every system that runs it. */
  readonly workload: string;
  /** Who computes it, e.g. `weir-engine`. */
  readonly system: string;
  readonly description: string;
  run(options: RunOptions): Promise<Measurement>;
}

export const WORKLOADS: Workload[] = [...engineWorkloads];

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(`Usage: npm run bench -- [--quick] [--json] [WORKLOAD_OR_SYSTEM...]\n\n${WORKLOADS.map((w) => `  ${w.workload} on ${w.system}: ${w.description}`).join('\n')}\n`);
    return 0;
  }
  const selected = WORKLOADS.filter((w) => positionals.length === 0 || positionals.includes(w.workload) || positionals.includes(w.system));
  if (selected.length === 0) {
    process.stderr.write(`bench: nothing matches ${positionals.join(', ')}; known: ${WORKLOADS.map((w) => `${w.workload}/${w.system}`).join(', ')}\n`);
    return 2;
  }
  for (const workload of selected) {
    const { notes, ...measurement } = await workload.run({ quick: values.quick! });
    if (values.json) {
      process.stdout.write(JSON.stringify(measurement) + '\n');
    } else {
      process.stdout.write(`${measurement.workload} on ${measurement.system}: ${measurement.eventsPerSec.toLocaleString('en')} events/s, peak RSS ${measurement.peakRssMb} MB\n`);
      for (const note of notes ?? []) process.stdout.write(`  ${note}\n`);
    }
  }
  return 0;
}

process.exitCode = await main();
