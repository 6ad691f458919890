/**
 * The Monaco editor behind a code field. This module is loaded lazily (it pulls in Monaco); `CodeField` shows a
 * plain text area until it is ready, and instead of it if it fails to load.
 */
import { useEffect, useRef } from 'react';
import { monaco, setValueTypes, THEME } from './monaco.ts';
import type { CodeMarker } from './markers.ts';

export interface MonacoCodeEditorProps {
  /** Identifies the model (`file:///weir/nodes/<node>/<path>.ts`), so each field keeps its own undo history. */
  modelPath: string;
  text: string;
  onChangeText(text: string): void;
  markers: readonly CodeMarker[];
  /** Declarations of `Value` (and `Left`/`Right`) for this field, made current when it takes focus. */
  valueTypes: string;
  ariaLabel: string;
}

/** Lines shown however short the code: room to write a function without scrolling. */
const MIN_LINES = 12;
const MAX_HEIGHT = 480;

function toMonacoMarker(m: CodeMarker): monaco.editor.IMarkerData {
  return { ...m, severity: m.severity === 'error' ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning, source: 'weir' };
}

export default function MonacoCodeEditor({ modelPath, text, onChangeText, markers, valueTypes, ariaLabel }: MonacoCodeEditorProps) {
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
    const editor = monaco.editor.create(host, {
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
    });
    editorRef.current = editor;
    setValueTypes(latest.current.valueTypes);
    const minHeight = MIN_LINES * editor.getOption(monaco.editor.EditorOption.lineHeight) + 8;
    // Grows with the code until the user drags the resize grip (the host's own corner); from then on their height holds.
    let resizedByUser = false;
    const onPointerDown = (e: PointerEvent) => {
      if (e.target === host) resizedByUser = true;
    };
    host.addEventListener('pointerdown', onPointerDown);
    const fit = () => {
      if (resizedByUser) return;
      const height = Math.min(MAX_HEIGHT, Math.max(minHeight, editor.getContentHeight()));
      host.style.height = `${height}px`;
      editor.layout();
    };
    fit();
    const subscriptions = [
      editor.onDidContentSizeChange(fit),
      editor.onDidFocusEditorText(() => setValueTypes(latest.current.valueTypes)),
      model.onDidChangeContent(() => {
        if (!applyingProps.current) latest.current.onChangeText(model.getValue());
      }),
    ];
    return () => {
      host.removeEventListener('pointerdown', onPointerDown);
      for (const s of subscriptions) s.dispose();
      editor.dispose();
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
