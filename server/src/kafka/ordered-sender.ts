/**
 * Writing a stream of records to one topic in sends a broker accepts, several at a time, in order within each
 * partition.
 *
 * Records are added one at a time with their partition and encoded size. Each partition collects them into chunks of
 * at most `chunkBytes` and `chunkMessages` (kafkajs puts one send's messages for a partition into one record batch,
 * which the broker refuses past its `max.message.bytes`, and sorts them into partitions at a cost that grows with the
 * square of their number: sends.ts). A send carries the next chunk of each partition that has one ready and no send
 * in flight, up to `sendBytes`; up to `maxInFlight` sends are under way at once. A partition never has two sends in
 * flight, so a send that kafkajs retries cannot overtake or be overtaken by a later one of the same partition:
 * per-partition order holds whatever fails and is retried.
 */
import type { Message } from 'kafkajs';

export interface OrderedSenderOptions {
  /** Writes one send's messages (each with its partition); rejects when they could not be written. */
  send: (messages: Message[]) => Promise<void>;
  /** Called with the number of messages after each send the broker acknowledged. */
  onSent?: (count: number) => void;
  chunkBytes: number;
  chunkMessages: number;
  /** A send's size when it carries chunks of several partitions (one chunk is never split). */
  sendBytes: number;
  maxInFlight: number;
  /** `room()` waits while more than this is added and not yet acknowledged. */
  maxBufferedBytes: number;
}

interface Chunk {
  messages: Message[];
  bytes: number;
}

interface Lane {
  open: Chunk;
  ready: Chunk[];
  busy: boolean;
}

export class OrderedSender {
  private readonly options: OrderedSenderOptions;

  private readonly lanes: Lane[] = [];
  private readonly active: number[] = [];
  private next = 0;
  private inFlight = 0;
  private buffered = 0;
  private failed = false;
  private failure: unknown;
  private waiters: Array<() => void> = [];

  constructor(options: OrderedSenderOptions) {
    this.options = options;
  }

  /** Adds one record for `partition`; `bytes` is its encoded size (at least what it takes in a record batch). */
  add(message: Message, bytes: number, partition: number): void {
    let lane = this.lanes[partition];
    if (!lane) {
      lane = this.lanes[partition] = { open: { messages: [], bytes: 0 }, ready: [], busy: false };
      this.active.push(partition);
      this.active.sort((a, b) => a - b);
    }
    const open = lane.open;
    if (
      open.messages.length > 0 &&
      (open.bytes + bytes > this.options.chunkBytes || open.messages.length >= this.options.chunkMessages)
    ) {
      lane.ready.push(open);
      lane.open = { messages: [], bytes: 0 };
      this.pump();
    }
    lane.open.messages.push(message);
    lane.open.bytes += bytes;
    this.buffered += bytes;
  }

  /**
   * Resolves once what is buffered is below `maxBufferedBytes` again (sending what is pending meanwhile); rejects
   * with the first failed send's error once no send is in flight any more.
   */
  async room(): Promise<void> {
    while (!this.failed && this.buffered > this.options.maxBufferedBytes) {
      // With nothing under way, waiting would be for ever: what the partitions collected goes out as it is.
      if (this.inFlight === 0) this.closeOpenChunks();
      if (this.inFlight === 0) break;
      await this.settled();
    }
    await this.throwIfFailed();
  }

  /** Sends everything added and resolves when the broker acknowledged all of it, or rejects as `room()` does. */
  async flush(): Promise<void> {
    this.closeOpenChunks();
    while (!this.failed && (this.inFlight > 0 || this.lanes.some((lane) => lane && lane.ready.length > 0)))
      await this.settled();
    await this.throwIfFailed();
  }

  private closeOpenChunks(): void {
    for (const partition of this.active) {
      const lane = this.lanes[partition]!;
      if (lane.open.messages.length === 0) continue;
      lane.ready.push(lane.open);
      lane.open = { messages: [], bytes: 0 };
    }
    this.pump();
  }

  private async throwIfFailed(): Promise<void> {
    if (!this.failed) return;
    while (this.inFlight > 0) await this.settled();
    throw this.failure;
  }

  private settled(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Starts sends while fewer than `maxInFlight` are under way and some partition has a chunk and no send in flight. */
  private pump(): void {
    const partitions = this.active;
    while (!this.failed && this.inFlight < this.options.maxInFlight) {
      const taken: Array<{ lane: Lane; chunk: Chunk }> = [];
      let bytes = 0;
      for (let i = 0; i < partitions.length; i++) {
        const lane = this.lanes[partitions[(this.next + i) % partitions.length]!]!;
        if (lane.busy || lane.ready.length === 0) continue;
        if (taken.length > 0 && bytes + lane.ready[0]!.bytes > this.options.sendBytes) break;
        const chunk = lane.ready.shift()!;
        lane.busy = true;
        taken.push({ lane, chunk });
        bytes += chunk.bytes;
      }
      if (taken.length === 0) return;
      this.next = (this.next + 1) % partitions.length;
      const messages = taken.length === 1 ? taken[0]!.chunk.messages : taken.flatMap((t) => t.chunk.messages);
      this.inFlight++;
      this.options
        .send(messages)
        .then(
          () => {
            this.buffered -= bytes;
            this.options.onSent?.(messages.length);
          },
          (error: unknown) => {
            if (!this.failed) {
              this.failed = true;
              this.failure = error;
            }
          },
        )
        .finally(() => {
          this.inFlight--;
          for (const t of taken) t.lane.busy = false;
          this.pump();
          const waiters = this.waiters;
          this.waiters = [];
          for (const wake of waiters) wake();
        });
    }
  }
}
