/**
 * The Monaco editor behind a code field. This module is loaded lazily (it pulls in Monaco); `CodeField` shows a
 * plain text area until it is ready, and instead of it if it fails to load.
 */
import { useEffect, useRef, type RefObject } from 'react';
import { monaco, setValueTypes, THEME } from './monaco.ts';
import type { CodeMarker } from './markers.ts';

/**
 * What `CodeField` may do with an editor it cannot see into: move the caret between the inspector's editor and the
 * full-size one, and give focus back. Selections are Monaco's, opaque to the field.
 */
export interface CodeEditorApi {
  focus(): void;
  getSelections(): unknown;
  setSelections(selections: unknown): void;
}

function editorApi(editor: monaco.editor.IStandaloneCodeEditor): CodeEditorApi {
  return {
    focus: () => editor.focus(),
    getSelections: () => editor.getSelections(),
    setSelections(selections) {
      const list = selections as monaco.ISelection[] | null;
      if (!list || list.length === 0) return;
      editor.setSelections(list);
      editor.revealRangeInCenterIfOutsideViewport(monaco.Selection.liftSelection(list[0]!));
    },
  };
}

/** The options both editors of a field share: the same look, and the same behaviour on the same model. */
function editorOptions(
  model: monaco.editor.ITextModel,
  ariaLabel: string,
): monaco.editor.IStandaloneEditorConstructionOptions {
  return {
    model,
    ariaLabel,
    theme: THEME,
    automaticLayout: true,
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    fontSize: 13,
    lineNumbersMinChars: 3,
    tabSize: 2,
    renderLineHighlight: 'none',
    overviewRulerLanes: 0,
    fixedOverflowWidgets: true,
    scrollbar: { alwaysConsumeMouseWheel: false },
    wordWrap: 'on',
    // TypeScript is given no inlay hint options (monaco.ts), so it has none to show; asking for them anyway cost a
    // round trip to its worker on every keystroke.
    inlayHints: { enabled: 'off' },
    // No inline completion provider ever answers here (the suggest widget's own one answers only when quick
    // suggestions are set to 'inline'), yet the machinery asked on every keystroke.
    inlineSuggest: { enabled: false },
  };
}

export interface MonacoCodeEditorProps {
  /** Identifies the model (`file:///weir/nodes/<node>/<path>.ts`), so each field keeps its own undo history. */
  modelPath: string;
  text: string;
  onChangeText(text: string): void;
  markers: readonly CodeMarker[];
  /** Declarations of `Value` (and `Left`/`Right`) for this field, made current when it takes focus. */
  valueTypes: string;
  ariaLabel: string;
  /** Set while the editor exists, for `CodeField` (focus, caret). */
  apiRef?: RefObject<CodeEditorApi | null>;
}

/** Lines shown however short the code: room to write a function without scrolling. */
const MIN_LINES = 12;
const MAX_HEIGHT = 480;

function toMonacoMarker(m: CodeMarker): monaco.editor.IMarkerData {
  return {
    ...m,
    severity: m.severity === 'error' ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
    source: 'weir',
  };
}

export default function MonacoCodeEditor({
  modelPath,
  text,
  onChangeText,
  markers,
  valueTypes,
  ariaLabel,
  apiRef,
}: MonacoCodeEditorProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  // The latest props, read by Monaco's callbacks, which are registered once.
  const latest = useRef({ onChangeText, valueTypes });
  latest.current = { onChangeText, valueTypes };
  const applyingProps = useRef(false);

  useEffect(() => {
    const host = hostRef.current!;
    const uri = monaco.Uri.parse(modelPath);
    const model = monaco.editor.getModel(uri) ?? monaco.editor.createModel(text, 'typescript', uri);
    if (model.getValue() !== text) model.setValue(text);
    const editor = monaco.editor.create(host, editorOptions(model, ariaLabel));
    editorRef.current = editor;
    if (apiRef) apiRef.current = editorApi(editor);
    setValueTypes(latest.current.valueTypes);
    const minHeight = MIN_LINES * editor.getOption(monaco.editor.EditorOption.lineHeight) + 8;
    // Grows with the code until the user drags the resize grip (the host's own corner); from then on their height holds.
    let resizedByUser = false;
    const onPointerDown = (e: PointerEvent) => {
      if (e.target === host) resizedByUser = true;
    };
    host.addEventListener('pointerdown', onPointerDown);
    let fitted = -1;
    const fitHeight = () => {
      if (resizedByUser) return;
      const height = Math.min(MAX_HEIGHT, Math.max(minHeight, editor.getContentHeight()));
      // The content size changes with nearly every keystroke (a line gets wider); only a new height needs the layout,
      // which makes Monaco render there and then, inside the key's handler, on top of its render in the next frame.
      if (height === fitted) return;
      fitted = height;
      host.style.height = `${height}px`;
      editor.layout();
    };
    fitHeight();
    const subscriptions = [
      editor.onDidContentSizeChange(fitHeight),
      editor.onDidFocusEditorText(() => setValueTypes(latest.current.valueTypes)),
      model.onDidChangeContent(() => {
        if (!applyingProps.current) latest.current.onChangeText(model.getValue());
      }),
    ];
    return () => {
      host.removeEventListener('pointerdown', onPointerDown);
      for (const s of subscriptions) s.dispose();
      if (apiRef) apiRef.current = null;
      editor.dispose();
      // The full-size editor (if open) shares this model; it goes with this field, which owns it.
      model.dispose();
      editorRef.current = null;
    };
    // The editor is made once per model; later prop changes are applied by the effects below.
  }, [modelPath]);

  // The document changed from elsewhere (undo, another view): apply it as an edit, keeping Monaco's own undo.
  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model || model.getValue() === text) return;
    applyingProps.current = true;
    try {
      model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null);
    } finally {
      applyingProps.current = false;
    }
  }, [text]);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (model) monaco.editor.setModelMarkers(model, 'weir', markers.map(toMonacoMarker));
  }, [markers, modelPath]);

  useEffect(() => {
    if (editorRef.current?.hasTextFocus()) setValueTypes(valueTypes);
  }, [valueTypes]);

  useEffect(() => {
    editorRef.current?.updateOptions({ ariaLabel });
  }, [ariaLabel]);

  return <div ref={hostRef} className="code-field__monaco" />;
}

export interface ExpandedCodeEditorProps {
  /** The model of the field's own editor: the same text, undo history, markers and types. */
  modelPath: string;
  /** Only used when the field's editor has not made the model yet. */
  text: string;
  valueTypes: string;
  ariaLabel: string;
  /** Where the caret starts: the field editor's selections when it was expanded. */
  initialSelections?: unknown;
  apiRef?: RefObject<CodeEditorApi | null>;
}

/**
 * A second, large editor on the model of a field's editor (`MonacoCodeEditor`). Monaco keeps text, undo stack and
 * markers on the model, and the TypeScript service checks the model, not the editor, so both show the same code,
 * squiggles and completions, and an edit in either is an edit of the field: its change listener (registered by the
 * field's editor on the model) writes it to the document. Closing disposes this editor only.
 */
export function ExpandedCodeEditor({
  modelPath,
  text,
  valueTypes,
  ariaLabel,
  initialSelections,
  apiRef,
}: ExpandedCodeEditorProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const latest = useRef({ valueTypes, initialSelections, text });
  latest.current = { valueTypes, initialSelections, text };

  useEffect(() => {
    const uri = monaco.Uri.parse(modelPath);
    const model = monaco.editor.getModel(uri) ?? monaco.editor.createModel(latest.current.text, 'typescript', uri);
    const editor = monaco.editor.create(hostRef.current!, {
      ...editorOptions(model, ariaLabel),
      fontSize: 14,
      lineNumbersMinChars: 4,
      renderLineHighlight: 'line',
      scrollBeyondLastLine: true,
    });
    const api = editorApi(editor);
    if (apiRef) apiRef.current = api;
    setValueTypes(latest.current.valueTypes);
    const focusing = editor.onDidFocusEditorText(() => setValueTypes(latest.current.valueTypes));
    api.setSelections(latest.current.initialSelections);
    editor.focus();
    return () => {
      if (apiRef) apiRef.current = null;
      focusing.dispose();
      editor.dispose();
    };
  }, [modelPath]);

  useEffect(() => {
    setValueTypes(valueTypes);
  }, [valueTypes]);

  return <div ref={hostRef} className="code-overlay__monaco" />;
}
