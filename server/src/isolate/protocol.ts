/** What crosses between a host and the engine in its isolate (guest.ts): plain data, copied both ways. */

/** A Kafka message for a sink topic, as kafkajs sends it. */
export interface SinkMessage {
  key: string | null;
  value: string | null;
  timestamp?: string;
  headers?: Record<string, string>;
}

/** One slice of one partition's records, as columns. */
export interface IngestBatch {
  topic: string;
  partition: number;
  offsets: number[];
  keys: Array<string | null>;
  values: Array<string | null>;
  timestamps: number[];
  headers: Array<Record<string, string> | null>;
}

/** What a call produced: sink messages by sink node id, in emission order, and log lines by node. */
export interface Slice {
  sinks: Record<string, SinkMessage[]>;
  logs: Array<[string | null, string]>;
}

export type GuestErrorKind = 'failure' | 'build' | 'restore' | 'error';

export interface GuestError {
  kind: GuestErrorKind;
  message: string;
  /** For `failure` (a record failed under onError "fail"): the node, the reason and the record. */
  nodeId?: string;
  reason?: string;
  input?: unknown;
}

export type GuestResult<T> = ({ ok: true } & T) | { ok: false; error: GuestError };
