import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureRunner } from '../../server/src/flink/local-runner.ts';
import { lines, weir as weirNow, weirWithin } from './run-weir.ts';

const SLOW = 600_000;
const weir = (...args: string[]) => weirWithin(SLOW, ...args);

const EXAMPLES = readdirSync('examples')
  .filter((f) => f.endsWith('.weir.json'))
  .map((f) => `examples/${f}`);

describe('weir simulate and weir test --engine flink', () => {
  // The first run installs Flink's jars and builds the runner jar; the commands below only run it.
  beforeAll(() => ensureRunner(), SLOW);

  it(
    'prints exactly what the Weir engine prints, byte for byte, sinks interleaved in emission order',
    async () => {
      const [flink, engine] = await Promise.all([
        weir('simulate', 'examples/page-views.weir.json', '--engine', 'flink'),
        weir('simulate', 'examples/page-views.weir.json'),
      ]);
      expect(flink.stderr).toBe('');
      expect(flink.code).toBe(0);
      expect(lines(flink.stdout)).toHaveLength(7);
      expect(flink.stdout).toBe(engine.stdout);
    },
    SLOW,
  );

  it(
    'takes --input files on Flink too',
    async () => {
      const args = [
        'simulate',
        'examples/high-ids.weir.json',
        '--input',
        'records=test/fixtures/simulate/records.jsonl',
      ];
      const [flink, engine] = await Promise.all([weir(...args, '--engine', 'flink'), weir(...args)]);
      expect(flink.code).toBe(0);
      expect(lines(flink.stdout)).toEqual(lines(engine.stdout));
      expect(lines(flink.stdout)).toHaveLength(2);
    },
    SLOW,
  );

  it(
    'stops at a record that fails under onError "fail" with the Weir engine\'s message and exit status 1',
    async () => {
      const [flink, engine] = await Promise.all([
        weir('simulate', 'test/fixtures/simulate/fails.weir.json', '--engine', 'flink'),
        weir('simulate', 'test/fixtures/simulate/fails.weir.json'),
      ]);
      expect(flink.code).toBe(1);
      expect(flink.stderr).toContain('node "check" failed: n must not be 3');
      expect(flink.stderr).toBe(engine.stderr);
      expect(flink.stdout).toBe(engine.stdout);
    },
    SLOW,
  );

  it(
    "runs every example's tests on Flink and they pass",
    async () => {
      const run = await weir('test', '--engine', 'flink', ...EXAMPLES);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/\n(\d+) passed, 0 failed \(\d+ files\)\n$/);
      expect(run.stdout).not.toContain('✗');
    },
    SLOW,
  );

  it(
    'shows a failing test as a diff on Flink as on the Weir engine',
    async () => {
      const [flink, engine] = await Promise.all([
        weir('test', '--engine', 'flink', 'test/fixtures/tests/mixed.weir.json'),
        weir('test', 'test/fixtures/tests/mixed.weir.json'),
      ]);
      expect(flink.code).toBe(1);
      expect(flink.stdout).toBe(engine.stdout);
    },
    SLOW,
  );

  it(
    'refuses an unknown engine and --checkpoint-every on Flink as usage errors',
    async () => {
      const unknown = await weirNow('simulate', 'examples/page-views.weir.json', '--engine', 'spark');
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('--engine takes "weir" or "flink", got "spark"');
      const checkpoint = await weir(
        'test',
        '--engine',
        'flink',
        '--checkpoint-every',
        '2',
        'examples/page-views.weir.json',
      );
      expect(checkpoint.code).toBe(2);
      expect(checkpoint.stderr).toContain('--checkpoint-every is for the Weir engine');
    },
    SLOW,
  );
});
