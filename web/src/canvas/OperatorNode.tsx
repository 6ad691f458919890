/**
 * The one node component of the canvas (registered at module scope, memo'ed — STYLE 9). It draws what the
 * document says about the node; problems and live simulation errors come from the store through narrow selectors,
 * never through `node.data`.
 */
import { memo, useEffect } from 'react';
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import { formatProblemAbout } from '../../../shared/pipeline/errors.ts';
import { useWeirStore } from '../store/index.ts';
import { nodeName } from '../store/graph.ts';
import type { OperatorFlowNode } from '../store/flow.ts';
import { CategoryIcon, categoryClass } from './CategoryIcon.tsx';
import { LiveNodeFigures } from '../deploy/LiveCanvas.tsx';
import { OutputPortButton } from './OutputPortButton.tsx';

/**
 * The title, one box per word: lines break between words only, and a word wider than the node (`page_view_counts`)
 * ends in an ellipsis instead of breaking in the middle.
 */
function TitleWords({ text }: { text: string }) {
  const words = text.split(/\s+/).filter((w) => w !== '');
  return words.map((word, i) => (
    <span key={i}>
      {i > 0 && ' '}
      <span className="op-node__word">{word}</span>
    </span>
  ));
}

function OperatorNodeView({ id, data, selected }: NodeProps<OperatorFlowNode>) {
  const { label, typeLabel, category, inputs, outputs } = data;
  // What the node draws of its document: its name. The data holds no more, so typing code leaves the node alone.
  const node = { id, label };
  const problemCount = useWeirStore((s) => s.problemsByNode[id]?.length ?? 0);
  // The badge's tooltip lists the problems as the problems list does: the node's name first, then the path. A string,
  // so that the node renders again only when the words change.
  const problemLines = useWeirStore(
    (s) => s.problemsByNode[id]?.map((p) => formatProblemAbout(p, nodeName(node))).join('\n') ?? '',
  );
  const warningCount = useWeirStore((s) => s.warningsByNode[id]?.length ?? 0);
  const warningLines = useWeirStore(
    (s) => s.warningsByNode[id]?.map((w) => `${nodeName(node)} — ${w.path}: ${w.message}`).join('\n') ?? '',
  );
  const errorCount = useWeirStore((s) => s.nodeErrorCounts[id] ?? 0);
  const updateNodeInternals = useUpdateNodeInternals();

  // Handles are measured once per node; when a param adds, removes or renames a port, they must be measured again.
  useEffect(() => updateNodeInternals(id), [id, inputs, outputs, updateNodeInternals]);

  const title = node.label ?? id;
  return (
    <div
      className={`op-node ${categoryClass(category)}${selected ? ' is-selected' : ''}${problemCount > 0 ? ' has-problems' : ''}`}
    >
      <div className="op-node__header">
        <span className="op-node__icon">
          <CategoryIcon category={category} />
        </span>
        <div className="op-node__titles">
          <div className="op-node__title" title={title}>
            <TitleWords text={title} />
          </div>
          <div className="op-node__type" title={node.label !== undefined ? `${typeLabel} · ${id}` : typeLabel}>
            {typeLabel}
            {node.label !== undefined && <span className="op-node__id"> · {id}</span>}
          </div>
        </div>
        <div className="op-node__badges">
          {problemCount > 0 && (
            <span
              className="badge badge--problem"
              title={`${problemCount} validation problem${problemCount === 1 ? '' : 's'}:\n${problemLines}`}
              role="img"
              aria-label={`${problemCount} problems`}
            >
              {problemCount}
            </span>
          )}
          {warningCount > 0 && (
            <span
              className="badge badge--warning"
              title={`${warningCount} warning${warningCount === 1 ? '' : 's'} (the pipeline still runs):\n${warningLines}`}
              role="img"
              aria-label={`${warningCount} warnings`}
            >
              {warningCount}
            </span>
          )}
          {errorCount > 0 && (
            <span
              className="badge badge--error"
              title={`${errorCount} record error${errorCount === 1 ? '' : 's'} in the last simulation`}
              role="img"
              aria-label={`${errorCount} errors`}
            >
              ⚠ {errorCount}
            </span>
          )}
        </div>
      </div>
      <div className="op-node__ports">
        <div className="op-node__port-column">
          {inputs.map((port) => (
            <div className="op-node__port op-node__port--in" key={port}>
              <Handle
                type="target"
                position={Position.Left}
                id={port}
                className="port-handle"
                aria-label={`${id} ${port}`}
                data-port={port}
                data-port-kind="in"
              />
              <span>{port}</span>
            </div>
          ))}
        </div>
        <div className="op-node__port-column op-node__port-column--out">
          {outputs.map((port) => (
            <div className={`op-node__port op-node__port--out port--${port}`} key={port}>
              <OutputPortButton nodeId={id} nodeLabel={nodeName(node)} port={port} />
              <Handle
                type="source"
                position={Position.Right}
                id={port}
                className="port-handle"
                aria-label={`${id} ${port}`}
                data-port={port}
                data-port-kind="out"
              />
            </div>
          ))}
        </div>
      </div>
      <LiveNodeFigures id={id} />
    </div>
  );
}

export const OperatorNode = memo(OperatorNodeView);
