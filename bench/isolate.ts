/**
 * What the engine's isolate (server/src/isolate) costs per record: the same workload fed to the engine in this
 * thread, as a deployment's worker fed it before, and to the engine in its isolate, in slices of 1 000 records as
 * kafka-input.ts sends them (copied in, sink messages copied out), and, for comparison, to the engine in a child
 * process over IPC (bench/isolate-child.ts), the other way to keep user code away from the Kafka client. All three
 * encode sink messages as a deployment does. CPU is this process's (the isolate's thread included); the child's
 * own CPU is added for the child process.
 *
 *   node bench/isolate.ts [EVENTS]     (default 1 000 000; medians of 3 runs per workload)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Engine } from '../shared/engine/engine.ts';
import type { StreamRecord } from '../shared/engine/record.ts';
import { EngineIsolate } from '../server/src/isolate/engine-isolate.ts';
import { guestScript } from '../server/src/isolate/guest-script.ts';
import type { IngestBatch, Slice } from '../server/src/isolate/protocol.ts';
import { sinkMessage } from '../server/src/kafka/records.ts';
import { median } from './stats.ts';
import { generateEvents, loadWorkload, type EventInput, type WorkloadName } from './workloads.ts';
import { OPERATORS } from '../shared/operators/registry.ts';

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

/** Events `start` to `start + SLICE` as the engine's slice (the columns kafka-input.ts sends). */
function sliceAt(input: EventInput, start: number): IngestBatch {
  const { bytes, offsets, count } = input;
  const batch: IngestBatch = {
    topic: 'in',
    partition: 0,
    offsets: [],
    keys: [],
    values: [],
    timestamps: [],
    headers: [],
  };
  for (let i = start; i < Math.min(count, start + SLICE); i++) {
    batch.offsets.push(i);
    batch.keys.push(null);
    batch.values.push(bytes.toString('utf8', offsets[i]!, offsets[i + 1]!));
    batch.timestamps.push(0);
    batch.headers.push(null);
  }
  return batch;
}

function inThread(name: WorkloadName, input: EventInput): Promise<Run> {
  let outputs = 0;
  const sink = (_id: string, record: StreamRecord) => {
    sinkMessage(record, true);
    outputs++;
  };
  const engine = new Engine(loadWorkload(name), { operators: OPERATORS, mode: 'deployed', sink });
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
    await engine.call('init', pipeline, {
      budgetMs: 1000,
      sinkJson: { [sink.id]: true },
      sourceTopics: { [source.id]: 'in' },
    });
    await engine.call('declarePartitions', 'in', [0]);
    return await timed(async () => {
      let outputs = 0;
      for (let start = 0; start < input.count; start += SLICE) {
        const batch = sliceAt(input, start);
        const slice = await engine.call<Slice>('ingest', batch, Date.now());
        for (const messages of Object.values(slice.sinks)) outputs += messages.length;
      }
      return outputs;
    });
  } finally {
    engine.dispose();
  }
}

function inChild(name: WorkloadName, input: EventInput, child: ChildProcess): Promise<Run> {
  const ask = <T>(message: object) =>
    new Promise<T>((resolve) => {
      child.once('message', (answer) => resolve(answer as T));
      child.send(message);
    });
  return ask({ init: name }).then(async () => {
    const childCpu = await childCpuMs(child);
    const run = await timed(async () => {
      let outputs = 0;
      for (let start = 0; start < input.count; start += SLICE) {
        const batch = sliceAt(input, start);
        const answer = await ask<{ sinks: unknown[] }>({ batch });
        outputs += answer.sinks.length;
      }
      return outputs;
    });
    return { ...run, cpuMs: run.cpuMs + (await childCpuMs(child)) - childCpu };
  });
}

/** CPU time of a child process so far, from /proc (user + system, in clock ticks of 10 ms). */
async function childCpuMs(child: ChildProcess): Promise<number> {
  const { readFileSync } = await import('node:fs');
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const events = Number(process.argv[2] ?? 1_000_000);
const input = generateEvents(events);
const script = await guestScript();
console.log(
  `${events.toLocaleString('en')} events, slices of ${SLICE}, medians of ${RUNS} runs, Node ${process.version}`,
);
const child = fork(fileURLToPath(new URL('./isolate-child.ts', import.meta.url)), [], { serialization: 'advanced' });
console.log(
  '| workload | way | events/s | ÷ in the thread | added per record (wall) | added per record (CPU) | outputs |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const name of WORKLOADS) {
  const direct: Run[] = [];
  const isolated: Run[] = [];
  const forked: Run[] = [];
  for (let r = 0; r < RUNS; r++) {
    direct.push(await inThread(name, input));
    isolated.push(await inIsolate(name, input, script));
    forked.push(await inChild(name, input, child));
  }
  const ms = (runs: Run[]) => median(runs.map((x) => x.ms));
  const cpu = (runs: Run[]) => median(runs.map((x) => x.cpuMs));
  for (const [way, runs] of [
    ['isolate', isolated],
    ['child process', forked],
  ] as const) {
    if (runs[0]!.outputs !== direct[0]!.outputs)
      throw new Error(`${name}: ${direct[0]!.outputs} outputs in the thread, ${runs[0]!.outputs} in the ${way}`);
  }
  const perSec = (runs: Run[]) => Math.round((events / ms(runs)) * 1000);
  const addedUs = (a: number, b: number) => (((b - a) * 1000) / events).toFixed(2);
  console.log(
    `| ${name} | in the thread | ${perSec(direct).toLocaleString('en')} | 1.00 | | | ${direct[0]!.outputs.toLocaleString('en')} |`,
  );
  for (const [way, runs] of [
    ['isolate (isolated-vm)', isolated],
    ['child process (IPC)', forked],
  ] as const) {
    console.log(
      `| ${name} | ${way} | ${perSec(runs).toLocaleString('en')} | ${(ms(direct) / ms(runs)).toFixed(2)} | ` +
        `${addedUs(ms(direct), ms(runs))} µs | ${addedUs(cpu(direct), cpu(runs))} µs | ${runs[0]!.outputs.toLocaleString('en')} |`,
    );
  }
}
child.send({ stop: true });
