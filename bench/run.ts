/**
 * `npm run bench [-- --quick] [-- --json] [WORKLOAD_OR_SYSTEM…]`: runs the registered benchmarks, the same
 * workloads measured on each system, and prints one line per measurement (with `--json`, one JSON object a line:
 * `{"workload","system","eventsPerSec","peakRssMb"}`; `weir-browser` reports `longestTaskMs` in place of peak RSS, the Kafka
 * systems `p50Ms`/`p99Ms` and the restore `restoreMs`/`keys`). A
 * system adds itself by appending its workloads to WORKLOADS.
 */
import { parseArgs } from 'node:util';
import { engineWorkloads } from './engine.ts';
import { flinkWorkloads } from './flink.ts';
import { compare, comparisonTable, runContext, writeResults } from './report.ts';
import { browserWorkload } from './browser.ts';
import { weirWorkloads } from './weir.ts';
import { kafkaWorkloads } from './kafka.ts';
import { kafkaTable } from './kafka/report.ts';
import { shareBenchBroker } from './kafka/cluster.ts';
import { flinkKafkaWorkloads } from './flink-kafka.ts';
import { flinkKafkaTable } from './kafka/flink-report.ts';
import type { Measurement, Workload } from './measurement.ts';

/** Side-by-side workloads run Weir then Flink, workload by workload, so that both see the machine alike. */
export const WORKLOADS: Workload[] = [
  ...engineWorkloads,
  ...weirWorkloads.flatMap((w, i) => [w, flinkWorkloads[i]!]),
  browserWorkload,
  ...kafkaWorkloads,
  ...flinkKafkaWorkloads,
];

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(
      `Usage: npm run bench -- [--quick] [--json] [WORKLOAD_OR_SYSTEM...]\n\n${WORKLOADS.map((w) => `  ${w.workload} on ${w.system}: ${w.description}`).join('\n')}\n`,
    );
    return 0;
  }
  const selected = WORKLOADS.filter(
    (w) => positionals.length === 0 || positionals.includes(w.workload) || positionals.includes(w.system),
  );
  if (selected.length === 0) {
    process.stderr.write(
      `bench: nothing matches ${positionals.join(', ')}; known: ${WORKLOADS.map((w) => `${w.workload}/${w.system}`).join(', ')}\n`,
    );
    return 2;
  }
  shareBenchBroker();
  const context = runContext(positionals);
  const measurements: Measurement[] = [];
  for (const workload of selected) {
    const { notes, ...measurement } = await workload.run({ quick: values.quick! });
    measurements.push(measurement);
    if (values.json) {
      process.stdout.write(JSON.stringify(measurement) + '\n');
    } else {
      process.stdout.write(
        `${measurement.workload} on ${measurement.system}: ${measurement.eventsPerSec.toLocaleString('en')} events/s${measurement.peakRssMb !== undefined ? `, peak RSS ${measurement.peakRssMb} MB` : ''}${measurement.longestTaskMs !== undefined ? `, longest main-thread task ${measurement.longestTaskMs} ms` : ''}\n`,
      );
      for (const note of notes ?? []) process.stdout.write(`  ${note}\n`);
    }
  }
  const comparisons = compare(measurements);
  if (comparisons.length > 0 && !values.json) process.stdout.write(`\n${comparisonTable(comparisons)}\n`);
  const kafka = kafkaTable(measurements);
  if (kafka !== '' && !values.json) process.stdout.write(`\n${kafka}\n`);
  const flinkKafka = flinkKafkaTable(measurements);
  if (flinkKafka !== '' && !values.json) process.stdout.write(`\n${flinkKafka}\n`);
  // Quick runs are not the figures to quote; a full run replaces the side-by-side figures in bench/results.md when it
  // measured all of them, and the Kafka ones when it measured Kafka.
  if (!values.quick) writeResults(measurements, comparisons, context);
  const different = comparisons.filter((c) => !c.sameOutput);
  if (different.length > 0) {
    process.stderr.write(
      `bench: Weir and Flink disagree on the output of ${different.map((c) => c.workload).join(', ')}\n`,
    );
    return 1;
  }
  return 0;
}

process.exitCode = await main();
