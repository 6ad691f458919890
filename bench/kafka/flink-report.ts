/** The Flink-on-Kafka figures (bench/flink-kafka.ts) as a terminal table and as their block of bench/results.md. */
import type { Measurement } from '../measurement.ts';
import { KAFKA_JOB_NAMES } from './jobs.ts';

export type FlinkKafkaSystem = 'weir-server' | 'flink-p1' | 'flink-p2';

export const FLINK_KAFKA_SYSTEMS: Record<FlinkKafkaSystem, string> = {
  'weir-server': 'the Weir server (a DeploymentManager in the bench process), exactly-once, 1 s checkpoints',
  'flink-p1': 'a local Flink session cluster, parallelism 1, exactly-once, 1 s checkpoints',
  'flink-p2': 'the same at parallelism 2',
};

export function isFlinkKafkaMeasurement(m: Measurement): boolean {
  return m.system in FLINK_KAFKA_SYSTEMS;
}

interface Row {
  job: string;
  system: string;
  eventsPerSec: string;
  runs: string;
  perCpuSec: string;
  ratio: string;
  cpuRatio: string;
  output: string;
}

function rows(measurements: readonly Measurement[]): Row[] {
  const out: Row[] = [];
  for (const job of KAFKA_JOB_NAMES) {
    const weir = measurements.find((m) => m.workload === job && m.system === 'weir-server');
    for (const system of Object.keys(FLINK_KAFKA_SYSTEMS)) {
      const m = measurements.find((x) => x.workload === job && x.system === system);
      if (m === undefined) continue;
      out.push({
        job,
        system,
        eventsPerSec: m.eventsPerSec.toLocaleString('en'),
        runs: m.runsPerSec?.map((r) => r.toLocaleString('en')).join(', ') ?? '',
        perCpuSec: m.eventsPerCpuSec?.toLocaleString('en') ?? '',
        ratio: weir === undefined ? '' : (m.eventsPerSec / weir.eventsPerSec).toFixed(3),
        cpuRatio:
          weir?.eventsPerCpuSec === undefined || m.eventsPerCpuSec === undefined
            ? ''
            : (m.eventsPerCpuSec / weir.eventsPerCpuSec).toFixed(3),
        output: `${(m.outputs ?? 0).toLocaleString('en')} results, checksum ${m.checksum}`,
      });
    }
  }
  return out;
}

/** Microseconds one UDF node adds per event on each system that ran both count-all jobs: wall clock and CPU. */
function udfCosts(measurements: readonly Measurement[]): string[] {
  const lines: string[] = [];
  for (const system of Object.keys(FLINK_KAFKA_SYSTEMS)) {
    const without = measurements.find((m) => m.workload === 'count-all' && m.system === system);
    const withUdf = measurements.find((m) => m.workload === 'count-all-udf' && m.system === system);
    if (without === undefined || withUdf === undefined) continue;
    const wall = 1e6 / withUdf.eventsPerSec - 1e6 / without.eventsPerSec;
    const cpu =
      withUdf.eventsPerCpuSec && without.eventsPerCpuSec
        ? 1e6 / withUdf.eventsPerCpuSec - 1e6 / without.eventsPerCpuSec
        : NaN;
    lines.push(
      `${system}: ${(1e6 / without.eventsPerSec).toFixed(1)} µs per event without a UDF, ${(1e6 / withUdf.eventsPerSec).toFixed(1)} µs with one; ` +
        `the UDF node adds ${wall.toFixed(1)} µs of wall clock and ${Number.isNaN(cpu) ? '?' : cpu.toFixed(1)} µs of CPU per event`,
    );
  }
  return lines;
}

/** For the terminal; empty when no Flink-on-Kafka measurement ran. */
export function flinkKafkaTable(measurements: readonly Measurement[]): string {
  const table = rows(measurements);
  if (table.length === 0) return '';
  const header = ['job', 'system', 'events/s', 'per CPU-s', '÷ weir-server', 'per CPU-s ÷'];
  const cells = table.map((r) => [r.job, r.system, r.eventsPerSec, r.perCpuSec, r.ratio, r.cpuRatio]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const pad = (c: string[]) => c.map((x, i) => (i < 2 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  return [pad(header), ...cells.map(pad), ...udfCosts(measurements).map((l) => `UDF ${l}`)].join('\n');
}

export interface FlinkKafkaContext {
  machine: string;
  versions: string;
  loadBefore: number;
  loadAfter: number;
}

/** The block for bench/results.md; empty when no Flink-on-Kafka measurement ran. */
export function flinkKafkaBlock(measurements: readonly Measurement[], context: FlinkKafkaContext): string {
  const table = rows(measurements);
  if (table.length === 0) return '';
  const events = measurements.find(isFlinkKafkaMeasurement)?.events;
  const lines = [
    `- Machine: ${context.machine}; load average ${context.loadBefore.toFixed(1)} at the start, ${context.loadAfter.toFixed(1)} at the end`,
    `- Versions: ${context.versions}`,
    `- Input: ${events?.toLocaleString('en') ?? '?'} records (the generator's events and one flush record per partition) in 4 partitions, the same topic for every run`,
    '- Figures: medians of the runs; events per CPU second of the bench process for weir-server (the deployment’s worker thread included), of the JobManager and TaskManager JVMs for Flink; the broker’s CPU in neither',
    '',
    '| job | system | events/s (median) | runs (events/s) | events per CPU second | ÷ weir-server | per CPU second ÷ weir-server | output checked |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | --- |',
    ...table.map(
      (r) =>
        `| ${r.job} | ${r.system} | ${r.eventsPerSec} | ${r.runs} | ${r.perCpuSec} | ${r.ratio} | ${r.cpuRatio} | ${r.output} |`,
    ),
    '',
  ];
  const udf = udfCosts(measurements);
  if (udf.length > 0)
    lines.push('One UDF node (count-all-udf against count-all):', '', ...udf.map((l) => `- ${l}`), '');
  return lines.join('\n');
}
