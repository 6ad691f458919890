import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatProblem, parsePipelineText, validatePipeline } from '../../shared/index.ts';

type Doc = Record<string, any>;

/** A small valid pipeline: source → filter → sink; each test breaks one thing in a fresh copy. */
function pipeline(): Doc {
  return {
    format: 'weir/v1',
    id: 'views',
    name: 'Page views',
    nodes: [
      {
        id: 'events',
        type: 'source.kafka',
        params: { topic: 'user_events' },
        samples: [{ value: { id: 1 }, timestamp: 10 }],
      },
      { id: 'views', type: 'filter', params: { code: ["export default (e) => e.event_type === 'page_view';"] } },
      { id: 'out', type: 'sink.kafka', params: { topic: 'views' } },
    ],
    edges: [
      { from: 'events', to: 'views' },
      { from: 'views', to: 'out' },
    ],
  };
}

/** The path of every member and array item below the root, parents before children. */
function memberPaths(
  value: unknown,
  at: Array<string | number> = [],
  out: Array<Array<string | number>> = [],
): Array<Array<string | number>> {
  if (at.length > 0) out.push(at);
  if (Array.isArray(value)) value.forEach((item, i) => memberPaths(item, [...at, i], out));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) memberPaths(v, [...at, k], out);
  return out;
}

function lines(doc: unknown): string[] {
  const result = validatePipeline(doc);
  return result.ok ? [] : result.problems.map(formatProblem);
}

describe('validatePipeline', () => {
  it('accepts a valid pipeline and returns the document itself', () => {
    const doc = pipeline();
    const result = validatePipeline(doc);
    expect(result).toEqual({ ok: true, pipeline: doc, problems: [] });
    if (result.ok) expect(result.pipeline).toBe(doc);
  });

  it('rejects a document that is not an object with one problem', () => {
    expect(lines([1, 2])).toEqual([
      '(document): E_TYPE: a pipeline must be a JSON object { "format": "weir/v1", … }, got an array',
    ]);
  });

  it('reports every top-level problem at once, not just the first', () => {
    const doc = pipeline();
    doc.format = 'weir/v2';
    doc.id = 'Page Views';
    delete doc.name;
    doc.nodse = [];
    doc.settings = { checkpointIntervalMs: 0, delivery: 'sometimes', maxParallelism: 32769 };
    expect(lines(doc)).toEqual([
      'format: E_FORMAT: unsupported format "weir/v2"; this version reads "weir/v1"',
      'id: E_PATTERN: "Page Views" is not a valid pipeline id: use lower-case letters, digits and "-", starting with a letter or digit, at most 63 characters',
      'name: E_REQUIRED: is required',
      'nodse: E_UNKNOWN_FIELD: unknown field; did you mean "nodes"? known fields here: format, id, name, description, settings, nodes, edges, tests, ui',
      'settings.checkpointIntervalMs: E_RANGE: must be a positive integer number of milliseconds, got 0',
      'settings.delivery: E_ENUM: must be one of "exactly-once", "at-least-once", got the string "sometimes"',
      'settings.maxParallelism: E_RANGE: must be at most 32768, got 32769',
    ]);
  });

  it('says what the format marker must be when it is not a string', () => {
    const doc = pipeline();
    doc.format = 1;
    expect(lines(doc)).toEqual(['format: E_FORMAT: must be the string "weir/v1", got number 1']);
  });

  it('requires the format marker, nodes and edges', () => {
    const doc = pipeline();
    delete doc.format;
    delete doc.nodes;
    delete doc.edges;
    expect(lines(doc)).toEqual([
      'format: E_FORMAT: is required: add "format": "weir/v1"',
      'nodes: E_REQUIRED: is required: an array, [] when empty',
      'edges: E_REQUIRED: is required: an array, [] when empty',
    ]);
  });

  it('accepts the largest max parallelism and any content under ui', () => {
    const doc = pipeline();
    doc.settings = { maxParallelism: 32768, delivery: 'at-least-once', checkpointIntervalMs: 1 };
    doc.ui = { viewport: { x: 1, zoom: 2 }, anything: [1, 'two'] };
    doc.nodes[0].ui = { x: 0, y: 0, colour: 'teal' };
    expect(lines(doc)).toEqual([]);
  });

  it('checks node ids, types, onError, labels and unknown node fields', () => {
    const doc = pipeline();
    doc.nodes[1].id = '1views';
    doc.nodes[1].onError = 'retry';
    doc.nodes[1].lable = 'x';
    doc.nodes[2].type = 'sink.kafak';
    doc.edges[0].to = '1views';
    doc.edges[1].from = '1views';
    expect(lines(doc)).toEqual([
      'nodes[1].id: E_PATTERN: "1views" is not a valid node id: start with a letter, then letters, digits, "_" or "-", at most 64 characters',
      'nodes[1].onError: E_ENUM: must be one of "fail", "skip", "route", got the string "retry"',
      'nodes[1].lable: E_UNKNOWN_FIELD: unknown field; did you mean "label"? known fields here: id, type, label, params, onError, samples, ui',
      expect.stringMatching(
        /^nodes\[2\]\.type: E_UNKNOWN_TYPE: unknown operator type "sink\.kafak"; did you mean "sink\.kafka"\? known types: source\.kafka, filter, map, flatMap, keyBy, .*sink\.kafka/,
      ),
    ]);
  });

  it('reports a duplicate node id at the second node, naming the first', () => {
    const doc = pipeline();
    doc.nodes[2].id = 'views';
    doc.edges[1].to = 'views';
    expect(lines(doc)).toContain(
      'nodes[2].id: E_DUPLICATE_ID: "views" is already the id of nodes[1]; give this node an id of its own',
    );
  });

  it('checks params against the type schema and runs the type hook with defaults applied', () => {
    const doc = pipeline();
    doc.nodes[0].params = { topic: 'bad topic!', watermark: { strategy: 'bounded', maxOutOfOrdernessMs: -1 } };
    doc.nodes.splice(2, 0, { id: 'byUser', type: 'keyBy', params: {} });
    doc.edges[1] = { from: 'views', to: 'byUser' };
    doc.edges.push({ from: 'byUser', to: 'out' });
    expect(lines(doc)).toEqual([
      'nodes[0].params.topic: E_PATTERN: "bad topic!" is not a valid Kafka topic name (letters, digits, ".", "_" and "-", at most 249)',
      'nodes[0].params.watermark.maxOutOfOrdernessMs: E_RANGE: must be an integer number of milliseconds of at least 0, got -1',
      'nodes[2].params.field: E_REQUIRED: Key by needs a field or code: give the name of the field to key by, or write a key function',
    ]);
  });

  it('allows samples on sources only and checks each sample once', () => {
    const doc = pipeline();
    doc.nodes[0].samples = [{ value: 1 }, { valeu: 2 }, { watermark: 1.5 }];
    doc.nodes[1].samples = [];
    expect(lines(doc)).toEqual([
      'nodes[0].samples[1].value: E_REQUIRED: a record sample needs a "value" (or give "watermark" for a marker)',
      'nodes[0].samples[1].valeu: E_UNKNOWN_FIELD: unknown field in a record sample; known: value, key, timestamp, partition, headers',
      'nodes[0].samples[2].watermark: E_TYPE: must be an integer number of milliseconds',
      'nodes[1].samples: E_SAMPLES: only source nodes have samples; move them to the source that feeds this filter node, or remove them',
    ]);
  });

  it('reports samples even when the source params are wrong too', () => {
    const doc = pipeline();
    doc.nodes[0].params = {};
    doc.nodes[0].samples = [{}];
    expect(lines(doc)).toEqual([
      'nodes[0].samples[0].value: E_REQUIRED: a record sample needs a "value" (or give "watermark" for a marker)',
      'nodes[0].params.topic: E_REQUIRED: is required (the Kafka topic to read)',
    ]);
  });

  it('compiles code fields: syntax errors with line and column, imports, missing exports', () => {
    const doc = pipeline();
    doc.nodes[1].params.code = ['export default (e) => {', '  return e.;', '};'];
    doc.nodes.splice(
      2,
      0,
      { id: 'enrich', type: 'map', params: { code: "import x from 'y';\nexport default (v) => x(v);" } },
      { id: 'state', type: 'process', params: { code: ['export function onTimer() {}'] } },
    );
    doc.edges = [
      { from: 'events', to: 'views' },
      { from: 'views', to: 'enrich' },
      { from: 'enrich', to: 'state' },
      { from: 'state', to: 'out' },
    ];
    expect(lines(doc)).toEqual([
      // `return e.;`: the `;` where a property name belongs is column 12 of line 2.
      'nodes[1].params.code: E_UDF_SYNTAX: line 2, column 12: Unexpected token',
      'nodes[2].params.code: E_UDF_IMPORT: line 1, column 1: imports are not allowed in user code: everything a function needs comes in as its arguments',
      'nodes[3].params.code: E_UDF_EXPORT: the module must export a function named `processElement`',
    ]);
  });

  it('says which default export a code field needs', () => {
    const doc = pipeline();
    doc.nodes[1].params.code = 'export const keep = () => true;';
    expect(lines(doc)).toEqual([
      'nodes[1].params.code: E_UDF_EXPORT: the module must export an `export default` function (value, ctx) => boolean',
    ]);
  });

  it('compiles code inside variant params, such as a window aggregate, with the path to it', () => {
    const doc = pipeline();
    doc.nodes.splice(2, 0, {
      id: 'perMinute',
      type: 'window',
      params: {
        assigner: { kind: 'tumbling', sizeMs: 60000 },
        aggregate: { kind: 'reduce', code: ['export default (acc, v) => {', '  return acc +;', '};'] },
      },
    });
    doc.edges = [
      { from: 'events', to: 'views' },
      { from: 'views', to: 'perMinute' },
      { from: 'perMinute', to: 'out' },
    ];
    // `  return acc +;`: the `;` is column 15 of line 2.
    expect(lines(doc)).toEqual(['nodes[2].params.aggregate.code: E_UDF_SYNTAX: line 2, column 15: Unexpected token']);
  });

  it("runs a type's own checks only on params that passed the schema, with defaults applied", () => {
    const doc = pipeline();
    const code =
      'export function createAccumulator() { return 0; }\nexport function add(a) { return a + 1; }\nexport function getResult(a) { return a; }';
    doc.nodes.splice(2, 0, {
      id: 'sessions',
      type: 'window',
      params: { assigner: { kind: 'session', gapMs: 30000 }, aggregate: { kind: 'aggregate', code } },
    });
    doc.edges = [
      { from: 'events', to: 'views' },
      { from: 'views', to: 'sessions' },
      { from: 'sessions', to: 'out' },
    ];
    expect(lines(doc)).toEqual([expect.stringMatching(/^nodes\[2\]\.params\.aggregate\.code: E_UDF_EXPORT: .*`merge/)]);
    doc.nodes[2].params.allowedLatenessMs = -1;
    expect(lines(doc)).toEqual([expect.stringMatching(/^nodes\[2\]\.params\.allowedLatenessMs: E_RANGE: /)]);
  });

  it('never throws, whatever single field of an example is removed or replaced', () => {
    let checked = 0;
    for (const file of ['page-views', 'inactivity-alert', 'sessions']) {
      const example = JSON.parse(readFileSync(`examples/${file}.weir.json`, 'utf8')) as Doc;
      // One sample, test and code line stand for the others, and `ui` is free-form: same checks, far fewer runs.
      const paths = memberPaths(example).filter(
        (path) =>
          !path.includes('ui') && !path.some((k, i) => typeof k === 'number' && (k > 0 || path[i - 1] === 'code')),
      );
      for (const path of paths) {
        for (const replacement of [undefined, null, 'x', {}, [{}]]) {
          const doc = structuredClone(example);
          const parent = path.slice(0, -1).reduce((v: any, k) => v[k], doc);
          if (replacement === undefined) delete parent[path.at(-1)!];
          else parent[path.at(-1)!] = structuredClone(replacement);
          expect(
            () => validatePipeline(doc),
            `${file}: ${path.join('.')} = ${JSON.stringify(replacement)}`,
          ).not.toThrow();
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(400);
  });

  it('checks edges: unknown nodes, unknown ports named with the ports that exist, sources and sinks', () => {
    const doc = pipeline();
    doc.edges.push(
      { from: 'ghost', to: 'out' },
      { from: 'views', to: 'out', fromPort: 'late' },
      { from: 'views', to: 'events' },
      { from: 'out', to: 'views' },
      { from: 'views', to: 'out', toPort: 'left' },
      { from: 'views', to: 'out', via: 'x' },
    );
    expect(lines(doc)).toEqual([
      'edges[2].from: E_UNKNOWN_NODE: no node has the id "ghost"; node ids: events, views, out',
      'edges[3].fromPort: E_UNKNOWN_PORT: filter node "views" has no output port "late"; its output ports: out, error',
      'edges[4].to: E_SOURCE_INPUT: "events" is a source and takes no input; point this edge at another node',
      'edges[5].from: E_SINK_OUTPUT: "out" is a sink and has no outputs; an edge cannot leave it',
      'edges[6].toPort: E_UNKNOWN_PORT: sink.kafka node "out" has no input port "left"; its input ports: in',
      'edges[7].via: E_UNKNOWN_FIELD: unknown field; known fields here: from, to, fromPort, toPort',
    ]);
  });

  it('knows the extra output ports a process node declares', () => {
    const doc = pipeline();
    doc.nodes.splice(2, 0, {
      id: 'split',
      type: 'process',
      params: { code: 'export function processElement(v, ctx) { ctx.emit(v, "odd"); }', outputs: ['odd'] },
    });
    doc.nodes.push({ id: 'oddOut', type: 'sink.kafka', params: { topic: 'odd' } });
    doc.edges = [
      { from: 'events', to: 'views' },
      { from: 'views', to: 'split' },
      { from: 'split', to: 'out' },
      { from: 'split', fromPort: 'odd', to: 'oddOut' },
    ];
    expect(lines(doc)).toEqual([]);
    doc.edges[3].fromPort = 'even';
    // The edge still counts as feeding "oddOut": the one mistake is its port name.
    expect(lines(doc)).toEqual([
      'edges[3].fromPort: E_UNKNOWN_PORT: process node "split" has no output port "even"; its output ports: out, odd, error',
    ]);
  });

  it('reports a required input port without an edge at its node', () => {
    const doc = pipeline();
    doc.edges.pop();
    expect(lines(doc)).toEqual([
      'nodes[2]: E_UNCONNECTED: "out" has nothing connected to its input "in": connect a source or another node\'s output to it',
    ]);
  });

  it('reports onError "route" on a node whose error port has no edge, at its onError, so that no routed record is dropped', () => {
    const doc = pipeline();
    doc.nodes[1].onError = 'route';
    expect(lines(doc)).toEqual([
      'nodes[1].onError: E_ROUTE_UNCONNECTED: onError is "route" but nothing is connected to the error port of "views": connect its error port to a sink (a dead-letter topic), or choose "skip"',
    ]);
    doc.nodes[1].onError = 'skip';
    expect(lines(doc)).toEqual([]);
  });

  it("says what to connect in the author's words, naming a node by its label and every input a join lacks, with no JSON to paste", () => {
    const doc = pipeline();
    doc.nodes.splice(
      2,
      0,
      {
        id: 'countPerUser',
        label: 'Count per user',
        type: 'window',
        params: { assigner: { kind: 'tumbling', sizeMs: 60000 }, aggregate: { kind: 'count' } },
      },
      {
        id: 'match',
        type: 'join.interval',
        params: { lowerBoundMs: -1000, upperBoundMs: 1000, code: 'export default (l, r) => ({ l, r });' },
      },
    );
    doc.nodes[1].label = 'Page views only';
    doc.nodes[1].onError = 'route';
    const problems = lines(doc);
    expect(problems).toEqual([
      'nodes[1].onError: E_ROUTE_UNCONNECTED: onError is "route" but nothing is connected to the error port of "Page views only": connect its error port to a sink (a dead-letter topic), or choose "skip"',
      'nodes[2]: E_UNCONNECTED: "Count per user" has nothing connected to its input "in": connect a source or another node\'s output to it',
      'nodes[3]: E_UNCONNECTED: "match" has nothing connected to its input "left": connect a source or another node\'s output to it',
      'nodes[3]: E_UNCONNECTED: "match" has nothing connected to its input "right": connect a source or another node\'s output to it',
    ]);
    for (const line of problems) expect(line).not.toMatch(/[{}]/);
  });

  it('asks Key by for a field or code when it has neither, and for only one when it has both, at its field', () => {
    const doc = pipeline();
    doc.nodes.splice(2, 0, { id: 'byUser', type: 'keyBy', params: {} });
    doc.edges[1] = { from: 'views', to: 'byUser' };
    doc.edges.push({ from: 'byUser', to: 'out' });
    expect(lines(doc)).toEqual([
      'nodes[2].params.field: E_REQUIRED: Key by needs a field or code: give the name of the field to key by, or write a key function',
    ]);
    doc.nodes[2].params = { field: 'user_id', code: 'export default (v) => v.user_id;' };
    expect(lines(doc)).toEqual([
      'nodes[2].params.field: E_REQUIRED: Key by takes a field or code, not both: clear the field, or remove the key function',
    ]);
    doc.nodes[2].params = { code: 'export default (v) => v.user_id;' };
    expect(lines(doc)).toEqual([]);
  });

  it('accepts onError "route" once the error port feeds any node, and reports only the edge when that edge is wrong', () => {
    const doc = pipeline();
    doc.nodes[1].onError = 'route';
    doc.nodes.push(
      { id: 'explain', type: 'map', params: { code: 'export default (e) => ({ ...e, seen: true });' } },
      { id: 'dead', type: 'sink.kafka', params: { topic: 'views-dlq' } },
    );
    doc.edges.push({ from: 'views', fromPort: 'error', to: 'explain' }, { from: 'explain', to: 'dead' });
    expect(lines(doc)).toEqual([]);
    doc.edges[2].to = 'ghost';
    expect(lines(doc)).toEqual([
      'nodes[3]: E_UNCONNECTED: "explain" has nothing connected to its input "in": connect a source or another node\'s output to it',
      'edges[2].to: E_UNKNOWN_NODE: no node has the id "ghost"; node ids: events, views, out, explain, dead',
    ]);
  });

  it('checks the error port of every kind of node that routes, whatever its other ports', () => {
    const doc = pipeline();
    doc.nodes.splice(
      2,
      0,
      {
        id: 'split',
        type: 'process',
        onError: 'route',
        params: { code: 'export function processElement(v, ctx) { ctx.emit(v, "odd"); }', outputs: ['odd'] },
      },
      {
        id: 'perMinute',
        type: 'window',
        onError: 'route',
        params: { assigner: { kind: 'tumbling', sizeMs: 60000 }, aggregate: { kind: 'count' } },
      },
    );
    doc.edges = [
      { from: 'events', to: 'views' },
      { from: 'views', to: 'split' },
      { from: 'split', fromPort: 'odd', to: 'perMinute' },
      { from: 'perMinute', to: 'out' },
      { from: 'perMinute', fromPort: 'error', to: 'out' },
    ];
    expect(lines(doc)).toEqual([
      expect.stringMatching(/^nodes\[2\]\.onError: E_ROUTE_UNCONNECTED: .*the error port of "split": /),
    ]);
  });

  it('lets a source route to an error port that feeds nothing: a deployment keeps those records in its dead-letter topic', () => {
    const doc = pipeline();
    doc.nodes[0].onError = 'route';
    expect(lines(doc)).toEqual([]);
  });

  it('names the nodes of each cycle, including a node feeding itself', () => {
    const doc = pipeline();
    doc.nodes.splice(
      2,
      0,
      { id: 'a', type: 'map', params: { code: 'export default (v) => v;' } },
      { id: 'b', type: 'map', params: { code: 'export default (v) => v;' } },
    );
    doc.edges = [
      { from: 'events', to: 'views' },
      { from: 'views', to: 'a' },
      { from: 'a', to: 'b' },
      { from: 'b', to: 'views' },
      { from: 'b', to: 'b' },
      { from: 'b', to: 'out' },
    ];
    expect(lines(doc)).toEqual([
      'edges[3]: E_CYCLE: the graph has a cycle: views → a → b → views; remove one of its edges (edges[1], edges[2], edges[3]) so that no record can reach its own node again',
    ]);
    doc.edges.splice(3, 1);
    expect(lines(doc)).toEqual([
      'edges[3]: E_CYCLE: the graph has a cycle: b → b; remove one of its edges (edges[3]) so that no record can reach its own node again',
    ]);
  });

  it('checks tests: sources and sinks by id, samples and expected records', () => {
    const doc = pipeline();
    doc.tests = [
      { name: 'fine', inputs: { events: [{ value: 1 }] }, expect: { out: [{ key: null, value: 1, timestamp: 0 }] } },
      { name: 'wrong ids', inputs: { views: [] }, expect: { events: [] } },
      {
        name: '',
        inputs: { events: [{ vlaue: 1 }] },
        expect: { out: [{ key: { a: 1 }, value: 1, timestamp: 1.5 }, { value: 2 }] },
        skip: true,
      },
      { name: 'no expect' },
    ];
    expect(lines(doc)).toEqual([
      'tests[1].inputs.views: E_TEST: "views" is not a source of this pipeline; sources: events',
      'tests[1].expect.events: E_TEST: "events" is not a sink of this pipeline; sinks: out',
      'tests[2].skip: E_UNKNOWN_FIELD: unknown field; known fields here: name, inputs, expect',
      'tests[2].name: E_TYPE: must be a non-empty string, got the string ""',
      'tests[2].inputs.events[0].value: E_REQUIRED: a record sample needs a "value" (or give "watermark" for a marker)',
      'tests[2].inputs.events[0].vlaue: E_UNKNOWN_FIELD: unknown field in a record sample; known: value, key, timestamp, partition, headers',
      'tests[2].expect.out[0].key: E_TYPE: a key must be a JSON scalar or null',
      'tests[2].expect.out[0].timestamp: E_TYPE: must be an integer number of milliseconds, got number 1.5',
      'tests[2].expect.out[1].key: E_REQUIRED: is required (null for records without a key)',
      'tests[2].expect.out[1].timestamp: E_REQUIRED: is required',
      'tests[3].expect: E_REQUIRED: is required: { "<sink id>": [ { "key", "value", "timestamp" } ] }',
    ]);
  });
});

describe('parsePipelineText', () => {
  it('parses and validates JSON text', () => {
    expect(parsePipelineText(JSON.stringify(pipeline())).ok).toBe(true);
  });

  it('reports a trailing comma as one E_JSON problem at the closing brace', () => {
    const text = '{\n  "format": "weir/v1",\n  "nodes": [],\n}\n';
    const result = parsePipelineText(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toHaveLength(1);
      expect(formatProblem(result.problems[0]!)).toMatch(/^\(document\): E_JSON: line 4, column 1: /);
    }
  });

  it('finds the position of errors whose parser message has none', () => {
    // V8 says "Unexpected token '}', ... is not valid JSON" here, without a position; the `}` is column 8 of line 2.
    const result = parsePipelineText('{\n  "a": }');
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      "(document): E_JSON: line 2, column 8: Unexpected token '}'; the file must be one JSON document (no comments, no trailing commas)",
    ]);
  });

  it('places an unterminated document at its end and accepts a byte-order mark', () => {
    const result = parsePipelineText('{"a": [1, 2');
    expect(result.ok ? '' : formatProblem(result.problems[0]!)).toMatch(/^\(document\): E_JSON: line 1, column 12: /);
    expect(parsePipelineText('\uFEFF' + JSON.stringify(pipeline())).ok).toBe(true);
  });

  it('refuses text nested deeper than 256 levels, valid or not, with an E_JSON problem where level 257 opens', () => {
    const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    for (const text of [
      deep(257),
      deep(100_000),
      deep(100_000).slice(0, -1),
      `{\n  "a": "{{{",\n  "b": ${deep(300)}}`,
    ]) {
      const result = parsePipelineText(text);
      // The root object is level 1, so the 256th "[" of line 3 (from column 8) opens level 257.
      const at = text.startsWith('{') ? 'line 3, column 263' : 'line 1, column 257';
      expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
        `(document): E_JSON: ${at}: arrays and objects nest deeper than 256 levels here, the most a document may have`,
      ]);
    }
    // 256 levels are read (and then validated: an array is no pipeline).
    const shallow = parsePipelineText(deep(256));
    expect(shallow.ok ? [] : shallow.problems.map((p) => p.code)).toEqual(['E_TYPE']);
  });
});
