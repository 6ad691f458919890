/**
 * The running job on the canvas (live-canvas.ts): a line of live figures under each node, the records per second on
 * each edge, and an outline round the node that holds the job back.
 *
 * Live figures and simulation counts are both shown, told apart: live ones carry a green "live" dot and are rates
 * ("/s"), simulation counts are plain record counts; on an edge that has a simulation count the live rate sits just
 * below it.
 */
import { EdgeLabelRenderer } from '@xyflow/react';
import { roleOf } from '../../../shared/operators/registry.ts';
import { useWeirStore } from '../store/index.ts';
import { useLiveCanvas, useLiveCanvasFeed } from './live-canvas.ts';
import { formatLiveRate, nodeLine } from './live-figures.ts';
import './live-canvas.css';

/** Keeps the live figures on the open document's deployment; renders nothing. Mounted once, in the app. */
export function LiveCanvasFeed() {
  const documentId = useWeirStore((s) => s.document.id);
  useLiveCanvasFeed(documentId);
  return null;
}

/** Inside an operator node: its live line, and the outline when it holds the job back. */
export function LiveNodeFigures({ id }: { id: string }) {
  const figures = useLiveCanvas((s) => s.figures?.nodes[id]);
  const holding = useLiveCanvas((s) => (s.figures?.holdingBack?.nodeId === id ? s.figures.holdingBack.reason : null));
  const deploymentId = useLiveCanvas((s) => s.deploymentId);
  const source = useWeirStore((s) => roleOf(s.document.nodes.find((n) => n.id === id)?.type ?? '') === 'source');
  if (figures === undefined) return null;
  const line = nodeLine(figures, source);
  const title = [
    `Live, deployment ${deploymentId ?? ''}: ${line}`,
    ...(figures.outPerSecond === undefined || source ? [] : [`${formatLiveRate(figures.outPerSecond)} out`]),
    ...(holding ? [`Holds the job back. ${holding}`] : []),
  ].join('\n');
  return (
    <>
      {holding !== null && <div className="op-node__holding" aria-hidden="true" />}
      <div
        className={`op-node__live${holding !== null ? ' op-node__live--holding' : ''}${figures.errors > 0 ? ' op-node__live--errors' : ''}`}
        title={title}
        data-live-node={id}
      >
        <span className="live-dot" aria-hidden="true" />
        <span className="op-node__live-line">{line}</span>
        {holding !== null && <span className="op-node__live-holding">holds the job back</span>}
      </div>
    </>
  );
}

/** On an edge: the live records per second of its source port, below the simulation count when there is one. */
export function LiveEdgeRate({
  source,
  port,
  x,
  y,
  belowCount,
}: {
  source: string;
  port: string;
  x: number;
  y: number;
  belowCount: boolean;
}) {
  const rate = useLiveCanvas((s) => s.figures?.nodes[source]?.ports[port]);
  if (rate === undefined) return null;
  return (
    <EdgeLabelRenderer>
      <div
        className={`edge-live${rate === 0 ? ' edge-live--zero' : ''}`}
        style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y + (belowCount ? 20 : 0)}px)` }}
        title={`Live: ${formatLiveRate(rate)} records on ${source}.${port} (the running deployment)`}
        data-live-edge={`${source}.${port}`}
      >
        <span className="live-dot" aria-hidden="true" />
        {formatLiveRate(rate)}
      </div>
    </EdgeLabelRenderer>
  );
}
