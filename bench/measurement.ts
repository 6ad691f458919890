/**
 * What every benchmark system implements (`Workload`) and reports (`Measurement`); run.ts collects the systems'
 * workloads and report.ts writes their measurements into bench/results.md.
 */
export interface RunOptions {
  /** A smaller, single run: for a quick look and for CI, not for figures worth quoting. */
  quick: boolean;
}

export interface Measurement {
  workload: string;
  system: string;
  eventsPerSec: number;
  /** Not measured for the browser, whose memory lives in Chromium's processes. */
  peakRssMb?: number;
  /** The browser's: the longest task on the page's main thread during the run. */
  longestTaskMs?: number;
  /** Shown in the human-readable output only. */
  notes?: string[];
  /** Side-by-side workloads: what was fed and what came out, so systems can be checked for equal output. */
  events?: number;
  outputs?: number;
  checksum?: number;
  inputChecksum?: number;
  runsPerSec?: number[];
  /** Events per second of CPU time (all threads of the process), steadier than wall time on a busy machine. */
  eventsPerCpuSec?: number;
  inputRssMb?: number;
  /** Kafka end to end (kafka.ts): latency percentiles at half the measured rate, and restore of a large state. */
  p50Ms?: number;
  p99Ms?: number;
  restoreMs?: number;
  keys?: number;
}

export interface Workload {
  /** What is computed, e.g. `tumbling-count`; the same name on every system that runs it. */
  readonly workload: string;
  /** Who computes it, e.g. `weir-engine`. */
  readonly system: string;
  readonly description: string;
  run(options: RunOptions): Promise<Measurement>;
}
