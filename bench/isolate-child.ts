/**
 * The other way bench/isolate.ts measures: the engine in a child process (as Node's permission model would confine
 * it), fed the same slices over IPC with the structured-clone ("advanced") serialisation, sink messages sent back.
 */
import { Engine } from '../shared/engine/engine.ts';
import type { StreamRecord } from '../shared/engine/record.ts';
import type { IngestBatch, SinkMessage } from '../server/src/isolate/protocol.ts';
import { sinkMessage } from '../server/src/kafka/records.ts';
import { loadWorkload, type WorkloadName } from './workloads.ts';
import { OPERATORS } from '../shared/operators/registry.ts';

let engine: Engine | null = null;
let out: SinkMessage[] = [];

process.on('message', (message: { init?: WorkloadName; batch?: IngestBatch; stop?: true }) => {
  if (message.init) {
    out = [];
    engine = new Engine(loadWorkload(message.init), {
      operators: OPERATORS,
      mode: 'deployed',
      sink: (_id: string, record: StreamRecord) => void out.push(sinkMessage(record, true) as SinkMessage),
    });
    engine.sources[0]!.declarePartitions([0]);
    process.send!({ ready: true });
  } else if (message.batch) {
    const b = message.batch;
    const source = engine!.sources[0]!;
    for (let i = 0; i < b.offsets.length; i++)
      source.ingestKafka(0, b.offsets[i]!, b.keys[i]!, b.values[i]!, b.timestamps[i]!);
    engine!.advanceProcessingTime(Date.now());
    process.send!({ sinks: out });
    out = [];
  } else if (message.stop) process.exit(0);
});
