/**
 * Weir's engine on the side-by-side workloads (workloads.ts): each run in a child process of its own, which
 * generates the events as UTF-8 JSON bytes, then times the engine over them. The heap limit matches the 4 GiB the
 * Flink JVM gets. The figures per workload are the medians of the runs.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bytesChecksum } from './checksum.ts';
import { median, lastJsonLine, runProcess } from './stats.ts';
import {
  DEFAULT_SEED,
  generateEvents,
  isWorkloadName,
  runWorkload,
  WORKLOAD_NAMES,
  WORKLOADS,
  type WorkloadName,
} from './workloads.ts';
import type { Measurement, RunOptions, Workload } from './measurement.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const FULL_EVENTS = 10_000_000;
export const QUICK_EVENTS = 200_000;
export const FULL_RUNS = 3;

/** What one run reports, on either system (FlinkBench prints the same fields). */
export interface RunResult {
  workload: string;
  events: number;
  outputs: number;
  checksum: number;
  inputChecksum: number;
  elapsedMs: number;
  /** CPU time of the whole process over the measured interval: every thread, GC and JIT included. */
  cpuMs: number;
  eventsPerSec: number;
  peakRssMb: number;
  /** Resident memory once the input is generated, before the timer starts. */
  inputRssMb: number;
}

function runChild(workload: WorkloadName, events: number, seed: number): RunResult {
  const input = generateEvents(events, seed);
  const inputRssMb = process.memoryUsage().rss / 1024 / 1024;
  const run = runWorkload(workload, input);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  return {
    workload,
    events,
    outputs: run.outputs,
    checksum: run.checksum,
    inputChecksum: bytesChecksum(input.bytes, input.offsets, input.count),
    elapsedMs: run.elapsedMs,
    cpuMs: run.cpuMs,
    eventsPerSec: (events / run.elapsedMs) * 1000,
    peakRssMb,
    inputRssMb,
  };
}

export async function runWeirOnce(workload: WorkloadName, events: number, seed = DEFAULT_SEED): Promise<RunResult> {
  const args = [
    '--max-old-space-size=4096',
    fileURLToPath(import.meta.url),
    '--child',
    workload,
    String(events),
    String(seed),
  ];
  const stdout = await runProcess(process.execPath, args, { cwd: ROOT, what: `weir-engine ${workload}` });
  return lastJsonLine<RunResult>(stdout, `weir-engine ${workload}`);
}

/** Medians over runs, plus what the comparison needs: output count and checksum (equal on every run or an error). */
export function summarize(workload: string, system: string, runs: RunResult[]): Measurement {
  const first = runs[0]!;
  for (const run of runs) {
    if (run.outputs !== first.outputs || run.checksum !== first.checksum)
      throw new Error(
        `${system} ${workload}: runs disagree on their output (${run.outputs}/${run.checksum} vs ${first.outputs}/${first.checksum})`,
      );
  }
  return {
    workload,
    system,
    eventsPerSec: Math.round(median(runs.map((r) => r.eventsPerSec))),
    peakRssMb: Math.round(median(runs.map((r) => r.peakRssMb))),
    events: first.events,
    outputs: first.outputs,
    checksum: first.checksum,
    inputChecksum: first.inputChecksum,
    runsPerSec: runs.map((r) => Math.round(r.eventsPerSec)),
    eventsPerCpuSec: Math.round(median(runs.map((r) => (r.events / r.cpuMs) * 1000))),
    inputRssMb: Math.round(median(runs.map((r) => r.inputRssMb))),
    notes: [
      `${first.events.toLocaleString('en')} events, median of ${runs.length} run${runs.length === 1 ? '' : 's'} (${runs.map((r) => `${Math.round(r.eventsPerSec).toLocaleString('en')}/s`).join(', ')})`,
      `${Math.round(median(runs.map((r) => (r.events / r.cpuMs) * 1000))).toLocaleString('en')} events per CPU second (all threads)`,
      `${first.outputs.toLocaleString('en')} outputs, checksum ${first.checksum}; resident with the input loaded ${Math.round(first.inputRssMb)} MB`,
    ],
  };
}

export function weirWorkload(name: WorkloadName): Workload {
  return {
    workload: name,
    system: 'weir-engine',
    description: `bench/workloads/${name}.weir.json: ${WORKLOADS[name].description}; JSON text parsed by the source`,
    async run(options: RunOptions): Promise<Measurement> {
      const events = options.quick ? QUICK_EVENTS : FULL_EVENTS;
      const runs: RunResult[] = [];
      for (let i = 0; i < (options.quick ? 1 : FULL_RUNS); i++) runs.push(await runWeirOnce(name, events));
      return summarize(name, this.system, runs);
    },
  };
}

export const weirWorkloads: Workload[] = WORKLOAD_NAMES.map(weirWorkload);

if (process.argv[2] === '--child' && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [workload, events, seed] = process.argv.slice(3);
  if (!isWorkloadName(workload!)) throw new Error(`unknown workload ${workload}`);
  process.stdout.write(JSON.stringify(runChild(workload, Number(events), Number(seed))) + '\n');
}
