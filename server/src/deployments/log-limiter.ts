/** `ctx.log` lines and routed-error notes of a deployment, at a rate a log can take. */

/** At most `perSecond` lines a second go through; the rest are counted and reported once. */
export class LogLimiter {
  private readonly emit: (message: string, nodeId?: string) => void;
  private readonly perSecond: number;

  private windowStart = 0;
  private lines = 0;
  private dropped = 0;

  constructor(emit: (message: string, nodeId?: string) => void, perSecond = 50) {
    this.emit = emit;
    this.perSecond = perSecond;
  }

  line(message: string, nodeId?: string): void {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      if (this.dropped > 0) this.emit(`${this.dropped} log line(s) dropped (more than ${this.perSecond} a second)`);
      this.windowStart = now;
      this.lines = 0;
      this.dropped = 0;
    }
    if (this.lines++ < this.perSecond)
      this.emit(message.length > 2000 ? message.slice(0, 1997) + '...' : message, nodeId);
    else this.dropped++;
  }
}

/** One `ctx.log` argument as text: strings as they are, anything else as JSON. */
export function formatLogArg(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  try {
    return JSON.stringify(arg) ?? String(arg);
  } catch {
    return String(arg);
  }
}
