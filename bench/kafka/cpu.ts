/**
 * CPU time of this process (every thread: the job's worker thread, kafkajs, the collectors) over a wall-clock
 * interval known only afterwards, from samples every 20 ms. On a machine shared with other work it is the steadier
 * figure: events per CPU second do not drop when another process takes a core.
 */
const INTERVAL_MS = 20;

export class CpuSampler {
  private readonly at: number[] = [];
  private readonly micros: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.sample();
    this.timer = setInterval(() => this.sample(), INTERVAL_MS);
  }

  private sample(): void {
    const { user, system } = process.cpuUsage();
    this.at.push(Date.now());
    this.micros.push(user + system);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** CPU milliseconds between the samples nearest to `from` and `to`. */
  between(from: number, to: number): number {
    return (this.micros[this.nearest(to)]! - this.micros[this.nearest(from)]!) / 1000;
  }

  private nearest(time: number): number {
    let best = 0;
    for (let i = 1; i < this.at.length; i++)
      if (Math.abs(this.at[i]! - time) < Math.abs(this.at[best]! - time)) best = i;
    return best;
  }
}
