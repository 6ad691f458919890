import { describe, expect, it } from 'vitest';
import { lines, stackLines, weir } from './run-weir.ts';

describe('weir test', () => {
  it('passes every example test, also with a checkpoint and restore after every sample', async () => {
    const files = ['high-ids', 'inactivity-alert', 'page-views', 'sessions', 'user-activity-counts', 'word-count'].map(
      (n) => `examples/${n}.weir.json`,
    );
    const [plain, restored] = await Promise.all([
      weir('test', ...files),
      weir('test', '--checkpoint-every', '1', ...files),
    ]);
    for (const run of [plain, restored]) {
      expect(run.code).toBe(0);
      expect(run.stdout).not.toContain('✗');
      expect(lines(run.stdout).at(-1)).toMatch(/^\d+ passed, 0 failed \(6 files\)$/);
    }
  });

  it('prints ✓ and ✗ per test, a record-by-record diff per sink, the reason of a failed run, and exits 1', async () => {
    const run = await weir('test', 'test/fixtures/tests/mixed.weir.json');
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')).toEqual([
      'test/fixtures/tests/mixed.weir.json',
      '  ✓ doubles numbers',
      '  ✗ expects the wrong numbers',
      '      sink "out": expected 3 records, got 2 (- expected, + actual)',
      '        #1   = {"key":null,"value":2,"timestamp":10}',
      '        #2   - {"key":null,"value":5,"timestamp":20}',
      '             + {"key":null,"value":4,"timestamp":20}',
      '        #3   - {"key":null,"value":6,"timestamp":30}',
      '             + (no record emitted)',
      '  ✗ meets a negative number',
      '      node "double" failed: negative input',
      '        record: -1',
      '        (the node\'s onError is "fail"; set it to "skip" to drop such records or "route" to send them to its error port)',
      '',
      '1 passed, 2 failed (1 file)',
      '',
    ]);
    expect(stackLines(run)).toEqual([]);
  });

  it('counts an invalid file as a failure and goes on with the other files', async () => {
    const run = await weir('test', 'test/fixtures/invalid/cycle.weir.json', 'examples/high-ids.weir.json');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'test/fixtures/invalid/cycle.weir.json\n  test/fixtures/invalid/cycle.weir.json is not a valid pipeline:\n  edges[3]: E_CYCLE:',
    );
    expect(run.stdout).toContain('  ✓ keeps ids above 50 in arrival order, with their keys and timestamps');
    expect(lines(run.stdout).at(-1)).toBe('2 passed, 0 failed, 1 invalid file (2 files)');
  });

  it('needs at least one file', async () => {
    const run = await weir('test');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('weir test: give one or more pipeline files');
  });
});
