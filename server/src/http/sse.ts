/**
 * A Server-Sent Events response. Writes never block the producer: when the client reads slower than events come
 * (a busy sink tail), events are dropped and counted instead of piling up in memory, and the caller can say so
 * once the socket drains.
 */
import type { Request, Response } from 'express';
import { logger } from '../log.ts';

const HEARTBEAT_MS = 15_000;
const RECONNECT_MS = 2_000;

export class SseStream {
  private readonly res: Response;

  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly closeListeners: Array<() => void> = [];
  /** Events dropped since the last successful write. */
  dropped = 0;

  constructor(req: Request, res: Response) {
    this.res = res;
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // Reverse proxies (nginx) buffer responses unless told not to.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(`retry: ${RECONNECT_MS}\n\n`);
    this.heartbeat = setInterval(() => this.comment('ping'), HEARTBEAT_MS);
    this.heartbeat.unref();
    req.on('close', () => this.close());
    res.on('error', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends one event; false (and counted in `dropped`) when the client is not keeping up or gone. */
  send(event: string, data: unknown): boolean {
    if (this.closed) return false;
    if (this.res.writableNeedDrain) {
      this.dropped++;
      return false;
    }
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    return true;
  }

  /** Runs `listener` once the socket has room again (immediately when it has). */
  whenWritable(listener: () => void): void {
    if (!this.res.writableNeedDrain) return listener();
    this.res.once('drain', listener);
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) {
      try {
        listener();
      } catch (err) {
        logger.error({ err }, 'closing an event stream failed');
      }
    }
    this.res.end();
  }

  private comment(text: string): void {
    if (!this.closed && !this.res.writableNeedDrain) this.res.write(`: ${text}\n\n`);
  }
}
