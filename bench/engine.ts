/**
 * Engine throughput: the page-views example pipeline (examples/page-views.weir.json, its samples replaced) fed
 * generated events straight through `Engine` + `source.ingestSample`, without a Simulation or any I/O. Events are
 * generated as they are fed (about 1 % of the time): building the million sample objects up front instead took
 * eight times as long as generating them inline and added about 140 MB to the peak RSS.
 *
 * Every run happens in a child process of its own, so that its peak RSS is its own; run.ts takes the median of the
 * runs. A child is this file run with `--child '<json options>'`; it prints one JSON result.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Engine, formatProblem, validatePipeline, type PipelineDoc } from '../shared/index.ts';
import { EventGenerator } from './data/generate.ts';
import type { Measurement, RunOptions, Workload } from './measurement.ts';
import { OPERATORS } from '../shared/operators/registry.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PIPELINE = 'examples/page-views.weir.json';

interface ChildOptions {
  events: number;
  seed: number;
}

interface ChildResult {
  events: number;
  sinkRecords: number;
  engineMs: number;
  /** CPU time of the same span (all threads, GC included): steadier than wall time on a busy machine. */
  cpuMs: number;
  /** The generator alone over the same events, to show what share of `engineMs` is making the input. */
  generatorMs: number;
  peakRssMb: number;
}

export function benchPipeline(): PipelineDoc {
  const doc = JSON.parse(readFileSync(new URL(`../${PIPELINE}`, import.meta.url), 'utf8')) as PipelineDoc;
  const result = validatePipeline(doc);
  if (!result.ok) throw new Error(`${PIPELINE} is invalid:\n${result.problems.map(formatProblem).join('\n')}`);
  delete doc.tests;
  for (const node of doc.nodes) if (node.samples) node.samples = [];
  return doc;
}

function runChild({ events, seed }: ChildOptions): ChildResult {
  const pipeline = benchPipeline();
  let sinkRecords = 0;
  const engine = new Engine(pipeline, { operators: OPERATORS, sink: () => void sinkRecords++ });
  const source = engine.sources[0]!;
  source.declarePartitions([0]);

  const generator = new EventGenerator({ seed });
  // One sample object, refilled: the source reads it and keeps nothing of it.
  const sample = { value: null as unknown };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < events; i++) {
    sample.value = generator.next();
    source.ingestSample(sample as { value: never });
  }
  engine.endOfInput();
  const engineMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;

  const alone = new EventGenerator({ seed });
  let checksum = 0;
  const generatorStarted = performance.now();
  for (let i = 0; i < events; i++) checksum += alone.next().ts & 1;
  const generatorMs = performance.now() - generatorStarted;
  if (checksum < 0) throw new Error('unreachable');

  return { events, sinkRecords, engineMs, cpuMs, generatorMs, peakRssMb };
}

function spawnChild(options: ChildOptions): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [fileURLToPath(import.meta.url), '--child', JSON.stringify(options)],
      { cwd: ROOT, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`engine benchmark run failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as ChildResult);
      },
    );
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const engineWorkloads: Workload[] = [
  {
    workload: 'page-views',
    system: 'weir-engine',
    description: `${PIPELINE}: filter page views, key by user, count per user per 1-minute tumbling window; 100 000 users`,
    async run(options: RunOptions): Promise<Measurement> {
      const events = options.quick ? 100_000 : 1_000_000;
      const runs: ChildResult[] = [];
      for (let i = 0; i < (options.quick ? 1 : 3); i++) runs.push(await spawnChild({ events, seed: 42 }));
      const eventsPerSec = median(runs.map((r) => (r.events / r.engineMs) * 1000));
      const generatorShare = median(runs.map((r) => r.generatorMs / r.engineMs));
      return {
        workload: this.workload,
        system: this.system,
        eventsPerSec: Math.round(eventsPerSec),
        peakRssMb: Math.round(median(runs.map((r) => r.peakRssMb))),
        notes: [
          `${events.toLocaleString('en')} events, median of ${runs.length} run${runs.length === 1 ? '' : 's'}, ${runs[0]!.sinkRecords.toLocaleString('en')} sink records`,
          `runs: ${runs.map((r) => `${Math.round((r.events / r.engineMs) * 1000).toLocaleString('en')}/s`).join(', ')}`,
          `per CPU second (all threads): ${Math.round(median(runs.map((r) => (r.events / r.cpuMs) * 1000))).toLocaleString('en')} events`,
          `generating the events is ${Math.round(generatorShare * 100)} % of the measured time (included)`,
        ],
      };
    },
  },
];

if (process.argv[2] === '--child' && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(JSON.stringify(runChild(JSON.parse(process.argv[3]!) as ChildOptions)));
}
