/**
 * Every validation problem of the document, one line each: what it is about in the author's words (the node's label,
 * or its id), then the line `weir validate` prints. A click selects what the problem is about (a node, an edge, or
 * the pipeline) and brings it into view.
 */
import { formatProblem, type ValidationProblem } from '../../../shared/pipeline/errors.ts';
import { useWeirStore, weirStore } from '../store/index.ts';
import { edgeIds, edgeIndexOfPath, nodeIndexOfPath, problemSubject } from '../store/graph.ts';

function reveal(p: ValidationProblem): void {
  const state = weirStore.getState();
  const nodeIndex = nodeIndexOfPath(p.path);
  const node = nodeIndex === undefined ? undefined : state.document.nodes[nodeIndex];
  if (node) return state.focusNode(node.id);
  const edgeIndex = edgeIndexOfPath(p.path);
  const edgeId = edgeIndex === undefined ? undefined : edgeIds(state.document.edges)[edgeIndex];
  if (edgeId) return state.select([], [edgeId]);
  state.select([]);
}

export function ProblemsPanel() {
  const { problems, document } = useWeirStore((s) => ({ problems: s.problems, document: s.document }));
  if (problems.length === 0) {
    return (
      <div className="problems problems--none" role="status">
        No problems: <code>weir validate</code> would print <code>ok</code>.
      </div>
    );
  }
  return (
    <ul className="problems" aria-label="Problems">
      {problems.map((p, i) => {
        const subject = problemSubject(document, p.path);
        return (
          <li key={`${i}:${p.path}:${p.code}`}>
            <button type="button" className="problem" onClick={() => reveal(p)}>
              <span className="problem__icon" aria-hidden="true">
                ●
              </span>
              {subject !== undefined && (
                <>
                  <span className="problem__node">{subject}</span>
                  <span className="problem__dash"> — </span>
                </>
              )}
              <span className="problem__text">{formatProblem(p)}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
