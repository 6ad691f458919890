/** What `weir produce` shows while it writes: progress, Kafka trouble and a summary per topic (stderr). */
export function bytesText(bytes: number): string {
  return `${count(bytes)} bytes`;
}

/** 1234567 → "1 234 567". */
export function count(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/**
 * stderr while records are written: a progress line, rewritten in place a few times a second on a terminal and
 * printed every few seconds otherwise (WEIR_PROGRESS_INTERVAL_MS overrides; 0: after every acknowledged send), notes
 * of Kafka trouble and a summary line per topic. stdout is left to the one result line per source.
 */
export class Reporter {
  private readonly brokers: string;

  private readonly tty = process.stderr.isTTY === true;
  private readonly intervalMs: number;
  private shown = false;
  private timer: NodeJS.Timeout | undefined;
  private current: { topic: string; total: number; done: number; started: number; progressed: number } | undefined;
  private lastTrouble = -Infinity;

  constructor(brokers: string) {
    this.brokers = brokers;
    const setting = process.env.WEIR_PROGRESS_INTERVAL_MS;
    const parsed = setting === undefined || setting === '' ? NaN : Number(setting);
    this.intervalMs = Number.isFinite(parsed) && parsed >= 0 ? parsed : this.tty ? 250 : 5000;
  }

  start(topic: string, total: number): void {
    const now = performance.now();
    this.current = { topic, total, done: 0, started: now, progressed: now };
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => this.print(), this.intervalMs);
      this.timer.unref();
    }
  }

  sent(records: number): void {
    if (!this.current) return;
    this.current.done += records;
    this.current.progressed = performance.now();
    if (this.intervalMs === 0) this.print();
  }

  /** Milliseconds since the broker last acknowledged a send of the topic being written. */
  sinceProgress(): number {
    return this.current ? performance.now() - this.current.progressed : 0;
  }

  /** The summary line of the topic just written. */
  finish(): void {
    const current = this.current;
    this.stop();
    if (!current) return;
    const seconds = (performance.now() - current.started) / 1000;
    const rate = seconds > 0 ? ` (${count(current.done / seconds)}/s)` : '';
    this.write(
      `produced ${count(current.done)} records to ${current.topic} in ${seconds.toFixed(seconds < 10 ? 2 : 1)} s${rate}`,
    );
  }

  /** Ends the progress line without a summary (the run failed); returns how many records were acknowledged. */
  abandon(): number {
    const done = this.current?.done ?? 0;
    this.stop();
    return done;
  }

  /** Kafka trouble that is being retried: said at once, then at most every 10 s. */
  trouble(message: string): void {
    const now = performance.now();
    if (now - this.lastTrouble < 10_000) return;
    this.lastTrouble = now;
    this.write(`weir produce: Kafka (${this.brokers}): ${message}; retrying`);
    if (this.tty && this.current) this.print();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.current = undefined;
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }

  private print(): void {
    const c = this.current;
    if (!c) return;
    const now = performance.now();
    const seconds = (now - c.started) / 1000;
    const stalled = now - c.progressed;
    const state =
      stalled >= 2000
        ? `waiting for Kafka for ${Math.floor(stalled / 1000)} s`
        : `${count(seconds > 0 ? c.done / seconds : 0)}/s`;
    const line = `produced ${count(c.done)} of ${count(c.total)} records to ${c.topic} (${state})`;
    if (this.tty) {
      process.stderr.write(`\r${line}\x1b[K`);
      this.shown = true;
    } else {
      process.stderr.write(line + '\n');
    }
  }

  private write(line: string): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
    process.stderr.write(line + '\n');
  }
}
