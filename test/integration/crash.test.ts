/**
 * Exactly-once output through kill -9 (SPEC §6): a separate server process runs the keyed-window job over 100 000
 * events arriving as a stream and is killed with SIGKILL at three random moments of its progress, then started again
 * each time. In the end the committed output (read_committed) must hold every record `simulate()` computes on the
 * same events, once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startKafka, type RunningKafka } from './support/kafka.ts';
import {
  canonical,
  CommittedReader,
  createInputTopic,
  deleteTestTopics,
  expectedOutput,
  keyedWindowNames,
  keyedWindowPipeline,
  produceEvents,
  sleep,
  userEvents,
  waitFor,
} from './support/deploy-fixtures.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const RUNNER = join(HERE, 'support/deploy-crash-runner.ts');
const ROOT = resolve(HERE, '../..');
const EVENTS = 100_000;

interface RunnerLine {
  type: string;
  in?: number;
  checkpoints?: number;
  lastDurationMs?: number | null;
  status?: string;
  error?: string | null;
  level?: string;
  message?: string;
}

class Runner {
  readonly child: ChildProcess;
  processed = 0;
  /** What the first metrics of this run said: the count restored from the last checkpoint. */
  restored: number | null = null;
  /** Checkpoints this process has completed. */
  checkpoints = 0;
  readonly lines: RunnerLine[] = [];
  readonly exited: Promise<void>;

  constructor(dataDir: string, brokers: string[], pipelineFile: string) {
    this.child = spawn(process.execPath, [RUNNER, dataDir, brokers.join(','), pipelineFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      let line: RunnerLine;
      try {
        line = JSON.parse(text) as RunnerLine;
      } catch {
        return;
      }
      this.lines.push(line);
      if (line.type === 'metrics' && typeof line.in === 'number') {
        this.restored ??= line.in;
        this.processed = line.in;
        this.checkpoints = line.checkpoints ?? 0;
      }
    });
    this.exited = new Promise((resolve) => this.child.on('exit', () => resolve()));
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

describe('exactly-once output through kill -9', () => {
  let kafka: RunningKafka;
  let dataDir = '';
  const runners: Runner[] = [];

  beforeAll(async () => {
    kafka = await startKafka();
    dataDir = mkdtempSync(join(tmpdir(), 'weir-crash-'));
  });

  afterAll(async () => {
    await Promise.all(runners.map((r) => r.kill()));
    // A broker that could not start leaves no data directory; its error is the one to see.
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (kafka) await deleteTestTopics(kafka.brokers).catch(() => {});
    await kafka?.stop();
  });

  it('commits each of the simulated output records once after three SIGKILLs at random moments', async () => {
    const names = keyedWindowNames('crash');
    const pipeline = keyedWindowPipeline(names);
    const pipelineFile = join(dataDir, 'pipeline.json');
    writeFileSync(pipelineFile, JSON.stringify(pipeline));
    await createInputTopic(kafka.brokers, names.input, 3);
    const events = userEvents(EVENTS);
    const expected = canonical(expectedOutput(pipeline, 'events', events));
    // Every event is enriched once; 500 s of event time in 10 s windows for 50 users, the last windows still open.
    expect(expected.length).toBeGreaterThan(EVENTS + 2000);

    // Kill points: three random fractions of the input, in increasing order, each followed by a random delay.
    const killAt = [Math.random(), Math.random(), Math.random()]
      .map((f) => Math.floor((0.1 + 0.75 * f) * EVENTS))
      .sort((a, b) => a - b);
    const reader = new CommittedReader(kafka.brokers, { countsOut: names.counts, enrichedOut: names.enriched });
    const kills: Array<{ at: number; restored: number; processed: number; checkpoints: number; delayMs: number }> = [];
    const started = Date.now();
    // The events arrive as a stream (about 5 000 a second) while the runs come and go.
    const producing = produceEvents(kafka.brokers, names.input, events, 1000, 200);
    try {
      for (const threshold of killAt) {
        const runner = new Runner(dataDir, kafka.brokers, pipelineFile);
        runners.push(runner);
        if (kills.length === 0) await reader.start();
        // Past the threshold, past what it restored, and past two checkpoints of its own (so that the next run
        // restores state from the middle of the input): the kill lands while this run is processing or committing.
        await waitFor(
          () =>
            runner.restored !== null &&
            runner.checkpoints >= 2 &&
            ((runner.processed >= threshold && runner.processed > runner.restored) || runner.processed >= EVENTS),
          `the runner to pass ${threshold} records`,
        );
        const delayMs = Math.floor(Math.random() * 400);
        await sleep(delayMs);
        kills.push({
          at: threshold,
          restored: runner.restored!,
          processed: runner.processed,
          checkpoints: runner.checkpoints,
          delayMs,
        });
        await runner.kill();
      }
      const last = new Runner(dataDir, kafka.brokers, pipelineFile);
      runners.push(last);
      await producing;
      await waitFor(
        () => reader.records.length >= expected.length,
        `${expected.length} committed records (have ${reader.records.length})`,
      );
      // The last run has restored and committed checkpoints of its own: a duplicate would have shown up by now.
      await waitFor(() => last.checkpoints >= 3, 'three checkpoints of the last run');
      await sleep(1000);
      const elapsedMs = Date.now() - started;
      const got = canonical(reader.records);
      const missing = difference(expected, got);
      const extra = difference(got, expected);
      const durations = last.lines
        .filter((l) => l.type === 'metrics' && typeof l.lastDurationMs === 'number')
        .map((l) => l.lastDurationMs!);
      const notes = runners.flatMap((r, i) =>
        r.lines
          .filter((l) => l.type === 'log' || l.type === 'status')
          .map(
            (l) =>
              `run ${i + 1}: ${l.type === 'log' ? `${l.level} ${l.message}` : `status ${l.status}${l.error ? ` (${l.error})` : ''}`}`,
          ),
      );
      console.log(notes.join('\n'));
      console.log(
        `crash test: kills ${JSON.stringify(kills)}; ${got.length} records committed in ${elapsedMs} ms; ` +
          `missing ${missing.length}, duplicate or unexpected ${extra.length}; last run's checkpoint durations (ms) ${JSON.stringify(durations.slice(-5))}`,
      );
      expect({ missing: missing.slice(0, 5), extra: extra.slice(0, 5) }).toEqual({ missing: [], extra: [] });
      expect(got).toEqual(expected);
    } finally {
      await producing.catch(() => {});
      await reader.stop();
    }
  });
});

/** Multiset difference of two sorted lists. */
function difference(a: string[], b: string[]): string[] {
  const out: string[] = [];
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) j++;
    else out.push(x);
  }
  return out;
}
