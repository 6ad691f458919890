/**
 * TypeScript's verdict on every code field of the document, as editor warnings: `value.usr` where the samples have
 * `user` is marked on the node, under the field and in the Problems panel, not only as a squiggle in an editor that
 * happens to be open. Warnings, not validation problems: the engine runs JavaScript, so the CLI and the server
 * accept the pipeline; the editor tells its author what will probably go wrong.
 *
 * The checking itself is TypeScript's, in the worker Monaco already runs (`type-check.ts`, loaded in the background
 * after an edit). This module decides what to check and turns the answers into warnings; it is plain data, so it is
 * testable without Monaco.
 */
import { operatorFor } from '../../../shared/operators/registry.ts';
import type { Field } from '../../../shared/pipeline/schema.ts';
import { codeText, type NodeDoc, type PipelineDoc } from '../../../shared/pipeline/types.ts';
import { compileModule } from '../../../shared/udf/compile.ts';
import type { EditorWarning } from './edge-types.ts';
import { valueTypeDeclarations } from './value-type.ts';

/** One code field to check: its text, and the declarations of `Value` (and `Left`/`Right`) it is checked against. */
export interface TypeCheckRequest {
  nodeId: string;
  /** Where the code lives in the node: `['params', 'code']`. */
  path: string[];
  text: string;
  declarations: string;
}

/** What TypeScript said, at a 1-based line and column of the field's text. */
export interface TypeDiagnostic {
  line: number;
  column: number;
  message: string;
  /** TypeScript's error number (2339: a property that does not exist). */
  code: number;
}

export type TypeChecker = (requests: readonly TypeCheckRequest[]) => Promise<TypeDiagnostic[][]>;

/** The code fields of `node` that hold code, with their paths, reading variants by the tag the params hold now. */
export function codeFieldsOf(node: NodeDoc): { path: string[]; text: string }[] {
  const definition = operatorFor(node.type);
  if (!definition) return [];
  const found: { path: string[]; text: string }[] = [];
  const walk = (fields: Record<string, Field>, value: unknown, path: string[]) => {
    const object =
      value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    for (const [name, field] of Object.entries(fields)) {
      const inner = object[name];
      if (field.kind === 'code') {
        if (typeof inner === 'string' || (Array.isArray(inner) && inner.every((l) => typeof l === 'string'))) {
          const text = codeText(inner as string | string[]);
          if (text.trim() !== '') found.push({ path: [...path, name], text });
        }
      } else if (field.kind === 'object') walk(field.fields, inner, [...path, name]);
      else if (field.kind === 'variant' && inner !== null && typeof inner === 'object') {
        const tag = (inner as Record<string, unknown>)[field.tag];
        const variant = typeof tag === 'string' && Object.hasOwn(field.variants, tag) ? field.variants[tag] : undefined;
        if (variant) walk(variant.fields, inner, [...path, name]);
      }
    }
  };
  walk(definition.params, node.params, ['params']);
  return found;
}

/**
 * Every code field worth checking: code that compiles (a syntax error is the compiler's problem, already shown),
 * with the value types its node receives.
 */
export function typeCheckRequests(doc: PipelineDoc): TypeCheckRequest[] {
  const requests: TypeCheckRequest[] = [];
  for (const node of doc.nodes) {
    const fields = codeFieldsOf(node);
    if (fields.length === 0) continue;
    const declarations = valueTypeDeclarations(doc, node.id);
    for (const { path, text } of fields)
      if (compileModule(text).ok) requests.push({ nodeId: node.id, path, text, declarations });
  }
  return requests;
}

/** A stable text for a list of requests: the same text means the same answers. */
export function requestsKey(requests: readonly TypeCheckRequest[]): string {
  return JSON.stringify(requests.map((r) => [r.nodeId, r.path, r.text, r.declarations]));
}

/** The warnings for the answers, with paths into `doc` as it is now (nodes that are gone are left out). */
export function typeWarnings(
  doc: PipelineDoc,
  requests: readonly TypeCheckRequest[],
  answers: readonly TypeDiagnostic[][],
): EditorWarning[] {
  const indexOf = new Map(doc.nodes.map((n, i) => [n.id, i]));
  const warnings: EditorWarning[] = [];
  requests.forEach((request, i) => {
    const index = indexOf.get(request.nodeId);
    if (index === undefined) return;
    const path = `nodes[${index}].${request.path.join('.')}`;
    for (const d of answers[i] ?? []) {
      warnings.push({
        path,
        nodeId: request.nodeId,
        kind: 'type',
        field: request.path.join('.'),
        message: `line ${d.line}, column ${d.column}: ${d.message} (TS${d.code})`,
      });
    }
  });
  return warnings;
}

export interface TypeWarningsHost {
  document(): PipelineDoc;
  /** Calls `listener` after each change of the document. */
  onDocumentChange(listener: () => void): () => void;
  publish(warnings: EditorWarning[]): void;
}

/** How long typing may pause before the code is checked: TypeScript is not asked on every keystroke. */
const QUIET_MS = 400;

/**
 * Keeps the host's type warnings in step with its document: after each pause in editing, the code fields that
 * changed are checked again and the warnings replaced. Answers that arrive after the code changed again are
 * dropped. A checker that cannot load (Monaco failed) leaves no warnings and no error: the editor works without.
 */
export function keepTypeWarnings(
  host: TypeWarningsHost,
  check: () => Promise<TypeChecker>,
  quietMs = QUIET_MS,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let checkedKey = requestsKey([]);
  let running = false;
  let again = false;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), quietMs);
  };
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    const requests = typeCheckRequests(host.document());
    const key = requestsKey(requests);
    if (key === checkedKey) return;
    running = true;
    try {
      const answers = requests.length === 0 ? [] : await (await check())(requests);
      if (stopped) return;
      if (requestsKey(typeCheckRequests(host.document())) !== key) again = true;
      else {
        checkedKey = key;
        host.publish(typeWarnings(host.document(), requests, answers));
      }
    } catch {
      checkedKey = key;
      host.publish([]);
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const unsubscribe = host.onDocumentChange(schedule);
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
    unsubscribe();
  };
}
