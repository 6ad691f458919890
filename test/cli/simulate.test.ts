import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lines, stackLines, weir } from './run-weir.ts';

const EXAMPLES = readdirSync('examples')
  .filter((f) => f.endsWith('.weir.json'))
  .map((f) => `examples/${f}`);

describe('weir simulate', () => {
  it('prints one JSON object per sink record with exactly sink, key, value and timestamp, in emission order', async () => {
    const run = await weir('simulate', 'examples/high-ids.weir.json');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    // The filter keeps ids 51, 99 and 73 of the samples (7, 51, 50, 99, "60", 73), in arrival order.
    expect(run.stdout).toBe(
      [
        '{"sink":"highIds","key":"b","value":{"id":51,"name":"fifty-one"},"timestamp":2000}',
        '{"sink":"highIds","key":"d","value":{"id":99,"name":"ninety-nine"},"timestamp":4000}',
        '{"sink":"highIds","key":"f","value":{"id":73,"name":"seventy-three"},"timestamp":6000}',
        '',
      ].join('\n'),
    );
  });

  it('interleaves the records of several sinks in the order they were emitted', async () => {
    const run = await weir('simulate', 'examples/page-views.weir.json');
    expect(run.code).toBe(0);
    const sinks = lines(run.stdout).map((line) => (JSON.parse(line) as { sink: string }).sink);
    // Three counts fire for the first minute, then the late record arrives, then the last minute's three counts.
    expect(sinks).toEqual([
      'page_view_counts',
      'page_view_counts',
      'page_view_counts',
      'late_page_views',
      'page_view_counts',
      'page_view_counts',
      'page_view_counts',
    ]);
  });

  it('replaces a source samples with a JSON Lines file given with --input', async () => {
    const run = await weir(
      'simulate',
      'examples/high-ids.weir.json',
      '--input',
      'records=test/fixtures/simulate/records.jsonl',
    );
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual([
      '{"sink":"highIds","key":"x","value":{"id":70},"timestamp":100}',
      '{"sink":"highIds","key":null,"value":{"id":51},"timestamp":300}',
    ]);
  });

  it('names the file and line of every bad line of an --input file', async () => {
    const file = 'test/fixtures/simulate/bad-records.jsonl';
    const run = await weir('simulate', 'examples/high-ids.weir.json', '--input', `records=${file}`);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(lines(run.stderr)).toEqual([
      `${file}:2: E_JSON: column 22: Expected double-quoted property name; each line must be one JSON sample such as {"value": …}`,
      `${file}:3: sample.value: E_REQUIRED: a record sample needs a "value" (or give "watermark" for a marker)`,
      `${file}:3: sample.valeu: E_UNKNOWN_FIELD: unknown field in a record sample; known: value, key, timestamp, partition, headers`,
      `${file}:4: sample.timestamp: E_TYPE: must be an integer number of milliseconds`,
    ]);
  });

  it('rejects an --input for a node that is not a source, and a missing --input file', async () => {
    const notSource = await weir(
      'simulate',
      'examples/high-ids.weir.json',
      '--input',
      'aboveFifty=test/fixtures/simulate/records.jsonl',
    );
    expect(notSource.code).toBe(1);
    expect(lines(notSource.stderr)).toEqual([
      '--input aboveFifty=test/fixtures/simulate/records.jsonl: "aboveFifty" is not a source of pipeline "high-ids"; its sources: records',
    ]);
    const missing = await weir(
      'simulate',
      'examples/high-ids.weir.json',
      '--input',
      'records=test/fixtures/simulate/none.jsonl',
    );
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual(['test/fixtures/simulate/none.jsonl: cannot read: no such file']);
  });

  it('stops at a fail error, naming the node, the record and the reason, after the records emitted before it', async () => {
    const run = await weir('simulate', 'test/fixtures/simulate/fails.weir.json');
    expect(run.code).toBe(1);
    expect(lines(run.stdout)).toEqual([
      '{"sink":"out","key":null,"value":10,"timestamp":1}',
      '{"sink":"out","key":null,"value":20,"timestamp":2}',
    ]);
    expect(lines(run.stderr)).toEqual([
      'node "check" failed: n must not be 3',
      '  record: {"n":3}',
      '  (the node\'s onError is "fail"; set it to "skip" to drop such records or "route" to send them to its error port)',
    ]);
    expect(stackLines(run)).toEqual([]);
  });

  it('fails a UDF that loops forever within its budget instead of hanging', async () => {
    const run = await weir('simulate', 'test/fixtures/simulate/endless-loop.weir.json');
    expect(run.code).toBe(1);
    expect(lines(run.stderr)[0]).toBe(
      'node "spin" failed: user code ran longer than its budget of 1000 ms (an endless loop?)',
    );
  });

  it('prints the validation problems of an invalid file on stderr and exits 1', async () => {
    const run = await weir('simulate', 'test/fixtures/invalid/duplicate-ids.weir.json');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(lines(run.stderr)).toEqual([
      'test/fixtures/invalid/duplicate-ids.weir.json is not a valid pipeline:',
      'nodes[2].id: E_DUPLICATE_ID: "clean" is already the id of nodes[1]; give this node an id of its own',
    ]);
  });

  it('treats a --checkpoint-every that is not a positive whole number as a usage error', async () => {
    for (const n of ['0', '-1', '2.5', 'often']) {
      const run = await weir('simulate', 'examples/high-ids.weir.json', `--checkpoint-every=${n}`);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`--checkpoint-every takes a positive whole number of samples, got "${n}"`);
    }
  });

  // Golden snapshot-and-restore: a run that checkpoints and continues in a fresh engine must print the same bytes.
  for (const example of EXAMPLES) {
    it(`prints byte-identical output for ${example} with --checkpoint-every 1, 2 and 3`, async () => {
      const [plain, ...restored] = await Promise.all([
        weir('simulate', example),
        ...['1', '2', '3'].map((n) => weir('simulate', example, '--checkpoint-every', n)),
      ]);
      expect(plain!.code).toBe(0);
      expect(lines(plain!.stdout).length).toBeGreaterThan(0);
      for (const run of restored) {
        expect(run.code).toBe(0);
        expect(run.stdout).toBe(plain!.stdout);
      }
    });
  }
});
