/**
 * Monaco, bundled with its workers (no CDN: the editor works offline and behind any firewall), cut down to what UDF
 * editing needs: the editor features and TypeScript. Loaded only when a code field first opens, so the canvas does
 * not wait for several megabytes of editor.
 */
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/register.all';
import 'monaco-editor/languages/definitions/typescript/register';
import { ModuleKind, ScriptTarget, typescriptDefaults } from 'monaco-editor/languages/features/typescript/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import TypeScriptWorker from 'monaco-editor/language/typescript/ts.worker?worker';
import { UDF_DECLARATIONS, UDF_DECLARATIONS_PATH } from '../../../shared/udf/declarations.ts';

self.MonacoEnvironment = {
  getWorker(_workerId: string, label: string) {
    return label === 'typescript' || label === 'javascript' ? new TypeScriptWorker() : new EditorWorker();
  },
};

typescriptDefaults.setCompilerOptions({
  target: ScriptTarget.ES2020,
  module: ModuleKind.ESNext,
  // User code runs in a sandbox with no DOM and no Node: offer only the language's own library.
  lib: ['es2022'],
  allowNonTsExtensions: true,
  // `(e) => e.event_type === 'x'` is how people write a filter; an implicit `any` is not a mistake here.
  noImplicitAny: false,
  strictNullChecks: true,
  noEmit: true,
});
typescriptDefaults.setEagerModelSync(true);
typescriptDefaults.addExtraLib(UDF_DECLARATIONS, UDF_DECLARATIONS_PATH);

/** Matches the editor's dark palette (web/src/styles/app.css): inputs sit on --bg-input. */
export const THEME = 'weir-dark';
monaco.editor.defineTheme(THEME, {
  base: 'vs-dark',
  inherit: true,
  rules: [],
  colors: {
    'editor.background': '#0c1117',
    'editorGutter.background': '#0c1117',
    'editorLineNumber.foreground': '#5f6f84',
    'editor.lineHighlightBackground': '#151c25',
  },
});

const VALUE_TYPES_PATH = 'file:///weir/value-types.d.ts';
let valueTypes = { content: '', disposable: null as monaco.IDisposable | null };

/**
 * Declares `Value` (and `Left`/`Right` for joins) for the code field being edited. Extra libraries are global to
 * the TypeScript service, so one declaration file is shared and rewritten when another field takes focus.
 */
export function setValueTypes(content: string): void {
  if (content === valueTypes.content) return;
  valueTypes.disposable?.dispose();
  valueTypes = { content, disposable: typescriptDefaults.addExtraLib(content, VALUE_TYPES_PATH) };
}

export { monaco };
