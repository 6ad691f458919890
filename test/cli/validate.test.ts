import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPERATOR_LIST } from '../../shared/index.ts';
import { lines, stackLines, weir } from './run-weir.ts';

const CYCLE =
  'edges[3]: E_CYCLE: the graph has a cycle: a → b → c → a; remove one of its edges (edges[1], edges[2], edges[3]) so that no record can reach its own node again';

/** Each broken fixture and exactly the lines `weir validate` must print for it. */
const INVALID: Record<string, string[]> = {
  'cycle.weir.json': [CYCLE],
  'duplicate-ids.weir.json': [
    'nodes[2].id: E_DUPLICATE_ID: "clean" is already the id of nodes[1]; give this node an id of its own',
  ],
  'unknown-type.weir.json': [
    `nodes[1].type: E_UNKNOWN_TYPE: unknown operator type "fliter"; did you mean "filter"? known types: ${OPERATOR_LIST.map((d) => d.type).join(', ')}`,
  ],
  'unknown-ports-and-fields.weir.json': [
    'descripton: E_UNKNOWN_FIELD: unknown field; did you mean "description"? known fields here: format, id, name, description, settings, nodes, edges, tests, ui',
    'nodes[0].params.valueFromat: E_UNKNOWN_FIELD: unknown field; did you mean "valueFormat"? known fields here: topic, valueFormat, keyFormat, startFrom, timestamp, watermark',
    'nodes[1].colour: E_UNKNOWN_FIELD: unknown field; known fields here: id, type, label, params, onError, samples, ui',
    'edges[0].fromPort: E_UNKNOWN_PORT: source.kafka node "events" has no output port "errors"; its output ports: out, error',
    'edges[1].toPort: E_UNKNOWN_PORT: sink.kafka node "out" has no input port "input"; its input ports: in',
    'edges[2].label: E_UNKNOWN_FIELD: unknown field; known fields here: from, to, fromPort, toPort',
  ],
  'out-of-range.weir.json': [
    'settings.checkpointIntervalMs: E_RANGE: must be a positive integer number of milliseconds, got 0',
    'settings.delivery: E_ENUM: must be one of "exactly-once", "at-least-once", got the string "exactly-twice"',
    'settings.maxParallelism: E_RANGE: must be at most 32768, got 40000',
    'nodes[0].onError: E_ENUM: must be one of "fail", "skip", "route", got the string "ignore"',
    'nodes[0].params.watermark.maxOutOfOrdernessMs: E_RANGE: must be an integer number of milliseconds of at least 0, got -5000',
  ],
  // The trailing comma sits at the end of line 6; the parser stops at the `}` that opens line 7.
  'not-json.weir.json': [
    '(document): E_JSON: line 7, column 1: Expected double-quoted property name; the file must be one JSON document (no comments, no trailing commas)',
  ],
  // `  const x = value.id +;`: the `;` that ends the expression too early is column 23 of the code's line 2.
  'udf-syntax.weir.json': ['nodes[1].params.code: E_UDF_SYNTAX: line 2, column 23: Unexpected token'],
  'udf-import.weir.json': [
    'nodes[1].params.code: E_UDF_IMPORT: line 1, column 1: imports are not allowed in user code: everything a function needs comes in as its arguments',
  ],
  'wiring.weir.json': [
    'nodes[2].samples: E_SAMPLES: only source nodes have samples; move them to the source that feeds this map node, or remove them',
    'nodes[2]: E_UNCONNECTED: "lonely" has nothing connected to its input "in": connect a source or another node\'s output to it',
    'edges[2].from: E_SINK_OUTPUT: "out" is a sink and has no outputs; an edge cannot leave it',
    'edges[2].to: E_SOURCE_INPUT: "events" is a source and takes no input; point this edge at another node',
    'edges[3].to: E_UNKNOWN_NODE: no node has the id "ghost"; node ids: events, double, lonely, out',
  ],
};

describe('weir validate', () => {
  it('has an expectation for every fixture in test/fixtures/invalid', () => {
    expect(readdirSync('test/fixtures/invalid').sort()).toEqual(Object.keys(INVALID).sort());
  });

  for (const [file, expected] of Object.entries(INVALID)) {
    it(`prints exactly the coded problems of ${file} and exits 1`, async () => {
      const run = await weir('validate', `test/fixtures/invalid/${file}`);
      expect(run.code).toBe(1);
      expect(lines(run.stdout)).toEqual(expected);
      expect(run.stderr).toBe('');
      expect(stackLines(run)).toEqual([]);
    });
  }

  it('prints ok for every example and exits 0', async () => {
    const examples = readdirSync('examples').filter((f) => f.endsWith('.weir.json'));
    expect(examples.length).toBeGreaterThanOrEqual(6);
    const runs = await Promise.all(examples.map((f) => weir('validate', `examples/${f}`)));
    for (const run of runs) expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: 'ok\n' });
  });

  it('says a missing file is missing, without a stack trace', async () => {
    const run = await weir('validate', 'test/fixtures/invalid/no-such.weir.json');
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual(['test/fixtures/invalid/no-such.weir.json: cannot read: no such file']);
    expect(stackLines(run)).toEqual([]);
  });

  it("prints a JSON syntax error in a long file as one line, without the parser's echo of the text", async () => {
    // V8 quotes the text around the error with "..." at both ends when the document is long; none of it belongs here.
    const dir = mkdtempSync(join(tmpdir(), 'weir-validate-'));
    const file = join(dir, 'long.weir.json');
    writeFileSync(
      file,
      `{\n  "format": "weir/v1",\n  "description": "${'x'.repeat(200)}",\n  "nodes": [,],\n  "name": "${'y'.repeat(200)}"\n}\n`,
    );
    const run = await weir('validate', file);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      "(document): E_JSON: line 4, column 13: Unexpected token ','; the file must be one JSON document (no comments, no trailing commas)\n",
    );
  });

  it('says a directory is not a pipeline file', async () => {
    const run = await weir('validate', 'test/fixtures');
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([
      'test/fixtures: cannot read: it is a directory; give a pipeline file (*.weir.json)',
    ]);
    expect(stackLines(run)).toEqual([]);
  });

  it('treats a missing argument or an unknown flag as a usage error with exit code 2', async () => {
    const none = await weir('validate');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('weir validate: give the pipeline file to check');
    expect(none.stderr).toContain('Usage: weir validate FILE');
    const flag = await weir('validate', '--strict', 'examples/high-ids.weir.json');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("weir validate: Unknown option '--strict'");
  });
});

describe('weir', () => {
  it('prints its usage for --help and the help of a command for COMMAND --help', async () => {
    const help = await weir('--help');
    expect(help.code).toBe(0);
    for (const command of ['validate', 'simulate', 'test', 'serve'])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    for (const command of ['validate', 'simulate', 'test', 'serve']) {
      const run = await weir(command, '--help');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Usage: weir ${command}`));
    }
  });

  it('prints the version from package.json', async () => {
    const run = await weir('--version');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^weir \d+\.\d+\.\d+\n$/);
  });

  it('exits 2 with the usage for no command, an unknown command or an unknown option', async () => {
    for (const args of [[], ['frobnicate'], ['--frobnicate']]) {
      const run = await weir(...args);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('Usage: weir COMMAND');
      expect(run.stdout).toBe('');
    }
  });
});
