/**
 * A code param (SPEC §4) in the inspector: Monaco with TypeScript IntelliSense for `value` and `ctx`, squiggles from
 * the UDF compiler and the validator, and the operator's template to start from. Monaco loads lazily; until then
 * (or if it cannot load) a plain text area edits the same code, so the field is never dead.
 */
import { Component, lazy, Suspense, useMemo, type ReactNode } from 'react';
import type { ValidationProblem } from '../../../shared/pipeline/errors.ts';
import { codeLines, codeText } from '../../../shared/pipeline/types.ts';
import { useWeirStore } from '../store/index.ts';
import { codeFieldAt } from './code-field-info.ts';
import { compileMarkers, problemMarkers, type CodeMarker } from './markers.ts';
import { valueTypeDeclarations } from './value-type.ts';
import './code.css';

const MonacoCodeEditor = lazy(() => import('./MonacoCodeEditor.tsx'));

/** Starts loading Monaco before a code field is shown (e.g. when a node with code is selected). */
export function preloadCodeEditor(): void {
  void import('./MonacoCodeEditor.tsx');
}

export interface CodeFieldProps {
  nodeId: string;
  /** Where the code lives in the node: `['params', 'code']`, `['params', 'aggregate', 'code']`. */
  path: string[];
  value: string | string[] | undefined;
  onChange(lines: string[]): void;
  /** The call the code must provide, e.g. `(value, ctx) => boolean`. */
  signature: string;
  /** Validation problems of the node (those at this field's path are shown). */
  problems?: ValidationProblem[];
}

interface FallbackProps {
  ariaLabel: string;
  text: string;
  onChangeText(text: string): void;
}

function PlainCodeArea({ ariaLabel, text, onChangeText }: FallbackProps) {
  return (
    <textarea
      className="code-field__plain"
      aria-label={ariaLabel}
      value={text}
      spellCheck={false}
      rows={Math.min(20, Math.max(4, text.split('\n').length + 1))}
      onChange={(e) => onChangeText(e.target.value)}
    />
  );
}

class EditorBoundary extends Component<{ fallback: ReactNode; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override render() {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}

function contextType(exports: readonly string[], signature: string): string {
  if (exports.includes('processElement')) return 'ProcessContext';
  if (exports.includes('createAccumulator')) return 'AggregateModule';
  return signature.startsWith('(values') ? 'WindowContext' : 'Context';
}

function markerLabel(m: CodeMarker): string {
  return `line ${m.startLineNumber}, column ${m.startColumn}: ${m.message}`;
}

export function CodeField({ nodeId, path, value, onChange, signature, problems = [] }: CodeFieldProps) {
  const { node, document } = useWeirStore((s) => ({ node: s.document.nodes.find((n) => n.id === nodeId), document: s.document }));
  const field = codeFieldAt(node, path);
  const text = value === undefined ? '' : codeText(value);
  const exports = field?.exports ?? ['default'];
  const markers = useMemo(
    () => (text.trim() === '' ? [] : [...compileMarkers(text, exports, signature), ...problemMarkers(problems, path, text)]),
    // `exports` and `path` are stable per field; their identity may not be.
    [text, problems, signature, exports.join(','), path.join('.')],
  );
  // Only upstream samples and edges shape the value type, but they live in the document; this is cheap.
  const valueTypes = useMemo(() => valueTypeDeclarations(document, nodeId), [document, nodeId]);
  const ariaLabel = `Code of ${nodeId}`;
  const onChangeText = (next: string) => onChange(codeLines(next));
  const plain = <PlainCodeArea ariaLabel={ariaLabel} text={text} onChangeText={onChangeText} />;

  return (
    <div className="code-field">
      {text.trim() === '' && field && (
        <button type="button" className="code-field__template" onClick={() => onChange(codeLines(field.template))}>
          Start from the template
        </button>
      )}
      {/* `nokey`: React Flow leaves keys typed in here alone (Space would pan the canvas instead of typing a space). */}
      <div className="code-field__editor nokey" role="group" aria-label={ariaLabel}>
        <EditorBoundary fallback={plain}>
          <Suspense fallback={plain}>
            <MonacoCodeEditor
              modelPath={`file:///weir/nodes/${encodeURIComponent(nodeId)}/${path.map(encodeURIComponent).join('/')}.ts`}
              text={text}
              onChangeText={onChangeText}
              markers={markers}
              valueTypes={valueTypes}
              ariaLabel={`${ariaLabel} (editor)`}
            />
          </Suspense>
        </EditorBoundary>
      </div>
      {markers.length > 0 && (
        <ul className="code-field__problems" aria-label={`Problems in the code of ${nodeId}`}>
          {markers.map((m, i) => (
            <li key={i} className={`code-field__problem code-field__problem--${m.severity}`}>
              {markerLabel(m)}
            </li>
          ))}
        </ul>
      )}
      <p className="code-field__hint">
        Types you can use: <code>Value</code> (shaped like the samples upstream), <code>{contextType(field?.exports ?? [], signature)}</code>. Imports
        are not allowed.
      </p>
    </div>
  );
}
