/**
 * Every validation problem of the document, one line each: what it is about in the author's words (the node's label,
 * or its id), then the line `weir validate` prints. Below them the warnings: TypeScript's errors in user code and
 * fields the samples do not have, which the pipeline runs with but probably should not. A click selects what a line
 * is about (a node, an edge, or the pipeline) and brings it into view.
 */
import { formatProblem, type ValidationProblem } from '../../../shared/pipeline/errors.ts';
import type { EditorWarning } from '../code/edge-types.ts';
import { useWeirStore, weirStore } from '../store/index.ts';
import { edgeIds, edgeIndexOfPath, nodeIndexOfPath, problemSubject } from '../store/graph.ts';

function reveal(p: Pick<ValidationProblem, 'path'>): void {
  const state = weirStore.getState();
  const nodeIndex = nodeIndexOfPath(p.path);
  const node = nodeIndex === undefined ? undefined : state.document.nodes[nodeIndex];
  if (node) return state.focusNode(node.id);
  const edgeIndex = edgeIndexOfPath(p.path);
  const edgeId = edgeIndex === undefined ? undefined : edgeIds(state.document.edges)[edgeIndex];
  if (edgeId) return state.select([], [edgeId]);
  state.select([]);
}

interface Line {
  key: string;
  path: string;
  text: string;
}

/** One list of lines: the subject (a node's label) first, then the text; a click reveals what the path is about. */
function Lines({ label, lines, warning }: { label: string; lines: readonly Line[]; warning: boolean }) {
  const document = useWeirStore((s) => s.document);
  return (
    <ul className="problems" aria-label={label}>
      {lines.map((line) => {
        const subject = problemSubject(document, line.path);
        return (
          <li key={line.key}>
            <button
              type="button"
              className={`problem${warning ? ' problem--warning' : ''}`}
              onClick={() => reveal(line)}
            >
              <span className="problem__icon" aria-hidden="true">
                {warning ? '▲' : '●'}
              </span>
              {subject !== undefined && (
                <>
                  <span className="problem__node">{subject}</span>
                  <span className="problem__dash"> — </span>
                </>
              )}
              <span className="problem__text">{line.text}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function WarningLines({ warnings }: { warnings: readonly EditorWarning[] }) {
  const lines = warnings.map((w, i) => ({
    key: `${i}:${w.path}:${w.message}`,
    path: w.path,
    text: `${w.path}: ${w.kind === 'type' ? 'type error' : 'unknown field'}: ${w.message}`,
  }));
  return <Lines label="Warnings" lines={lines} warning />;
}

export function ProblemsPanel() {
  const { problems, warnings } = useWeirStore((s) => ({ problems: s.problems, warnings: s.warnings }));
  if (problems.length === 0) {
    return (
      <>
        <div className="problems problems--none" role="status">
          No problems: <code>weir validate</code> would print <code>ok</code>.
          {warnings.length > 0 &&
            ` ${warnings.length} warning${warnings.length === 1 ? '' : 's'}: it runs, but probably not as meant.`}
        </div>
        {warnings.length > 0 && <WarningLines warnings={warnings} />}
      </>
    );
  }
  const lines = problems.map((p, i) => ({ key: `${i}:${p.path}:${p.code}`, path: p.path, text: formatProblem(p) }));
  return (
    <>
      <Lines label="Problems" lines={lines} warning={false} />
      {warnings.length > 0 && <WarningLines warnings={warnings} />}
    </>
  );
}
