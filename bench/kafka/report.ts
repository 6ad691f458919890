/** The Kafka end-to-end figures as a terminal table and as the Kafka part of bench/results.md's generated block. */
import { createRequire } from 'node:module';
import type { Measurement } from '../measurement.ts';

const SYSTEMS = [
  'kafkajs-passthrough',
  'kafkajs-passthrough-eos',
  'librdkafka-passthrough',
  'librdkafka-passthrough-eos',
  'weir-kafka-eos',
  'weir-kafka-alo',
  'weir-librdkafka-eos',
  'weir-librdkafka-alo',
];
export const RESTORE_WORKLOAD = 'restore-1m-keys';

export function isKafkaMeasurement(m: Measurement): boolean {
  return SYSTEMS.includes(m.system) || m.workload === RESTORE_WORKLOAD;
}

function packageVersion(name: string): string {
  try {
    return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The bundled librdkafka's version, from the package's manifest: loading the addon here would keep workers from it. */
function librdkafkaVersion(): string {
  try {
    return (createRequire(import.meta.url)('@confluentinc/kafka-javascript/package.json') as { librdkafka: string })
      .librdkafka;
  } catch {
    return 'unknown';
  }
}

interface Row {
  system: string;
  eventsPerSec: string;
  runs: string;
  ratio: string;
  perCpuSec: string;
  cpuRatio: string;
  p50: string;
  p99: string;
  output: string;
}

function rows(measurements: readonly Measurement[]): Row[] {
  const passthrough = measurements.find((m) => m.system === 'kafkajs-passthrough' && m.workload === 'tumbling-count');
  return SYSTEMS.flatMap((system) => {
    const m = measurements.find((x) => x.system === system && x.workload === 'tumbling-count');
    if (m === undefined) return [];
    return [
      {
        system,
        eventsPerSec: m.eventsPerSec.toLocaleString('en'),
        runs: m.runsPerSec?.map((r) => r.toLocaleString('en')).join(', ') ?? '',
        ratio: passthrough === undefined ? '' : (m.eventsPerSec / passthrough.eventsPerSec).toFixed(2),
        perCpuSec: m.eventsPerCpuSec?.toLocaleString('en') ?? '',
        cpuRatio:
          passthrough?.eventsPerCpuSec === undefined || m.eventsPerCpuSec === undefined
            ? ''
            : (m.eventsPerCpuSec / passthrough.eventsPerCpuSec).toFixed(2),
        p50: m.p50Ms === undefined ? '' : `${m.p50Ms} ms`,
        p99: m.p99Ms === undefined ? '' : `${m.p99Ms} ms`,
        output: `${(m.outputs ?? 0).toLocaleString('en')} records, checksum ${m.checksum}`,
      },
    ];
  });
}

function restoreLine(measurements: readonly Measurement[]): string | null {
  const r = measurements.find((m) => m.workload === RESTORE_WORKLOAD);
  if (r === undefined || r.restoreMs === undefined) return null;
  return `Restore of ${(r.keys ?? 0).toLocaleString('en')} keys of open window state (exactly-once deployment stopped with a savepoint, then resumed; start → state restored and consumer running): ${r.restoreMs.toLocaleString('en')} ms (median), ${r.eventsPerSec.toLocaleString('en')} keys/s.`;
}

/** For the terminal; empty when no Kafka system ran. */
export function kafkaTable(measurements: readonly Measurement[]): string {
  const table = rows(measurements);
  const restore = restoreLine(measurements);
  if (table.length === 0 && restore === null) return '';
  const header = ['system', 'events/s', '÷ pass-through', 'per CPU-s', '÷ pass-through', 'p50', 'p99'];
  const cells = table.map((r) => [r.system, r.eventsPerSec, r.ratio, r.perCpuSec, r.cpuRatio, r.p50, r.p99]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const pad = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  return [...(table.length > 0 ? [pad(header), ...cells.map(pad)] : []), ...(restore === null ? [] : [restore])].join(
    '\n',
  );
}

export interface KafkaRunContext {
  /** Cores, CPU model and memory. */
  machine: string;
  kafkaVersion: string;
  loadBefore: number;
  loadAfter: number;
}

/** The Kafka table for bench/results.md; empty when no Kafka system ran. */
export function kafkaBlock(measurements: readonly Measurement[], context: KafkaRunContext): string {
  const table = rows(measurements);
  const restore = restoreLine(measurements);
  if (table.length === 0 && restore === null) return '';
  const lines = [
    `- Machine: ${context.machine}; load average ${context.loadBefore.toFixed(1)} at the start, ${context.loadAfter.toFixed(1)} at the end`,
    `- Versions: Node ${process.version}, Apache Kafka ${context.kafkaVersion} (one broker on this machine, tools/kafka/start.sh), kafkajs ${packageVersion('kafkajs')}, @confluentinc/kafka-javascript ${packageVersion('@confluentinc/kafka-javascript')} (librdkafka ${librdkafkaVersion()})`,
    '- Figures: medians of the runs; events per CPU second of the bench process (the job’s worker thread included, the broker not)',
    '',
  ];
  if (table.length > 0) {
    lines.push(
      '| system | events/s (median) | runs (events/s) | ÷ kafkajs pass-through | events per CPU second | ÷ pass-through | latency p50 | latency p99 | output checked |',
    );
    lines.push('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |');
    for (const r of table)
      lines.push(
        `| ${r.system} | ${r.eventsPerSec} | ${r.runs} | ${r.ratio} | ${r.perCpuSec} | ${r.cpuRatio} | ${r.p50} | ${r.p99} | ${r.output} |`,
      );
    lines.push('');
  }
  if (restore !== null) lines.push(restore, '');
  return lines.join('\n');
}
