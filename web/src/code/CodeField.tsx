/**
 * A code param (SPEC §4) in the inspector: Monaco with TypeScript IntelliSense for `value` and `ctx`, squiggles from
 * the UDF compiler and the validator, and the operator's template to start from. Monaco loads lazily; until then
 * (or if it cannot load) a plain text area edits the same code, so the field is never dead.
 */
import {
  Component,
  lazy,
  Suspense,
  useEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import { createPortal } from 'react-dom';
import type { ValidationProblem } from '../../../shared/pipeline/errors.ts';
import { codeLines, codeText } from '../../../shared/pipeline/types.ts';
import { useWeirStore } from '../store/index.ts';
import { codeFieldAt } from './code-field-info.ts';
import { compileMarkers, problemMarkers, type CodeMarker } from './markers.ts';
import { valueTypeDeclarations } from './value-type.ts';
import type { CodeEditorApi } from './MonacoCodeEditor.tsx';
import './code.css';

const MonacoCodeEditor = lazy(() => import('./MonacoCodeEditor.tsx'));
const ExpandedCodeEditor = lazy(() =>
  import('./MonacoCodeEditor.tsx').then((m) => ({ default: m.ExpandedCodeEditor })),
);

const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
/** Opens (and closes) the full-size editor from a code field: Ctrl+Shift+E, or ⌘⇧E on a Mac. */
export const EXPAND_SHORTCUT = IS_MAC ? '⌘⇧E' : 'Ctrl+Shift+E';

/** The key press that toggles the full-size editor. */
export function isExpandShortcut(
  e: Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>,
): boolean {
  return (e.ctrlKey || e.metaKey) && e.shiftKey && !e.altKey && (e.code === 'KeyE' || e.key.toLowerCase() === 'e');
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

function PlainCodeArea({ ariaLabel, text, onChangeText, full = false }: FallbackProps & { full?: boolean }) {
  // In the full-size dialog the text area stands in for the editor, which takes focus when the dialog opens.
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (full) ref.current?.focus();
  }, [full]);
  return (
    <textarea
      ref={ref}
      className={`code-field__plain${full ? ' code-field__plain--full' : ''}`}
      aria-label={ariaLabel}
      value={text}
      spellCheck={false}
      rows={full ? undefined : Math.min(20, Math.max(4, text.split('\n').length + 1))}
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
  const { node, document } = useWeirStore((s) => ({
    node: s.document.nodes.find((n) => n.id === nodeId),
    document: s.document,
  }));
  const field = codeFieldAt(node, path);
  const text = value === undefined ? '' : codeText(value);
  const exports = field?.exports ?? ['default'];
  const markers = useMemo(
    () =>
      text.trim() === '' ? [] : [...compileMarkers(text, exports, signature), ...problemMarkers(problems, path, text)],
    // `exports` and `path` are stable per field; their identity may not be.
    [text, problems, signature, exports.join(','), path.join('.')],
  );
  // Only upstream samples and edges shape the value type, but they live in the document; this is cheap.
  const valueTypes = useMemo(() => valueTypeDeclarations(document, nodeId), [document, nodeId]);
  // TypeScript's errors in this field, from the background check of every field (`type-warnings.ts`). Monaco draws
  // its own squiggles for them; the list below the editor names them even while the editor is still loading.
  const fieldKey = path.join('.');
  const typeWarnings = useWeirStore(
    (s) => s.warningsByNode[nodeId]?.filter((w) => w.kind === 'type' && w.field === fieldKey) ?? [],
  );
  const ariaLabel = `Code of ${nodeId}`;
  const onChangeText = (next: string) => onChange(codeLines(next));
  const plain = <PlainCodeArea ariaLabel={ariaLabel} text={text} onChangeText={onChangeText} />;
  const modelPath = `file:///weir/nodes/${encodeURIComponent(nodeId)}/${path.map(encodeURIComponent).join('/')}.ts`;

  // The full-size editor: the same model in a large overlay. The caret travels with the code both ways, and focus
  // comes back to the field when it closes.
  const fieldApi = useRef<CodeEditorApi | null>(null);
  const expandedApi = useRef<CodeEditorApi | null>(null);
  const groupRef = useRef<HTMLFieldSetElement>(null);
  const [expanded, setExpanded] = useState<{ selections: unknown } | null>(null);
  const returning = useRef<{ selections: unknown } | null>(null);
  const open = () => setExpanded({ selections: fieldApi.current?.getSelections() ?? null });
  const close = () => {
    returning.current = { selections: expandedApi.current?.getSelections() ?? null };
    setExpanded(null);
  };
  useEffect(() => {
    const back = returning.current;
    if (expanded !== null || back === null) return;
    returning.current = null;
    if (fieldApi.current) {
      fieldApi.current.setSelections(back.selections);
      fieldApi.current.focus();
    } else groupRef.current?.querySelector<HTMLElement>('textarea')?.focus();
  }, [expanded]);
  const onKeyDownCapture = (e: KeyboardEvent) => {
    if (!isExpandShortcut(e)) return;
    // Before Monaco sees it (its listeners are on the editor, below): the shortcut is the field's, not the editor's.
    e.preventDefault();
    e.stopPropagation();
    if (expanded) close();
    else open();
  };
  const problemList = (label: string) =>
    (markers.length > 0 || typeWarnings.length > 0) && (
      <ul className="code-field__problems" aria-label={label}>
        {markers.map((m, i) => (
          <li key={i} className={`code-field__problem code-field__problem--${m.severity}`}>
            {markerLabel(m)}
          </li>
        ))}
        {typeWarnings.map((w, i) => (
          <li key={`type:${i}`} className="code-field__problem code-field__problem--warning">
            Type error, {w.message}
          </li>
        ))}
      </ul>
    );
  const hint = (
    <p className="code-field__hint">
      Types you can use: <code>Value</code> (shaped like the samples upstream),{' '}
      <code>{contextType(field?.exports ?? [], signature)}</code>. Imports are not allowed.
    </p>
  );

  return (
    <div className="code-field" onKeyDownCapture={onKeyDownCapture}>
      <div className="code-field__bar">
        {text.trim() === '' && field && (
          <button type="button" className="code-field__template" onClick={() => onChange(codeLines(field.template))}>
            Start from the template
          </button>
        )}
        <button
          type="button"
          className="button button--small button--quiet code-field__expand"
          title={`Open this code full size, in a large editor (${EXPAND_SHORTCUT}; Escape or ${EXPAND_SHORTCUT} closes it)`}
          aria-keyshortcuts={IS_MAC ? 'Meta+Shift+E' : 'Control+Shift+E'}
          aria-haspopup="dialog"
          onClick={open}
        >
          <span aria-hidden="true">⤢</span> Expand
        </button>
      </div>
      {/* `nokey`: React Flow leaves keys typed in here alone (Space would pan the canvas instead of typing a space). */}
      <fieldset className="code-field__editor nokey" aria-label={ariaLabel} ref={groupRef}>
        <EditorBoundary fallback={plain}>
          <Suspense fallback={plain}>
            <MonacoCodeEditor
              modelPath={modelPath}
              text={text}
              onChangeText={onChangeText}
              markers={markers}
              valueTypes={valueTypes}
              ariaLabel={`${ariaLabel} (editor)`}
              apiRef={fieldApi}
            />
          </Suspense>
        </EditorBoundary>
      </fieldset>
      {problemList(`Problems in the code of ${nodeId}`)}
      {hint}
      {expanded &&
        createPortal(
          <ExpandedCodeOverlay
            title={`${node?.label ?? nodeId}${field ? ` · ${field.label}` : ''}`}
            ariaLabel={`${ariaLabel}, full size`}
            signature={signature}
            onClose={close}
            expandedApi={expandedApi}
            footer={
              <>
                {problemList(`Problems in the code of ${nodeId} (full size)`)}
                {hint}
              </>
            }
          >
            <EditorBoundary
              fallback={
                <PlainCodeArea ariaLabel={`${ariaLabel} (full size)`} text={text} onChangeText={onChangeText} full />
              }
            >
              <Suspense
                fallback={
                  <PlainCodeArea ariaLabel={`${ariaLabel} (full size)`} text={text} onChangeText={onChangeText} full />
                }
              >
                <ExpandedCodeEditor
                  modelPath={modelPath}
                  text={text}
                  valueTypes={valueTypes}
                  ariaLabel={`${ariaLabel} (full-size editor)`}
                  initialSelections={expanded.selections}
                  apiRef={expandedApi}
                />
              </Suspense>
            </EditorBoundary>
          </ExpandedCodeOverlay>,
          window.document.body,
        )}
    </div>
  );
}

interface ExpandedCodeOverlayProps {
  title: string;
  ariaLabel: string;
  signature: string;
  onClose(): void;
  expandedApi: { current: CodeEditorApi | null };
  footer: ReactNode;
  children: ReactNode;
}

/**
 * The frame of the full-size editor: a modal over most of the window. Escape closes it unless the editor used the
 * key itself (to close its suggestions, say: Monaco stops the keys it handles from reaching here).
 */
function ExpandedCodeOverlay({
  title,
  ariaLabel,
  signature,
  onClose,
  expandedApi,
  footer,
  children,
}: ExpandedCodeOverlayProps) {
  const closeRef = useRef<HTMLButtonElement>(null);
  const onKeyDown = (e: KeyboardEvent) => {
    // Keys pressed in here are the dialog's: the editor's shortcuts (Delete, Ctrl+Z on the graph) must not act on
    // the pipeline behind it.
    e.stopPropagation();
    if (e.key === 'Escape' && !e.defaultPrevented) {
      e.preventDefault();
      onClose();
    } else if (e.key === 'Tab' && e.target === closeRef.current) {
      // Two stops in the dialog, the editor and Close: Tab from Close goes back to the editor, not behind the modal.
      e.preventDefault();
      expandedApi.current?.focus();
    }
  };
  // The dialog covers the window and dims the page; its frame is the panel within. It is open from the start and
  // not shown modal: Monaco keeps widgets (its live region, for one) outside it, which a modal dialog would make inert.
  return (
    <dialog
      open
      className="code-overlay"
      aria-modal="true"
      aria-label={ariaLabel}
      onKeyDown={onKeyDown}
      onMouseDown={(e) => {
        // A press on the dimmed page around the panel closes it, as Close does (the code is already saved).
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div className="code-overlay__dialog nokey">
        <header className="code-overlay__header">
          <strong className="code-overlay__title">{title}</strong>
          <code className="code-overlay__signature">{signature}</code>
          <span className="code-overlay__keys">Escape or {EXPAND_SHORTCUT} to go back</span>
          <button
            ref={closeRef}
            type="button"
            className="button button--small"
            title={`Back to the inspector (Escape or ${EXPAND_SHORTCUT})`}
            onClick={onClose}
          >
            Close
          </button>
        </header>
        <fieldset className="code-overlay__editor" aria-label={`${ariaLabel} (editor)`}>
          {children}
        </fieldset>
        <div className="code-overlay__footer">{footer}</div>
      </div>
    </dialog>
  );
}
