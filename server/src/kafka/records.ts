/** Stream records ↔ Kafka messages (SPEC §2, §3: `sink.kafka` params `valueFormat` and `key`). */
import type { IHeaders, Message } from 'kafkajs';
import type { StreamRecord } from '../../../shared/engine/record.ts';
import type { Key } from '../../../shared/pipeline/types.ts';

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
