/**
 * Every validation problem of the document, one line each as `weir validate` prints it. A click selects what the
 * problem is about (a node, an edge, or the pipeline) and brings it into view.
 */
import { formatProblem, type ValidationProblem } from '../../../shared/pipeline/errors.ts';
import { useWeirStore, weirStore } from '../store/index.ts';
import { edgeIds, edgeIndexOfPath, nodeIndexOfPath } from '../store/graph.ts';

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
  const { problems, nodes } = useWeirStore((s) => ({ problems: s.problems, nodes: s.document.nodes }));
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
        const index = nodeIndexOfPath(p.path);
        const node = index === undefined ? undefined : nodes[index];
        return (
          <li key={`${i}:${p.path}:${p.code}`}>
            <button type="button" className="problem" onClick={() => reveal(p)}>
              <span className="problem__icon" aria-hidden="true">
                ●
              </span>
              {node && <span className="problem__node">{node.label ?? node.id}</span>}
              <span className="problem__text">{formatProblem(p)}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
