/**
 * The pipeline validator (SPEC §1): the one check that the editor, the CLI and the API all run. It never stops at
 * the first problem: every problem comes back with a JSON path, a stable code and a message that says how to fix it.
 * It knows no operator by name; params, ports, roles and extra checks come from the definitions of the registry it
 * is given (the built-in one unless told otherwise).
 */
import { joinPath, problem, type ValidationProblem } from '../pipeline/errors.ts';
import {
  NODE_ID_PATTERN,
  PIPELINE_FORMAT,
  PIPELINE_ID_PATTERN,
  codeText,
  type PipelineDoc,
} from '../pipeline/types.ts';
import { parseJsonText } from '../pipeline/validate-json.ts';
import { closest, describe, isObject, rejectUnknown } from '../pipeline/validate-members.ts';
import { validateSample } from '../pipeline/samples.ts';
import { applyDefaults, validateField, validateFields, type Field } from '../pipeline/schema.ts';
import { OPERATORS } from '../operators/registry.ts';
import { definitionOf, type OperatorDefinition, type OperatorDefinitions } from '../operators/types.ts';
import { compileModule, missingExports } from '../udf/compile.ts';
import { validateTests } from './validate-tests.ts';
import { validateGraph, type NodeInfo } from './validate-graph.ts';

export type ValidationResult =
  | { ok: true; pipeline: PipelineDoc; problems: [] }
  | { ok: false; problems: ValidationProblem[] };

const TOP_LEVEL_FIELDS = ['format', 'id', 'name', 'description', 'settings', 'nodes', 'edges', 'tests', 'ui'];
const NODE_FIELDS = ['id', 'type', 'label', 'params', 'onError', 'samples', 'ui'];

const PIPELINE_ID: Field = {
  kind: 'string',
  pattern: PIPELINE_ID_PATTERN,
  patternHint:
    'is not a valid pipeline id: use lower-case letters, digits and "-", starting with a letter or digit, at most 63 characters',
};
const NODE_ID: Field = {
  kind: 'string',
  pattern: NODE_ID_PATTERN,
  patternHint: 'is not a valid node id: start with a letter, then letters, digits, "_" or "-", at most 64 characters',
};
const NAME: Field = { kind: 'string', minLength: 1 };
const TEXT: Field = { kind: 'string' };
const ON_ERROR: Field = { kind: 'enum', values: ['fail', 'skip', 'route'] };

const SETTINGS_FIELDS: Record<string, Field> = {
  checkpointIntervalMs: { kind: 'duration', min: 1, default: 1000 },
  delivery: { kind: 'enum', values: ['exactly-once', 'at-least-once'], default: 'exactly-once' },
  // Flink's upper bound for max parallelism (2^15): key groups beyond it buy nothing.
  maxParallelism: { kind: 'integer', min: 1, max: 32768, default: 128 },
};

const EDGE_FIELDS: Record<string, Field> = {
  from: { kind: 'string', minLength: 1, description: 'the id of the node the edge leaves' },
  to: { kind: 'string', minLength: 1, description: 'the id of the node the edge enters' },
  fromPort: { kind: 'string', minLength: 1, optional: true },
  toPort: { kind: 'string', minLength: 1, optional: true },
};

/** Parses pipeline text; non-JSON gives one E_JSON problem with its line and column. */
export function parsePipelineText(text: string, operators: OperatorDefinitions = OPERATORS): ValidationResult {
  const parsed = parseJsonText(text);
  return parsed.ok ? validatePipeline(parsed.value, operators) : { ok: false, problems: [parsed.problem] };
}

export function validatePipeline(input: unknown, operators: OperatorDefinitions = OPERATORS): ValidationResult {
  const out: ValidationProblem[] = [];
  if (!isObject(input)) {
    out.push(
      problem(
        '',
        'E_TYPE',
        `a pipeline must be a JSON object { "format": "${PIPELINE_FORMAT}", … }, got ${describe(input)}`,
      ),
    );
    return { ok: false, problems: out };
  }
  if (input.format === undefined)
    out.push(problem('format', 'E_FORMAT', `is required: add "format": "${PIPELINE_FORMAT}"`));
  else if (input.format !== PIPELINE_FORMAT)
    out.push(
      problem(
        'format',
        'E_FORMAT',
        typeof input.format === 'string'
          ? `unsupported format ${JSON.stringify(input.format)}; this version reads "${PIPELINE_FORMAT}"`
          : `must be the string "${PIPELINE_FORMAT}", got ${describe(input.format)}`,
      ),
    );
  member(input, 'id', '', PIPELINE_ID, true, out);
  member(input, 'name', '', NAME, true, out);
  member(input, 'description', '', TEXT, false, out);
  rejectUnknown(input, TOP_LEVEL_FIELDS, '', out);
  if (input.settings !== undefined) validateFields(input.settings, SETTINGS_FIELDS, 'settings', out);
  if (input.ui !== undefined && !isObject(input.ui))
    out.push(problem('ui', 'E_TYPE', `must be an object, got ${describe(input.ui)}`));

  const nodes = requiredArray(input, 'nodes', out);
  const edges = requiredArray(input, 'edges', out);
  const infos = nodes ? validateNodes(input, nodes, operators, out) : [];
  if (edges) {
    edges.forEach((edge, i) => validateFields(edge, EDGE_FIELDS, `edges[${i}]`, out));
    if (nodes) validateGraph(infos, edges, out);
  }
  if (input.tests !== undefined) validateTests(input.tests, infos, out);

  const problems = inDocumentOrder(unique(out));
  return problems.length === 0
    ? { ok: true, pipeline: input as unknown as PipelineDoc, problems: [] }
    : { ok: false, problems };
}

function validateNodes(
  doc: Record<string, unknown>,
  nodes: unknown[],
  operators: OperatorDefinitions,
  out: ValidationProblem[],
): NodeInfo[] {
  const infos: NodeInfo[] = [];
  const firstIndex = new Map<string, number>();
  nodes.forEach((node, i) => {
    const path = `nodes[${i}]`;
    const info: NodeInfo = {
      index: i,
      id: undefined,
      name: undefined,
      definition: undefined,
      outputs: undefined,
      routesErrors: false,
    };
    infos.push(info);
    if (!isObject(node))
      return void out.push(
        problem(path, 'E_TYPE', `a node must be an object { "id", "type", "params" }, got ${describe(node)}`),
      );
    info.routesErrors = node.onError === 'route';
    member(node, 'id', path, NODE_ID, true, out);
    member(node, 'label', path, TEXT, false, out);
    member(node, 'onError', path, ON_ERROR, false, out);
    rejectUnknown(node, NODE_FIELDS, path, out);
    if (node.ui !== undefined && !isObject(node.ui))
      out.push(problem(`${path}.ui`, 'E_TYPE', `must be an object, got ${describe(node.ui)}`));
    if (typeof node.id === 'string') {
      info.id = node.id;
      info.name = typeof node.label === 'string' && node.label.trim() !== '' ? node.label : node.id;
      const first = firstIndex.get(node.id);
      if (first === undefined) firstIndex.set(node.id, i);
      else
        out.push(
          problem(
            `${path}.id`,
            'E_DUPLICATE_ID',
            `"${node.id}" is already the id of nodes[${first}]; give this node an id of its own`,
          ),
        );
    }

    const definition = typeof node.type === 'string' ? definitionOf(operators, node.type) : undefined;
    if (node.type === undefined)
      out.push(problem(`${path}.type`, 'E_REQUIRED', `is required: one of ${knownTypes(operators)}`));
    else if (typeof node.type !== 'string')
      out.push(problem(`${path}.type`, 'E_TYPE', `must be a string, got ${describe(node.type)}`));
    else if (!definition) out.push(problem(`${path}.type`, 'E_UNKNOWN_TYPE', unknownTypeMessage(node.type, operators)));
    info.definition = definition;

    const samplesOk = validateSamplesField(node, path, definition === undefined || definition.role === 'source', out);
    if (node.params === undefined)
      out.push(problem(`${path}.params`, 'E_REQUIRED', 'is required: an object, {} when the type has no params'));
    else if (!isObject(node.params))
      out.push(problem(`${path}.params`, 'E_TYPE', `must be an object, got ${describe(node.params)}`));
    if (!definition || !isObject(node.params)) return;

    const paramsPath = `${path}.params`;
    const paramProblems: ValidationProblem[] = [];
    validateFields(node.params, definition.params, paramsPath, paramProblems);
    out.push(...paramProblems);
    checkCode(node.params, definition.params, paramsPath, out);
    const params = applyDefaults(node.params, definition.params);
    info.outputs = outputPorts(definition, params);
    if (paramProblems.length === 0 && samplesOk)
      definition.validate?.(params, {
        pipeline: doc as unknown as PipelineDoc,
        nodeIndex: i,
        path: paramsPath,
        problems: out,
      });
  });
  return infos;
}

/**
 * The node's output ports, so that edges can be checked even when a param has a typo. `outputs()` may assume params
 * that passed their schema; when it cannot answer for these, the ports stay unknown and edges leaving the node are
 * not checked (its params problems are reported already).
 */
function outputPorts(definition: OperatorDefinition, params: Record<string, unknown>): readonly string[] | undefined {
  try {
    return definition.outputs(params);
  } catch {
    return undefined;
  }
}

/** `samples` belong to sources (SPEC §2); returns whether they are well-formed enough for the type's own checks. */
function validateSamplesField(
  node: Record<string, unknown>,
  path: string,
  mayHaveSamples: boolean,
  out: ValidationProblem[],
): boolean {
  const samples = node.samples;
  if (samples === undefined) return true;
  if (!mayHaveSamples) {
    out.push(
      problem(
        `${path}.samples`,
        'E_SAMPLES',
        `only source nodes have samples; move them to the source that feeds this ${String(node.type)} node, or remove them`,
      ),
    );
    return false;
  }
  if (!Array.isArray(samples)) {
    out.push(problem(`${path}.samples`, 'E_TYPE', `must be an array of samples, got ${describe(samples)}`));
    return false;
  }
  samples.forEach((sample, k) => validateSample(sample, `${path}.samples[${k}]`, out));
  return true;
}

/** Compiles every code field in the params, walking `object` and `variant` fields, and checks its exports. */
function checkCode(value: unknown, fields: Record<string, Field>, path: string, out: ValidationProblem[]): void {
  if (!isObject(value)) return;
  for (const [name, field] of Object.entries(fields)) {
    const member = value[name];
    const at = joinPath(path, name);
    if (field.kind === 'object') checkCode(member, field.fields, at, out);
    else if (field.kind === 'variant' && isObject(member) && typeof member[field.tag] === 'string') {
      const variant = Object.hasOwn(field.variants, member[field.tag] as string)
        ? field.variants[member[field.tag] as string]
        : undefined;
      if (variant) checkCode(member, variant.fields, at, out);
    } else if (field.kind === 'code' && isCode(member)) {
      const result = compileModule(codeText(member));
      if (!result.ok) {
        for (const d of result.diagnostics)
          out.push(problem(at, d.code, `line ${d.line}, column ${d.column}: ${d.message}`));
        continue;
      }
      for (const missing of missingExports(result.module, field.exports)) {
        const what =
          missing === 'default'
            ? `an \`export default\` function ${field.signature}`
            : `a function named \`${missing}\``;
        out.push(problem(at, 'E_UDF_EXPORT', `the module must export ${what}`));
      }
    }
  }
}

function isCode(value: unknown): value is string | string[] {
  return typeof value === 'string' || (Array.isArray(value) && value.every((line) => typeof line === 'string'));
}

function member(
  obj: Record<string, unknown>,
  name: string,
  path: string,
  field: Field,
  required: boolean,
  out: ValidationProblem[],
): void {
  const at = joinPath(path, name);
  if (obj[name] === undefined) {
    if (required) out.push(problem(at, 'E_REQUIRED', 'is required'));
    return;
  }
  validateField(obj[name], field, at, out);
}

function requiredArray(obj: Record<string, unknown>, name: string, out: ValidationProblem[]): unknown[] | undefined {
  const value = obj[name];
  if (value === undefined) out.push(problem(name, 'E_REQUIRED', 'is required: an array, [] when empty'));
  else if (!Array.isArray(value)) out.push(problem(name, 'E_TYPE', `must be an array, got ${describe(value)}`));
  else return value;
  return undefined;
}

function knownTypes(operators: OperatorDefinitions): string {
  return Object.keys(operators).join(', ');
}

function unknownTypeMessage(type: string, operators: OperatorDefinitions): string {
  const guess = closest(type, Object.keys(operators));
  return `unknown operator type "${type}"; ${guess ? `did you mean "${guess}"? ` : ''}known types: ${knownTypes(operators)}`;
}

const SECTION_ORDER = ['nodes', 'edges', 'tests'];

/**
 * Problems sorted the way the document reads: top-level fields first, then each node, edge and test in its order.
 * The passes find graph problems after all nodes were read; the sort (stable) puts each beside its element.
 */
function inDocumentOrder(problems: ValidationProblem[]): ValidationProblem[] {
  const rank = (path: string): [number, number] => {
    const match = /^(nodes|edges|tests)(?:\[(\d+)\])?/.exec(path);
    return match ? [SECTION_ORDER.indexOf(match[1]!) + 1, match[2] === undefined ? -1 : Number(match[2])] : [0, 0];
  };
  return problems
    .map((p, i) => ({ p, i, r: rank(p.path) }))
    .sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || a.i - b.i)
    .map((x) => x.p);
}

/** A type's own check may repeat one of ours (a source checks its samples too); each problem is reported once. */
function unique(problems: ValidationProblem[]): ValidationProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const id = `${p.path}\u0000${p.code}\u0000${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
