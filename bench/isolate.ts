/**
 * What the engine's isolate (server/src/isolate) costs per record: the same workload fed to the engine in this
 * thread, as a deployment's worker fed it before, and to the engine in its isolate, in slices of 1 000 records as
 * kafka-input.ts sends them (copied in, sink messages copied out). Both encode sink messages as a deployment does.
 *
 *   node --import tsx bench/isolate.ts [EVENTS]     (default 1 000 000; medians of 3 runs per workload)
 */
import { Engine } from '../shared/engine/engine.ts';
import type { StreamRecord } from '../shared/engine/record.ts';
import { EngineIsolate } from '../server/src/isolate/engine-isolate.ts';
import { guestScript } from '../server/src/isolate/guest-script.ts';
import type { IngestBatch, Slice } from '../server/src/isolate/protocol.ts';
import { sinkMessage } from '../server/src/kafka/records.ts';
import { median } from './stats.ts';
import { generateEvents, loadWorkload, type EventInput, type WorkloadName } from './workloads.ts';

const SLICE = 1000;
const RUNS = 3;
const WORKLOADS: WorkloadName[] = ['stateless', 'tumbling-count'];

interface Run {
  outputs: number;
  ms: number;
  cpuMs: number;
}

function timed(work: () => Promise<number> | number): Promise<Run> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  return Promise.resolve(work()).then((outputs) => {
    const used = process.cpuUsage(cpu);
    return { outputs, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
  });
}

function inThread(name: WorkloadName, input: EventInput): Promise<Run> {
  let outputs = 0;
  const sink = (_id: string, record: StreamRecord) => {
    sinkMessage(record, true);
    outputs++;
  };
  const engine = new Engine(loadWorkload(name), { mode: 'deployed', sink });
  const source = engine.sources[0]!;
  source.declarePartitions([0]);
  return timed(() => {
    const { bytes, offsets, count } = input;
    for (let i = 0; i < count; i++) {
      source.ingestKafka(0, i, null, bytes.toString('utf8', offsets[i]!, offsets[i + 1]!), 0);
      if ((i & (SLICE - 1)) === SLICE - 1) engine.advanceProcessingTime(Date.now());
    }
    return outputs;
  });
}

async function inIsolate(name: WorkloadName, input: EventInput, script: string): Promise<Run> {
  const pipeline = loadWorkload(name);
  const source = pipeline.nodes.find((n) => n.type === 'source.kafka')!;
  const sink = pipeline.nodes.find((n) => n.type === 'sink.kafka')!;
  const engine = await EngineIsolate.create(script, { memoryMb: 2048, hangCpuMs: 10_000 }, pipeline);
  try {
    await engine.call('init', pipeline, { budgetMs: 1000, sinkJson: { [sink.id]: true }, sourceTopics: { [source.id]: 'in' } });
    await engine.call('declarePartitions', 'in', [0]);
    return await timed(async () => {
      const { bytes, offsets, count } = input;
      let outputs = 0;
      for (let start = 0; start < count; start += SLICE) {
        const batch: IngestBatch = { topic: 'in', partition: 0, offsets: [], keys: [], values: [], timestamps: [], headers: [] };
        for (let i = start; i < Math.min(count, start + SLICE); i++) {
          batch.offsets.push(i);
          batch.keys.push(null);
          batch.values.push(bytes.toString('utf8', offsets[i]!, offsets[i + 1]!));
          batch.timestamps.push(0);
          batch.headers.push(null);
        }
        const slice = await engine.call<Slice>('ingest', batch, Date.now());
        for (const messages of Object.values(slice.sinks)) outputs += messages.length;
      }
      return outputs;
    });
  } finally {
    engine.dispose();
  }
}

const events = Number(process.argv[2] ?? 1_000_000);
const input = generateEvents(events);
const script = await guestScript();
console.log(`${events.toLocaleString('en')} events, slices of ${SLICE}, medians of ${RUNS} runs, Node ${process.version}`);
console.log('| workload | in the thread: events/s | in the isolate: events/s | ratio | added per record (wall) | added per record (CPU) | outputs |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const name of WORKLOADS) {
  const direct: Run[] = [];
  const isolated: Run[] = [];
  for (let r = 0; r < RUNS; r++) {
    direct.push(await inThread(name, input));
    isolated.push(await inIsolate(name, input, script));
  }
  const ms = (runs: Run[]) => median(runs.map((x) => x.ms));
  const cpu = (runs: Run[]) => median(runs.map((x) => x.cpuMs));
  if (direct[0]!.outputs !== isolated[0]!.outputs) throw new Error(`${name}: ${direct[0]!.outputs} outputs in the thread, ${isolated[0]!.outputs} in the isolate`);
  const perSec = (runs: Run[]) => Math.round((events / ms(runs)) * 1000);
  const addedUs = (a: number, b: number) => (((b - a) * 1000) / events).toFixed(2);
  console.log(
    `| ${name} | ${perSec(direct).toLocaleString('en')} | ${perSec(isolated).toLocaleString('en')} | ${(ms(direct) / ms(isolated)).toFixed(2)} | ` +
      `${addedUs(ms(direct), ms(isolated))} µs | ${addedUs(cpu(direct), cpu(isolated))} µs | ${direct[0]!.outputs.toLocaleString('en')} |`,
  );
}
