/**
 * A small schema language for operator params. One description serves three readers: the validator (coded problems
 * with JSON paths), the engine (defaults) and the editor's inspector (forms: a duration field is shown as `5s` but
 * stored as milliseconds, a code field opens the code editor). General-purpose schema libraries validate well but do
 * not carry that form meaning, so the few field kinds we need are described here.
 */
import { joinPath, problem, type ValidationProblem } from '../pipeline/errors.ts';
import { describe, isObject as isPlainObject, rejectUnknown } from '../pipeline/validate-members.ts';

interface FieldBase {
  label?: string;
  description?: string;
  /** A field with a default or marked optional may be left out. */
  optional?: boolean;
  default?: unknown;
}

export interface StringField extends FieldBase {
  kind: 'string';
  pattern?: string;
  /** Shown in the message when the pattern does not match. */
  patternHint?: string;
  minLength?: number;
}
export interface IntegerField extends FieldBase {
  kind: 'integer';
  min?: number;
  max?: number;
}
/** An integer number of milliseconds, shown as `5s` / `1m` in the editor. */
export interface DurationField extends FieldBase {
  kind: 'duration';
  min?: number;
}
export interface BooleanField extends FieldBase {
  kind: 'boolean';
}
export interface EnumField extends FieldBase {
  kind: 'enum';
  values: readonly string[];
}
/** User code (SPEC §4). `exports` names what the module must export; `default` means an `export default` function. */
export interface CodeField extends FieldBase {
  kind: 'code';
  exports: readonly string[];
  optionalExports?: readonly string[];
  /** A call signature shown to the author and used to type the editor, e.g. `(value, ctx) => boolean`. */
  signature: string;
  template: string;
}
export interface StringListField extends FieldBase {
  kind: 'stringList';
  itemPattern?: string;
  itemPatternHint?: string;
}
export interface ObjectField extends FieldBase {
  kind: 'object';
  fields: Record<string, Field>;
}
/** An object whose `kind` member picks which fields it has (assigners, aggregates, timestamp sources…). */
export interface VariantField extends FieldBase {
  kind: 'variant';
  tag: string;
  variants: Record<string, { label?: string; fields: Record<string, Field> }>;
}

export type Field =
  | StringField
  | IntegerField
  | DurationField
  | BooleanField
  | EnumField
  | CodeField
  | StringListField
  | ObjectField
  | VariantField;

export type ParamSchema = Record<string, Field>;

function isRequired(field: Field): boolean {
  return !field.optional && field.default === undefined;
}

/** Checks an object's members against `fields`: required ones present, unknown ones reported, each value checked. */
export function validateFields(
  value: unknown,
  fields: Record<string, Field>,
  path: string,
  out: ValidationProblem[],
  ignore: readonly string[] = [],
): void {
  if (!isPlainObject(value)) {
    out.push(problem(path, 'E_TYPE', `must be an object, got ${describe(value)}`));
    return;
  }
  for (const [name, field] of Object.entries(fields)) {
    if (value[name] === undefined) {
      if (isRequired(field)) out.push(problem(joinPath(path, name), 'E_REQUIRED', `is required${hint(field)}`));
      continue;
    }
    validateField(value[name], field, joinPath(path, name), out);
  }
  const unknown: Record<string, unknown> = {};
  for (const name of Object.keys(value)) if (!ignore.includes(name)) unknown[name] = value[name];
  rejectUnknown(unknown, Object.keys(fields), path, out);
}

function hint(field: Field): string {
  return field.description ? ` (${field.description})` : '';
}

export function validateField(value: unknown, field: Field, path: string, out: ValidationProblem[]): void {
  switch (field.kind) {
    case 'string':
      if (typeof value !== 'string') return void out.push(problem(path, 'E_TYPE', `must be a string, got ${describe(value)}`));
      if (field.minLength !== undefined && value.length < field.minLength)
        return void out.push(problem(path, 'E_RANGE', 'must not be empty'));
      if (field.pattern && !new RegExp(field.pattern).test(value))
        out.push(problem(path, 'E_PATTERN', `${JSON.stringify(value)} ${field.patternHint ?? `must match ${field.pattern}`}`));
      return;
    case 'integer':
    case 'duration': {
      const unit = field.kind === 'duration' ? ' number of milliseconds' : '';
      if (typeof value !== 'number') return void out.push(problem(path, 'E_TYPE', `must be an integer${unit}, got ${describe(value)}`));
      if (!Number.isSafeInteger(value)) return void out.push(problem(path, 'E_RANGE', `must be an integer${unit}, got ${value}`));
      if (field.min !== undefined && value < field.min) {
        const what = field.min === 1 ? `a positive integer${unit}` : `an integer${unit} of at least ${field.min}`;
        out.push(problem(path, 'E_RANGE', `must be ${what}, got ${value}`));
      } else if (field.kind === 'integer' && field.max !== undefined && value > field.max) {
        out.push(problem(path, 'E_RANGE', `must be at most ${field.max}, got ${value}`));
      }
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') out.push(problem(path, 'E_TYPE', `must be true or false, got ${describe(value)}`));
      return;
    case 'enum':
      if (typeof value !== 'string' || !field.values.includes(value))
        out.push(problem(path, 'E_ENUM', `must be one of ${field.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}`));
      return;
    case 'code':
      if (typeof value === 'string') return;
      if (Array.isArray(value) && value.every((line) => typeof line === 'string')) return;
      out.push(problem(path, 'E_TYPE', `must be code: a string or an array of lines, got ${describe(value)}`));
      return;
    case 'stringList':
      if (!Array.isArray(value)) return void out.push(problem(path, 'E_TYPE', `must be an array of strings, got ${describe(value)}`));
      value.forEach((item, i) => {
        if (typeof item !== 'string') out.push(problem(joinPath(path, i), 'E_TYPE', `must be a string, got ${describe(item)}`));
        else if (field.itemPattern && !new RegExp(field.itemPattern).test(item))
          out.push(problem(joinPath(path, i), 'E_PATTERN', `${JSON.stringify(item)} ${field.itemPatternHint ?? `must match ${field.itemPattern}`}`));
      });
      return;
    case 'object':
      validateFields(value, field.fields, path, out);
      return;
    case 'variant': {
      if (!isPlainObject(value)) return void out.push(problem(path, 'E_TYPE', `must be an object, got ${describe(value)}`));
      const tag = value[field.tag];
      const names = Object.keys(field.variants);
      if (tag === undefined)
        return void out.push(problem(joinPath(path, field.tag), 'E_REQUIRED', `is required: one of ${names.map((n) => JSON.stringify(n)).join(', ')}`));
      const variant = typeof tag === 'string' ? field.variants[tag] : undefined;
      if (!variant)
        return void out.push(problem(joinPath(path, field.tag), 'E_ENUM', `must be one of ${names.map((n) => JSON.stringify(n)).join(', ')}, got ${describe(tag)}`));
      validateFields(value, variant.fields, path, out, [field.tag]);
      return;
    }
  }
}

/** Returns a copy of `value` with every missing defaulted field filled in, recursively. Assumes `value` validated. */
export function applyDefaults(value: Record<string, unknown> | undefined, fields: Record<string, Field>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...value };
  for (const [name, field] of Object.entries(fields)) {
    if (result[name] === undefined && field.default !== undefined) result[name] = structuredClone(field.default);
    const current = result[name];
    if (current === undefined || !isPlainObject(current)) continue;
    if (field.kind === 'object') result[name] = applyDefaults(current, field.fields);
    if (field.kind === 'variant') {
      const variant = field.variants[current[field.tag] as string];
      if (variant) result[name] = applyDefaults(current, variant.fields);
    }
  }
  return result;
}

/** The params a freshly dropped node starts with: every default, and each code field's template. */
export function initialParams(fields: ParamSchema): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    if (field.default !== undefined) params[name] = structuredClone(field.default);
    else if (field.kind === 'code' && !field.optional) params[name] = field.template.split('\n');
  }
  return params;
}

/** Formats milliseconds the way the editor shows durations: `5s`, `1m`, `1h30m`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0ms';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return sign + parts.join('');
}

/** Parses `5s`, `1m30s`, `250ms`, `2h` or a plain number of milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^-?\d+$/.test(trimmed)) return Number(trimmed);
  const match = /^(-?)((?:\d+(?:ms|d|h|m|s))+)$/.exec(trimmed.replace(/\s+/g, ''));
  if (!match) return undefined;
  const sizes: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  for (const [, n, unit] of match[2]!.matchAll(/(\d+)(ms|d|h|m|s)/g)) total += Number(n) * sizes[unit!]!;
  return match[1] ? -total : total;
}
