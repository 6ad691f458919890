/**
 * An edge between two ports. After a simulation it shows how many records went along it: every edge leaving a port
 * carries every record of that port (SPEC §1), so the count is the port's.
 */
import { memo } from 'react';
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react';
import { useWeirStore } from '../store/index.ts';
import type { PortFlowEdge } from '../store/flow.ts';
import { LiveEdgeRate } from '../deploy/LiveCanvas.tsx';
import { recordedOutputs, typesOf } from '../code/edge-types.ts';

function PortEdgeView({ id, source, data, selected, markerEnd, ...geometry }: EdgeProps<PortFlowEdge>) {
  const port = data?.fromPort ?? 'out';
  const count = useWeirStore((s) => {
    const counts = s.portCounts[source];
    return counts === undefined ? undefined : (counts[port] ?? 0);
  });
  // The type of the values on the edge, as a tooltip (a string, so the edge renders again only when it changes).
  const type = useWeirStore(
    (s) => typesOf(s.document, recordedOutputs(s.nodeResults)).edges.get(id)?.text ?? 'unknown',
  );
  const [path, labelX, labelY] = getBezierPath(geometry);
  return (
    <>
      <title>{`${source}.${port} → values: ${type}`}</title>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={selected ? 'is-selected' : undefined} />
      {count !== undefined && (
        <EdgeLabelRenderer>
          <div
            className={`edge-count${count === 0 ? ' edge-count--zero' : ''}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            title={`${count} record${count === 1 ? '' : 's'} on ${source}.${port}`}
          >
            {count.toLocaleString()}
          </div>
        </EdgeLabelRenderer>
      )}
      <LiveEdgeRate source={source} port={port} x={labelX} y={labelY} belowCount={count !== undefined} />
    </>
  );
}

export const PortEdge = memo(PortEdgeView);
