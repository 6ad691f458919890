/**
 * Asks the TypeScript worker that Monaco runs for the squiggles about every code field, open or not. Each field is
 * checked as a model of its own (`file:///weir/check/…`) holding its code and, after it, its own `Value` (and
 * `Left`/`Right`) as module-local types, so fields fed by different sources are checked against their own types
 * at once. Line and column are those of the code: the declarations come after it. Loaded lazily, with Monaco.
 */
import { getTypeScriptWorker } from 'monaco-editor/languages/features/typescript/register';
import { monaco } from './monaco.ts';
import type { TypeCheckRequest, TypeDiagnostic } from './type-warnings.ts';

/** TypeScript's diagnostic categories: only errors become warnings (suggestions are Monaco's business). */
const ERROR = 1;
/** Imports are the UDF compiler's problem (E_UDF_IMPORT): "cannot find module" would say it twice. */
const LEFT_TO_THE_COMPILER = new Set([2307, 2792]);

const models = new Map<string, monaco.editor.ITextModel>();

function modelFor(request: TypeCheckRequest): monaco.editor.ITextModel {
  const key = `${request.nodeId}/${request.path.join('/')}`;
  // The declarations follow the code, and `export {}` keeps them local to this module even if the code has no export.
  const content = `${request.text}\n\n${request.declarations}\nexport {};\n`;
  let model = models.get(key);
  if (!model || model.isDisposed()) {
    const uri = monaco.Uri.parse(
      `file:///weir/check/${encodeURIComponent(request.nodeId)}/${request.path.map(encodeURIComponent).join('/')}.ts`,
    );
    model = monaco.editor.getModel(uri) ?? monaco.editor.createModel(content, 'typescript', uri);
    models.set(key, model);
  }
  if (model.getValue() !== content) model.setValue(content);
  return model;
}

function flatten(text: string | { messageText: string; next?: unknown[] }): string {
  if (typeof text === 'string') return text;
  const next = (text.next?.[0] ?? null) as { messageText: string; next?: unknown[] } | null;
  return next ? `${text.messageText} ${flatten(next)}` : text.messageText;
}

export async function checkTypes(requests: readonly TypeCheckRequest[]): Promise<TypeDiagnostic[][]> {
  const current = requests.map(modelFor);
  const kept = new Set(current);
  for (const [key, model] of models) {
    if (!kept.has(model)) {
      model.dispose();
      models.delete(key);
    }
  }
  if (current.length === 0) return [];
  const worker = await (await getTypeScriptWorker())(...current.map((m) => m.uri));
  return Promise.all(
    current.map(async (model, i) => {
      const codeLength = requests[i]!.text.length;
      const diagnostics = await worker.getSemanticDiagnostics(model.uri.toString());
      return diagnostics
        .filter(
          (d) =>
            d.category === ERROR && !LEFT_TO_THE_COMPILER.has(d.code) && d.start !== undefined && d.start <= codeLength,
        )
        .map((d) => {
          const at = model.getPositionAt(d.start!);
          return { line: at.lineNumber, column: at.column, message: flatten(d.messageText as never), code: d.code };
        });
    }),
  );
}
