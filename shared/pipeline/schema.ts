/**
 * A small schema language for the document's fields: operator params, and the pipeline's own settings and edges.
 * One description serves four readers: the validator (coded problems with JSON paths), the engine (defaults), the
 * editor's inspector (forms: a duration field is shown as `5s` but stored as milliseconds, a code field opens the
 * code editor) and the type checker (`ParamsOf` derives the TypeScript type of params from their schema, so an
 * operator reads typed params without a cast). General-purpose schema libraries validate well but do not carry that
 * form meaning, so the few field kinds we need are described here.
 */
import { joinPath, problem, type ValidationProblem } from './errors.ts';
import type { Code } from './types.ts';
import { describe, isObject as isPlainObject, rejectUnknown } from './validate-members.ts';

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

/**
 * Checks a schema and keeps its literal types (`kind: 'enum'`, `values: ['json', 'text']`, `optional: true`), which
 * `ParamsOf` reads: the `satisfies` of a schema written apart from its operator.
 */
export function defineParams<const S extends ParamSchema>(schema: S): S {
  return schema;
}

/** `defineParams` for one field that several schemas share (a join function, the window assigners). */
export function defineField<const F extends Field>(field: F): F {
  return field;
}

/** The value a field holds once it passed validation. */
export type FieldValue<F extends Field> = F extends { kind: 'string' }
  ? string
  : F extends { kind: 'integer' | 'duration' }
    ? number
    : F extends { kind: 'boolean' }
      ? boolean
      : F extends { kind: 'enum'; values: readonly (infer V extends string)[] }
        ? V
        : F extends { kind: 'code' }
          ? Code
          : F extends { kind: 'stringList' }
            ? string[]
            : F extends { kind: 'object'; fields: infer Fields extends Record<string, Field> }
              ? ParamsOf<Fields>
              : F extends VariantField
                ? VariantValue<F>
                : never;

/** One member per variant: the tag naming it, and its fields. */
type VariantValue<F extends VariantField> = {
  [Name in keyof F['variants'] & string]: Flatten<
    { [Tag in F['tag']]: Name } & ParamsOf<F['variants'][Name]['fields']>
  >;
}[keyof F['variants'] & string];

type OptionalNames<S extends Record<string, Field>> = {
  [K in keyof S]: S[K] extends { optional: true } ? K : never;
}[keyof S];

/**
 * The TypeScript type of params that passed `validateFields` and had `applyDefaults` applied: a field marked
 * `optional` may be missing; every other one is there (given, or filled in from its default). A schema whose field
 * names are not known (`ParamSchema` itself) gives plain records.
 */
export type ParamsOf<S extends Record<string, Field>> = string extends keyof S
  ? Record<string, unknown>
  : Flatten<
      { -readonly [K in Exclude<keyof S, OptionalNames<S>>]: FieldValue<S[K]> } & {
        -readonly [K in OptionalNames<S>]?: FieldValue<S[K]>;
      }
    >;

type Flatten<T> = { [K in keyof T]: T[K] };

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
      if (typeof value !== 'string')
        return void out.push(problem(path, 'E_TYPE', `must be a string, got ${describe(value)}`));
      if (field.minLength !== undefined && value.length < field.minLength)
        return void out.push(problem(path, 'E_RANGE', 'must not be empty'));
      if (field.pattern && !new RegExp(field.pattern).test(value))
        out.push(
          problem(path, 'E_PATTERN', `${JSON.stringify(value)} ${field.patternHint ?? `must match ${field.pattern}`}`),
        );
      return;
    case 'integer':
    case 'duration': {
      const unit = field.kind === 'duration' ? ' number of milliseconds' : '';
      if (typeof value !== 'number')
        return void out.push(problem(path, 'E_TYPE', `must be an integer${unit}, got ${describe(value)}`));
      if (!Number.isSafeInteger(value))
        return void out.push(problem(path, 'E_RANGE', `must be an integer${unit}, got ${value}`));
      if (field.min !== undefined && value < field.min) {
        const what = field.min === 1 ? `a positive integer${unit}` : `an integer${unit} of at least ${field.min}`;
        out.push(problem(path, 'E_RANGE', `must be ${what}, got ${value}`));
      } else if (field.kind === 'integer' && field.max !== undefined && value > field.max) {
        out.push(problem(path, 'E_RANGE', `must be at most ${field.max}, got ${value}`));
      }
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean')
        out.push(problem(path, 'E_TYPE', `must be true or false, got ${describe(value)}`));
      return;
    case 'enum':
      if (typeof value !== 'string' || !field.values.includes(value))
        out.push(
          problem(
            path,
            'E_ENUM',
            `must be one of ${field.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}`,
          ),
        );
      return;
    case 'code':
      if (typeof value === 'string') return;
      if (Array.isArray(value) && value.every((line) => typeof line === 'string')) return;
      out.push(problem(path, 'E_TYPE', `must be code: a string or an array of lines, got ${describe(value)}`));
      return;
    case 'stringList':
      if (!Array.isArray(value))
        return void out.push(problem(path, 'E_TYPE', `must be an array of strings, got ${describe(value)}`));
      value.forEach((item, i) => {
        if (typeof item !== 'string')
          out.push(problem(joinPath(path, i), 'E_TYPE', `must be a string, got ${describe(item)}`));
        else if (field.itemPattern && !new RegExp(field.itemPattern).test(item))
          out.push(
            problem(
              joinPath(path, i),
              'E_PATTERN',
              `${JSON.stringify(item)} ${field.itemPatternHint ?? `must match ${field.itemPattern}`}`,
            ),
          );
      });
      return;
    case 'object':
      validateFields(value, field.fields, path, out);
      return;
    case 'variant': {
      if (!isPlainObject(value))
        return void out.push(problem(path, 'E_TYPE', `must be an object, got ${describe(value)}`));
      const tag = value[field.tag];
      const names = Object.keys(field.variants);
      if (tag === undefined)
        return void out.push(
          problem(
            joinPath(path, field.tag),
            'E_REQUIRED',
            `is required: one of ${names.map((n) => JSON.stringify(n)).join(', ')}`,
          ),
        );
      const variant = typeof tag === 'string' ? field.variants[tag] : undefined;
      if (!variant)
        return void out.push(
          problem(
            joinPath(path, field.tag),
            'E_ENUM',
            `must be one of ${names.map((n) => JSON.stringify(n)).join(', ')}, got ${describe(tag)}`,
          ),
        );
      validateFields(value, variant.fields, path, out, [field.tag]);
      return;
    }
  }
}

/** Returns a copy of `value` with every missing defaulted field filled in, recursively. Assumes `value` validated. */
export function applyDefaults(
  value: Record<string, unknown> | undefined,
  fields: Record<string, Field>,
): Record<string, unknown> {
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
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
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
