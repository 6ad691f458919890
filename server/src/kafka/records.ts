/** Stream records ↔ Kafka messages (SPEC §2, §3: `sink.kafka` params `valueFormat` and `key`). */
import type { IHeaders, Message } from 'kafkajs';
import type { StreamRecord } from '../../../shared/engine/record.ts';
import { encodeKey, encodeTimestamp, encodeValue } from '../../../shared/operators/sink-kafka.ts';

export { encodeKey, encodeTimestamp, encodeValue };

export function sinkMessage(record: StreamRecord, json: boolean): Message {
  const message: Message = { key: encodeKey(record.key), value: encodeValue(record.value, json) };
  const timestamp = encodeTimestamp(record.timestamp);
  if (timestamp !== undefined) message.timestamp = timestamp;
  if (record.headers !== undefined) message.headers = record.headers as IHeaders;
  return message;
}

/** Kafka headers as the string map records carry; a header repeated keeps its last value. Undefined when none. */
export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  let result: Record<string, string> | undefined;
  for (const name in headers) {
    const raw = headers[name];
    if (raw === undefined) continue;
    const last = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (last === undefined) continue;
    (result ??= {})[name] = typeof last === 'string' ? last : last.toString('utf8');
  }
  return result;
}
