/**
 * `source.kafka` (SPEC §2, §3): turns samples (simulation) or Kafka records (deployed) into stream records with
 * event time, and keeps one watermark per partition; the source's watermark is their minimum.
 */
import { defineField, defineParams, type ParamsOf } from '../pipeline/schema.ts';
import { isWatermarkSample, type Json, type Key, type Sample } from '../pipeline/types.ts';
import type { OperatorEnv, StateSize } from '../engine/operator.ts';
import { readPath, splitPath, StreamRecord } from '../engine/record.ts';
import { decodeTime, encodeTime } from '../engine/keyed.ts';
import { describeValue } from '../engine/json-text.ts';
import { SourceOperator } from '../engine/source.ts';
import { defineOperator } from './types.ts';

/** A Kafka topic name, as the source and the sink take it. */
export const topicField = defineField({
  kind: 'string',
  label: 'Topic',
  pattern: '^[A-Za-z0-9._-]{1,249}$',
  patternHint: 'is not a valid Kafka topic name (letters, digits, ".", "_" and "-", at most 249)',
});

const params = defineParams({
  topic: { ...topicField, description: 'the Kafka topic to read' },
  valueFormat: { kind: 'enum', label: 'Value format', values: ['json', 'text'], default: 'json' },
  keyFormat: { kind: 'enum', label: 'Key format', values: ['text', 'json'], default: 'text' },
  startFrom: {
    kind: 'enum',
    label: 'Start from',
    values: ['earliest', 'latest'],
    default: 'earliest',
    description: 'used when no checkpoint exists',
  },
  timestamp: {
    kind: 'variant',
    label: 'Event time',
    tag: 'from',
    default: { from: 'kafka' },
    variants: {
      kafka: { label: 'Kafka record timestamp', fields: {} },
      field: {
        label: 'A field of the value',
        fields: {
          field: { kind: 'string', label: 'Field', minLength: 1, description: 'dot path, e.g. "ts" or "meta.time"' },
          format: { kind: 'enum', label: 'Format', values: ['ms', 's', 'iso'], default: 'ms' },
        },
      },
    },
  },
  watermark: {
    kind: 'variant',
    label: 'Watermarks',
    tag: 'strategy',
    default: { strategy: 'bounded', maxOutOfOrdernessMs: 0 },
    variants: {
      bounded: {
        label: 'Bounded out-of-orderness',
        fields: {
          maxOutOfOrdernessMs: { kind: 'duration', label: 'Max out-of-orderness', min: 0, default: 0 },
          idleTimeoutMs: {
            kind: 'duration',
            label: 'Idle timeout',
            min: 1,
            optional: true,
            description: 'deployed only',
          },
        },
      },
      explicit: { label: 'Explicit markers only', fields: {} },
    },
  },
});

export type KafkaSourceParams = ParamsOf<typeof params>;

interface PartitionState {
  watermark: number;
  maxTimestamp: number;
  /** Kafka: the next offset to read. Simulation: unused. */
  nextOffset: number;
  lastActive: number;
  idle: boolean;
}

export class KafkaSourceOperator extends SourceOperator {
  private readonly partitions = new Map<number, PartitionState>();
  /** The partition read last and its state: a deployment reads a batch of one partition at a time. */
  private lastPartition = -1;
  private lastState: PartitionState | null = null;
  private readonly timestampField: readonly string[] | null;
  /** The field's path as written, for messages: joined once here, not per record. */
  private readonly timestampFieldName: string;
  private readonly timestampFormat: 'ms' | 's' | 'iso';
  private readonly outOfOrderness: number;
  private readonly bounded: boolean;
  private readonly idleTimeout: number;
  private readonly out;
  private readonly valueIsJson: boolean;
  private readonly keyIsJson: boolean;
  private latestTimestamp = 0;

  constructor(env: OperatorEnv<KafkaSourceParams>) {
    super(env);
    const params = env.node.params;
    this.timestampField = params.timestamp.from === 'field' ? splitPath(params.timestamp.field) : null;
    this.timestampFieldName = params.timestamp.from === 'field' ? params.timestamp.field : '';
    this.timestampFormat = params.timestamp.from === 'field' ? params.timestamp.format : 'ms';
    this.bounded = params.watermark.strategy === 'bounded';
    this.outOfOrderness = params.watermark.strategy === 'bounded' ? params.watermark.maxOutOfOrdernessMs : 0;
    this.idleTimeout = params.watermark.strategy === 'bounded' ? (params.watermark.idleTimeoutMs ?? 0) : 0;
    this.valueIsJson = params.valueFormat === 'json';
    this.keyIsJson = params.keyFormat === 'json';
    this.out = this.output('out');
  }

  declarePartitions(partitions: Iterable<number>): void {
    for (const p of partitions) {
      if (!this.partitions.has(p)) {
        this.partitions.set(p, {
          watermark: -Infinity,
          maxTimestamp: -Infinity,
          nextOffset: 0,
          lastActive: this.env.processingTime(),
          idle: false,
        });
      }
    }
  }

  eventTimeOfSample(sample: Sample): number {
    if (isWatermarkSample(sample)) return sample.watermark;
    const t = this.extractTimestamp(sample.value, sample.timestamp);
    return typeof t === 'number' ? t : -Infinity;
  }

  ingestSample(sample: Sample): void {
    this.samplePosition++;
    const partition = sample.partition ?? 0;
    if (isWatermarkSample(sample)) return this.ingestMarker(partition, sample.watermark);
    this.ingestRecord(partition, sample.key ?? null, sample.value, sample.timestamp, sample.headers);
  }

  ingestKafka(
    partition: number,
    offset: number,
    key: string | null,
    value: string | null,
    kafkaTimestamp: number,
    headers?: Record<string, string>,
  ): void {
    const state = this.partitionState(partition);
    state.nextOffset = offset + 1;
    let decodedKey: Key = key;
    let decodedValue: unknown = value;
    try {
      if (this.keyIsJson && key !== null) decodedKey = parseJsonKey(key);
      if (this.valueIsJson && value !== null) decodedValue = JSON.parse(value);
    } catch (err) {
      const record = new StreamRecord(null, value, kafkaTimestamp, headers);
      this.handleError(
        new Error(`malformed JSON at partition ${partition} offset ${offset}: ${(err as Error).message}`),
        record,
        value,
      );
      return;
    }
    this.ingestRecord(partition, decodedKey, decodedValue, kafkaTimestamp, headers);
  }

  ingestMarker(partition: number, watermark: number): void {
    const state = this.partitionState(partition);
    if (watermark > state.watermark) state.watermark = watermark;
    this.updateWatermark();
  }

  endOfInput(): void {
    for (const state of this.partitions.values()) state.watermark = Infinity;
    if (this.partitions.size === 0) this.advanceWatermark(Infinity);
    else this.updateWatermark();
  }

  offsets(): Map<number, number> {
    const result = new Map<number, number>();
    for (const [p, s] of this.partitions) result.set(p, s.nextOffset);
    return result;
  }

  override onProcessingTime(time: number): void {
    if (this.env.mode !== 'deployed' || this.idleTimeout <= 0) return;
    let changed = false;
    for (const state of this.partitions.values()) {
      if (!state.idle && time - state.lastActive >= this.idleTimeout) {
        state.idle = true;
        changed = true;
      }
    }
    if (changed) this.updateWatermark();
  }

  private ingestRecord(
    partition: number,
    key: Key,
    value: unknown,
    kafkaTimestamp: number | undefined,
    headers?: Record<string, string>,
  ): void {
    const state = this.partitionState(partition);
    // Only idle detection reads it, and deployed it costs a clock read per record.
    if (this.idleTimeout > 0) state.lastActive = this.env.processingTime();
    state.idle = false;
    const timestamp = this.extractTimestamp(value, kafkaTimestamp);
    if (typeof timestamp === 'string') {
      const fallback = kafkaTimestamp ?? this.latestTimestamp;
      this.handleError(new Error(timestamp), new StreamRecord(key, value, fallback, headers), value);
      return;
    }
    if (timestamp > this.latestTimestamp) this.latestTimestamp = timestamp;
    this.out.emit(new StreamRecord(key, value, timestamp, headers));
    if (timestamp > state.maxTimestamp) {
      state.maxTimestamp = timestamp;
      if (this.bounded) {
        const candidate = timestamp - this.outOfOrderness - 1;
        if (candidate > state.watermark) {
          state.watermark = candidate;
          this.updateWatermark();
        }
      }
    }
  }

  /** The record's event time, or a message saying why it has none. */
  private extractTimestamp(value: unknown, kafkaTimestamp: number | undefined): number | string {
    if (this.timestampField === null) {
      if (typeof kafkaTimestamp !== 'number' || !Number.isFinite(kafkaTimestamp)) return 'record has no timestamp';
      return Math.floor(kafkaTimestamp);
    }
    const raw = readPath(value, this.timestampField);
    const field = this.timestampFieldName;
    if (raw === undefined || raw === null) return `record has no event time: field "${field}" is missing`;
    let ms: number;
    if (this.timestampFormat === 'iso') {
      ms = typeof raw === 'string' ? parseIsoTime(raw) : NaN;
      if (Number.isNaN(ms)) return `field "${field}" is not an ISO-8601 date: ${describeValue(raw)}`;
    } else {
      if (typeof raw !== 'number' || !Number.isFinite(raw))
        return `field "${field}" is not a finite number: ${describeValue(raw)}`;
      ms = this.timestampFormat === 's' ? raw * 1000 : raw;
    }
    ms = Math.floor(ms);
    if (!Number.isSafeInteger(ms)) return `field "${field}" is out of range: ${describeValue(raw)}`;
    return ms;
  }

  private partitionState(partition: number): PartitionState {
    if (partition === this.lastPartition) return this.lastState!;
    let state = this.partitions.get(partition);
    if (state === undefined) {
      this.declarePartitions([partition]);
      state = this.partitions.get(partition)!;
    }
    this.lastPartition = partition;
    this.lastState = state;
    return state;
  }

  private updateWatermark(): void {
    let min = Infinity;
    let active = 0;
    for (const state of this.partitions.values()) {
      if (state.idle) continue;
      active++;
      if (state.watermark < min) min = state.watermark;
    }
    if (active > 0 && min > this.watermark) this.advanceWatermark(min);
  }

  override snapshotState(): Json {
    const partitions: Json[] = [];
    for (const [p, s] of this.partitions)
      partitions.push([p, encodeTime(s.watermark), encodeTime(s.maxTimestamp), s.nextOffset]);
    return { samplePosition: this.samplePosition, latestTimestamp: this.latestTimestamp, partitions };
  }

  override restoreState(state: Json): void {
    const s = state as {
      samplePosition: number;
      latestTimestamp: number;
      partitions: Array<[number, Json, Json, number]>;
    };
    this.samplePosition = s.samplePosition;
    this.latestTimestamp = s.latestTimestamp;
    this.partitions.clear();
    this.lastPartition = -1;
    this.lastState = null;
    for (const [p, wm, maxTs, nextOffset] of s.partitions) {
      this.partitions.set(p, {
        watermark: decodeTime(wm),
        maxTimestamp: decodeTime(maxTs),
        nextOffset,
        lastActive: this.env.processingTime(),
        idle: false,
      });
    }
  }

  override stateSize(): StateSize {
    return { keys: 0, timers: 0 };
  }
}

const ISO_TIME = /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Reads ISO-8601 / RFC 3339 text as epoch milliseconds; NaN for anything else. Text without an offset is read as UTC
 * (as Flink reads a zone-less TIMESTAMP), never in the host's time zone, and no engine-specific date forms are
 * accepted, so the browser and the server give a record the same event time.
 */
export function parseIsoTime(text: string): number {
  const match = ISO_TIME.exec(text);
  if (match === null) return NaN;
  const [, date, time, zone] = match;
  if (time === undefined) return Date.parse(date!);
  const offset =
    zone === undefined || zone === 'z' || zone === 'Z'
      ? 'Z'
      : zone.includes(':')
        ? zone
        : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return Date.parse(`${date}T${time}${offset}`);
}

function parseJsonKey(text: string): Key {
  const key = JSON.parse(text) as unknown;
  if (key !== null && typeof key === 'object') throw new Error('a JSON key must be a scalar or null');
  return key as Key;
}

export const kafkaSource = defineOperator({
  type: 'source.kafka',
  label: 'Kafka source',
  category: 'Sources',
  description: 'Reads a Kafka topic; in simulation, its samples. Assigns event time and watermarks per partition.',
  role: 'source',
  fieldParams: [{ path: ['timestamp', 'field'], label: 'Timestamp', of: 'out' }],
  values: { out: 'records' },
  inputs: [],
  outputs: () => ['out', 'error'],
  params,
  create: (env) => new KafkaSourceOperator(env),
});
