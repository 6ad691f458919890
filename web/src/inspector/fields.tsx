/**
 * Forms generated from an operator's param schema (shared/pipeline/schema.ts). Each field kind has one editor;
 * objects and variants nest. A change travels up as the new value of the member plus a key naming the leaf that
 * changed, so typing into one field is one undo step. Problems are shown on the field they name, in the same words
 * `weir validate` prints.
 */
import { useId, type ReactNode } from 'react';
import {
  formatDuration,
  initialParams,
  parseDuration,
  type Field,
  type ObjectField,
  type VariantField,
} from '../../../shared/pipeline/schema.ts';
import { formatProblem, joinPath, type ValidationProblem } from '../../../shared/pipeline/errors.ts';
import { CodeField } from '../code/CodeField.tsx';
import { DraftInput, type Parsed } from './inputs.tsx';

export interface FieldEditorProps {
  nodeId: string;
  name: string;
  field: Field;
  /** The stored value; undefined when the member is absent. */
  value: unknown;
  /** From the node: `['params', 'assigner', 'sizeMs']`. */
  path: readonly string[];
  /** The JSON path problems use: `nodes[3].params.assigner.sizeMs`. */
  problemPath: string;
  problems: readonly ValidationProblem[];
  /** `undefined` removes the member; `leaf` names the field that changed (for undo steps). */
  onChange(value: unknown, leaf: string): void;
  onBlur(): void;
}

export function humanize(name: string): string {
  const words = name
    .replace(/Ms$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isRequired(field: Field): boolean {
  return !field.optional && field.default === undefined;
}

/** Problems about exactly this field (or, for code, anything inside it). */
export function problemsAt(problems: readonly ValidationProblem[], path: string, prefix = false): ValidationProblem[] {
  return problems.filter(
    (p) => p.path === path || (prefix && (p.path.startsWith(`${path}.`) || p.path.startsWith(`${path}[`))),
  );
}

/**
 * Every problem path the form shows on a field: exact paths, and prefixes for code fields. Problems not covered
 * here are listed above the form, so none is hidden.
 */
export function shownProblemPaths(
  fields: Record<string, Field>,
  value: unknown,
  base: string,
  out: { exact: Set<string>; prefixes: string[] },
): void {
  const object = isObject(value) ? value : {};
  for (const [name, field] of Object.entries(fields)) {
    const path = joinPath(base, name);
    out.exact.add(path);
    const member = object[name] ?? field.default;
    if (field.kind === 'code' || field.kind === 'stringList') out.prefixes.push(path);
    else if (field.kind === 'object' && member !== undefined) shownProblemPaths(field.fields, member, path, out);
    else if (field.kind === 'variant' && isObject(member)) {
      out.exact.add(joinPath(path, field.tag));
      const variant = field.variants[String(member[field.tag])];
      if (variant) shownProblemPaths(variant.fields, member, path, out);
    }
  }
}

function ProblemLines({ problems }: { problems: readonly ValidationProblem[] }) {
  if (problems.length === 0) return null;
  return (
    <ul className="field__problems">
      {problems.map((p) => (
        <li key={`${p.path}:${p.code}:${p.message}`}>{formatProblem(p)}</li>
      ))}
    </ul>
  );
}

function FieldRow({
  id,
  label,
  field,
  problems,
  children,
  inline,
}: {
  id: string;
  label: string;
  field: Field;
  problems: readonly ValidationProblem[];
  children: ReactNode;
  inline?: boolean;
}) {
  return (
    <div className={`field${problems.length > 0 ? ' field--invalid' : ''}${inline ? ' field--inline' : ''}`}>
      <label className="field__label" htmlFor={id}>
        {label}
        {!isRequired(field) && field.kind !== 'boolean' && <span className="field__optional">optional</span>}
      </label>
      {children}
      {field.description && <p className="field__hint">{field.description}</p>}
      <ProblemLines problems={problems} />
    </div>
  );
}

const parseInteger = (text: string): Parsed<number | undefined> => {
  const t = text.trim();
  if (t === '') return { ok: true, value: undefined };
  return /^-?\d+$/.test(t) ? { ok: true, value: Number(t) } : { ok: false, message: 'write a whole number' };
};

const parseDurationText = (text: string): Parsed<number | undefined> => {
  if (text.trim() === '') return { ok: true, value: undefined };
  const ms = parseDuration(text);
  return ms === undefined
    ? { ok: false, message: 'write a duration such as 500ms, 5s, 1m or 1h30m' }
    : { ok: true, value: ms };
};

function formatNumber(value: number | undefined): string {
  return value === undefined ? '' : String(value);
}

function formatDurationText(value: number | undefined): string {
  return typeof value === 'number' ? formatDuration(value) : '';
}

export function FieldEditor(props: FieldEditorProps) {
  const { field, name, value, problemPath, problems, onChange, onBlur } = props;
  const id = useId();
  const label = field.label ?? humanize(name);
  const leaf = props.path.join('.');
  const own = problemsAt(problems, problemPath, field.kind === 'code' || field.kind === 'stringList');
  const change = (v: unknown) => onChange(v, leaf);

  switch (field.kind) {
    case 'string':
      return (
        <FieldRow id={id} label={label} field={field} problems={own}>
          <input
            id={id}
            className="input"
            value={typeof value === 'string' ? value : ''}
            placeholder={field.default === undefined ? undefined : String(field.default)}
            onChange={(e) => change(e.target.value === '' ? undefined : e.target.value)}
            onBlur={onBlur}
            spellCheck={false}
          />
        </FieldRow>
      );
    case 'integer':
      return (
        <FieldRow id={id} label={label} field={field} problems={own}>
          <DraftInput<number | undefined>
            id={id}
            className="input"
            inputMode="numeric"
            value={typeof value === 'number' ? value : undefined}
            placeholder={field.default === undefined ? undefined : String(field.default)}
            format={formatNumber}
            parse={parseInteger}
            onCommit={change}
            onBlur={onBlur}
          />
        </FieldRow>
      );
    case 'duration':
      return (
        <FieldRow id={id} label={label} field={field} problems={own}>
          <DraftInput<number | undefined>
            id={id}
            className="input input--duration"
            value={typeof value === 'number' ? value : undefined}
            placeholder={typeof field.default === 'number' ? formatDuration(field.default) : 'e.g. 5s, 1m'}
            format={formatDurationText}
            parse={parseDurationText}
            onCommit={change}
            onBlur={onBlur}
            spellCheck={false}
          />
        </FieldRow>
      );
    case 'boolean':
      return (
        <FieldRow id={id} label={label} field={field} problems={own} inline>
          <input
            id={id}
            type="checkbox"
            checked={(value ?? field.default ?? false) === true}
            onChange={(e) => {
              change(e.target.checked);
              onBlur();
            }}
          />
        </FieldRow>
      );
    case 'enum': {
      const current = typeof value === 'string' ? value : typeof field.default === 'string' ? field.default : '';
      return (
        <FieldRow id={id} label={label} field={field} problems={own}>
          <select
            id={id}
            className="input"
            value={current}
            onChange={(e) => {
              change(e.target.value === '' ? undefined : e.target.value);
              onBlur();
            }}
          >
            {(current === '' || !field.values.includes(current)) && (
              <option value={current}>{current === '' ? 'Choose…' : current}</option>
            )}
            {field.values.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </FieldRow>
      );
    }
    case 'code': {
      const absent = value === undefined;
      return (
        <div className={`field field--code${own.length > 0 ? ' field--invalid' : ''}`}>
          <div className="field__label-row">
            <span className="field__label" id={id}>
              {label}
            </span>
            {field.optional && !absent && (
              <button type="button" className="link-button" onClick={() => change(undefined)}>
                Remove
              </button>
            )}
          </div>
          {absent ? (
            <>
              <button type="button" className="button button--small" onClick={() => change(field.template.split('\n'))}>
                Add {label.toLowerCase()}
              </button>
              <ProblemLines problems={own} />
            </>
          ) : (
            <CodeField
              nodeId={props.nodeId}
              path={[...props.path]}
              value={value as string | string[]}
              onChange={(lines: string[]) => change(lines)}
              signature={field.signature}
              problems={own}
            />
          )}
          {field.description && <p className="field__hint">{field.description}</p>}
        </div>
      );
    }
    case 'stringList':
      return <StringListEditor {...props} label={label} problems={own} />;
    case 'object':
      return <ObjectEditor {...props} field={field} label={label} />;
    case 'variant':
      return <VariantEditor {...props} field={field} label={label} />;
  }
}

function StringListEditor(props: FieldEditorProps & { label: string }) {
  const { value, field, label, problems, onChange, onBlur, path } = props;
  const items = Array.isArray(value) ? (value as unknown[]).map((v) => (typeof v === 'string' ? v : String(v))) : [];
  const leaf = path.join('.');
  const set = (next: string[]) => onChange(next.length === 0 && field.optional ? undefined : next, leaf);
  const id = useId();
  return (
    <fieldset className={`field field--list${problems.length > 0 ? ' field--invalid' : ''}`} aria-labelledby={id}>
      <legend className="field__label" id={id}>
        {label}
      </legend>
      {items.map((item, i) => (
        <div className="list-row" key={i}>
          <input
            className="input"
            aria-label={`${label} ${i + 1}`}
            value={item}
            onChange={(e) => set(items.map((v, k) => (k === i ? e.target.value : v)))}
            onBlur={onBlur}
            spellCheck={false}
          />
          <button
            type="button"
            className="icon-button"
            aria-label={`Remove ${item || `item ${i + 1}`}`}
            onClick={() => set(items.filter((_, k) => k !== i))}
          >
            ×
          </button>
        </div>
      ))}
      <button type="button" className="button button--small" onClick={() => set([...items, ''])}>
        Add
      </button>
      {field.description && <p className="field__hint">{field.description}</p>}
      <ProblemLines problems={problems} />
    </fieldset>
  );
}

function NestedFields({
  parent,
  fields,
  value,
  skip,
}: {
  parent: FieldEditorProps;
  fields: Record<string, Field>;
  value: Record<string, unknown>;
  skip?: string;
}) {
  return (
    <>
      {Object.entries(fields).map(([name, field]) =>
        name === skip ? null : (
          <FieldEditor
            key={name}
            nodeId={parent.nodeId}
            name={name}
            field={field}
            value={value[name]}
            path={[...parent.path, name]}
            problemPath={joinPath(parent.problemPath, name)}
            problems={parent.problems}
            onChange={(v, leaf) => parent.onChange(setMember(value, name, v), leaf)}
            onBlur={parent.onBlur}
          />
        ),
      )}
    </>
  );
}

function setMember(object: Record<string, unknown>, name: string, value: unknown): Record<string, unknown> {
  const next = { ...object };
  if (value === undefined) delete next[name];
  else next[name] = value;
  return next;
}

function ObjectEditor(props: FieldEditorProps & { field: ObjectField; label: string }) {
  const { field, value, label, onChange, path, problems, problemPath } = props;
  const current = isObject(value) ? value : isObject(field.default) ? field.default : undefined;
  const own = problemsAt(problems, problemPath);
  return (
    <fieldset className="field field--group">
      <legend className="field__label">{label}</legend>
      {current === undefined ? (
        <button
          type="button"
          className="button button--small"
          onClick={() => onChange(initialParams(field.fields), path.join('.'))}
        >
          Add {label.toLowerCase()}
        </button>
      ) : (
        <>
          <NestedFields parent={props} fields={field.fields} value={current} />
          {field.optional && isObject(value) && (
            <button type="button" className="link-button" onClick={() => onChange(undefined, path.join('.'))}>
              Remove {label.toLowerCase()}
            </button>
          )}
        </>
      )}
      <ProblemLines problems={own} />
    </fieldset>
  );
}

function VariantEditor(props: FieldEditorProps & { field: VariantField; label: string }) {
  const { field, value, label, onChange, onBlur, path, problems, problemPath } = props;
  const id = useId();
  const current = isObject(value) ? value : isObject(field.default) ? field.default : undefined;
  const tag = current ? current[field.tag] : undefined;
  const tagName = typeof tag === 'string' ? tag : '';
  const variant = tagName !== '' && Object.hasOwn(field.variants, tagName) ? field.variants[tagName] : undefined;
  const own = [...problemsAt(problems, problemPath), ...problemsAt(problems, joinPath(problemPath, field.tag))];
  const pick = (next: string) => {
    if (next === '') return onChange(undefined, path.join('.'));
    const chosen = field.variants[next]!;
    onChange({ [field.tag]: next, ...initialParams(chosen.fields) }, `${path.join('.')}.${field.tag}`);
    onBlur();
  };
  return (
    <fieldset className={`field field--group${own.length > 0 ? ' field--invalid' : ''}`}>
      <legend className="field__label">
        {label}
        {!isRequired(field) && <span className="field__optional">optional</span>}
      </legend>
      <select
        id={id}
        className="input"
        aria-label={label}
        value={variant ? tagName : ''}
        onChange={(e) => pick(e.target.value)}
      >
        {!variant && <option value="">{tagName === '' ? 'Choose…' : `${tagName} (unknown)`}</option>}
        {Object.entries(field.variants).map(([name, v]) => (
          <option key={name} value={name}>
            {v.label ?? humanize(name)}
          </option>
        ))}
      </select>
      {field.description && <p className="field__hint">{field.description}</p>}
      <ProblemLines problems={own} />
      {variant && current && <NestedFields parent={props} fields={variant.fields} value={current} skip={field.tag} />}
    </fieldset>
  );
}
