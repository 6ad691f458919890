/**
 * The `tests` section (SPEC §7): `[{ "name", "inputs"?: { sourceId: samples }, "expect": { sinkId: records } }]`.
 * Inputs must name sources and expectations sinks, so a renamed node breaks its tests loudly instead of silently.
 */
import { joinPath, problem, type ValidationProblem } from '../pipeline/errors.ts';
import { validateSample } from '../pipeline/samples.ts';
import { describe, isObject, rejectUnknown } from '../pipeline/validate-members.ts';
import type { NodeInfo } from './validate-graph.ts';

const TEST_FIELDS = ['name', 'inputs', 'expect'];
const EXPECTED_FIELDS = ['key', 'value', 'timestamp'];

export function validateTests(tests: unknown, nodes: readonly NodeInfo[], out: ValidationProblem[]): void {
  if (!Array.isArray(tests))
    return void out.push(
      problem('tests', 'E_TYPE', `must be an array of tests { "name", "inputs", "expect" }, got ${describe(tests)}`),
    );
  const sources = nodes.filter((n) => n.definition?.role === 'source' && n.id !== undefined).map((n) => n.id!);
  const sinks = nodes.filter((n) => n.definition?.role === 'sink' && n.id !== undefined).map((n) => n.id!);
  tests.forEach((test, i) => {
    const path = `tests[${i}]`;
    if (!isObject(test))
      return void out.push(
        problem(path, 'E_TYPE', `a test must be an object { "name", "inputs", "expect" }, got ${describe(test)}`),
      );
    rejectUnknown(test, TEST_FIELDS, path, out);
    if (test.name === undefined)
      out.push(problem(`${path}.name`, 'E_REQUIRED', 'is required: say what the test checks'));
    else if (typeof test.name !== 'string' || test.name.trim() === '')
      out.push(problem(`${path}.name`, 'E_TYPE', `must be a non-empty string, got ${describe(test.name)}`));

    if (test.inputs !== undefined) {
      forEachMember(test.inputs, `${path}.inputs`, sources, 'source', out, (samples, at) => {
        if (!Array.isArray(samples))
          return void out.push(problem(at, 'E_TYPE', `must be an array of samples, got ${describe(samples)}`));
        samples.forEach((sample, k) => validateSample(sample, `${at}[${k}]`, out));
      });
    }
    if (test.expect === undefined)
      out.push(
        problem(`${path}.expect`, 'E_REQUIRED', 'is required: { "<sink id>": [ { "key", "value", "timestamp" } ] }'),
      );
    else {
      forEachMember(test.expect, `${path}.expect`, sinks, 'sink', out, (records, at) => {
        if (!Array.isArray(records))
          return void out.push(
            problem(
              at,
              'E_TYPE',
              `must be an array of records { "key", "value", "timestamp" }, got ${describe(records)}`,
            ),
          );
        records.forEach((record, k) => validateExpected(record, `${at}[${k}]`, out));
      });
    }
  });
}

function forEachMember(
  value: unknown,
  path: string,
  allowed: readonly string[],
  role: 'source' | 'sink',
  out: ValidationProblem[],
  check: (member: unknown, path: string) => void,
): void {
  if (!isObject(value))
    return void out.push(problem(path, 'E_TYPE', `must be an object keyed by ${role} id, got ${describe(value)}`));
  for (const [id, member] of Object.entries(value)) {
    const at = joinPath(path, id);
    if (!allowed.includes(id))
      out.push(
        problem(at, 'E_TEST', `"${id}" is not a ${role} of this pipeline; ${role}s: ${allowed.join(', ') || 'none'}`),
      );
    else check(member, at);
  }
}

function validateExpected(record: unknown, path: string, out: ValidationProblem[]): void {
  if (!isObject(record))
    return void out.push(
      problem(
        path,
        'E_TYPE',
        `an expected record must be an object { "key", "value", "timestamp" }, got ${describe(record)}`,
      ),
    );
  rejectUnknown(record, EXPECTED_FIELDS, path, out);
  for (const name of EXPECTED_FIELDS) {
    if (!(name in record))
      out.push(
        problem(
          `${path}.${name}`,
          'E_REQUIRED',
          `is required${name === 'key' ? ' (null for records without a key)' : ''}`,
        ),
      );
  }
  if (record.key !== undefined && record.key !== null && typeof record.key === 'object')
    out.push(problem(`${path}.key`, 'E_TYPE', 'a key must be a JSON scalar or null'));
  if (
    record.timestamp !== undefined &&
    (typeof record.timestamp !== 'number' || !Number.isSafeInteger(record.timestamp))
  )
    out.push(
      problem(
        `${path}.timestamp`,
        'E_TYPE',
        `must be an integer number of milliseconds, got ${describe(record.timestamp)}`,
      ),
    );
}
