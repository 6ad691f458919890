/** `sink.kafka` (SPEC §3): hands records to the host: captured in simulation, produced to Kafka when deployed. */
import { defineParams, type ParamsOf } from '../pipeline/schema.ts';
import type { Key } from '../pipeline/types.ts';
import { Operator, type OperatorEnv } from '../engine/operator.ts';
import type { StreamRecord } from '../engine/record.ts';
import { defineOperator } from './types.ts';
import { topicField } from './source-kafka.ts';

const params = defineParams({
  topic: topicField,
  valueFormat: { kind: 'enum', label: 'Value format', values: ['json', 'text'], default: 'json' },
  key: {
    kind: 'enum',
    label: 'Key',
    values: ['record', 'none'],
    default: 'record',
    description: 'write the record key, or no key',
  },
});

export type KafkaSinkParams = ParamsOf<typeof params>;

export class KafkaSinkOperator extends Operator {
  private readonly dropKey: boolean;

  constructor(env: OperatorEnv<KafkaSinkParams>) {
    super(env);
    this.dropKey = env.node.params.key === 'none';
  }

  processElement(record: StreamRecord): void {
    this.env.sink(this.id, this.dropKey && record.key !== null ? record.withKey(null) : record);
  }
}

/* How a sink record becomes Kafka bytes: the same on the Weir server and in the Flink runner. */

/**
 * A record key as Kafka key bytes: a string as itself (what a source with `keyFormat: "text"` reads back), other
 * scalars as their JSON text, `null` as no key.
 */
export function encodeKey(key: Key): string | null {
  if (key === null) return null;
  return typeof key === 'string' ? key : JSON.stringify(key);
}

/**
 * `json`: the value's JSON text. `text`: a string as itself, anything else as JSON text. A value that has no JSON
 * form (undefined) becomes an empty value, not a tombstone, so compacted sink topics keep it.
 */
export function encodeValue(value: unknown, json: boolean): string {
  if (!json && typeof value === 'string') return value;
  return JSON.stringify(value) ?? '';
}

/** Kafka timestamps are non-negative epoch milliseconds; other event times are left for the broker to stamp. */
export function encodeTimestamp(timestamp: number): string | undefined {
  return timestamp >= 0 && Number.isSafeInteger(timestamp) ? String(timestamp) : undefined;
}

export const kafkaSink = defineOperator({
  type: 'sink.kafka',
  label: 'Kafka sink',
  category: 'Sinks',
  description: 'Writes records to a Kafka topic; in simulation, captures them.',
  role: 'sink',
  inputs: [{ name: 'in', required: true }],
  outputs: () => [],
  params,
  create: (env) => new KafkaSinkOperator(env),
});
