/** `sink.kafka` (SPEC §3): hands records to the host: captured in simulation, produced to Kafka when deployed. */
import { Operator, type OperatorEnv } from '../engine/operator.ts';
import type { StreamRecord } from '../engine/record.ts';
import { defineOperator } from './types.ts';
import { TOPIC_PATTERN } from './source-kafka.ts';

export class KafkaSinkOperator extends Operator {
  private readonly dropKey: boolean;

  constructor(env: OperatorEnv) {
    super(env);
    this.dropKey = env.node.params.key === 'none';
  }

  processElement(record: StreamRecord): void {
    this.env.sink(this.id, this.dropKey && record.key !== null ? record.withKey(null) : record);
  }
}

export const kafkaSink = defineOperator({
  type: 'sink.kafka',
  label: 'Kafka sink',
  category: 'Sinks',
  description: 'Writes records to a Kafka topic; in simulation, captures them.',
  isSink: true,
  inputs: [{ name: 'in', required: true }],
  outputs: () => [],
  params: {
    topic: { kind: 'string', label: 'Topic', pattern: TOPIC_PATTERN, patternHint: 'is not a valid Kafka topic name (letters, digits, ".", "_" and "-", at most 249)' },
    valueFormat: { kind: 'enum', label: 'Value format', values: ['json', 'text'], default: 'json' },
    key: { kind: 'enum', label: 'Key', values: ['record', 'none'], default: 'record', description: 'write the record key, or no key' },
  },
  create: (env) => new KafkaSinkOperator(env),
});
