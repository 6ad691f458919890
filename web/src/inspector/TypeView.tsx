/**
 * The type of the values on an edge or arriving at a port, in the inspector: monospace, the first lines only until
 * expanded (the full type is in the tooltip too), and where it comes from (the samples, the last simulation, the
 * operator).
 */
import { useState } from 'react';
import { useWeirStore } from '../store/index.ts';
import { edgeIds } from '../store/graph.ts';
import { recordedOutputs, typesOf, type FlowType } from '../code/edge-types.ts';
import './edge-types.css';

const SHOWN_LINES = 6;

const ORIGIN: Record<FlowType['origin'], string> = {
  samples: 'from the samples upstream',
  simulation: 'from the last simulation',
  operator: 'from the operator',
  unknown: 'unknown until a simulation runs',
};

export function TypeText({ type, label }: { type: FlowType; label: string }) {
  const [open, setOpen] = useState(false);
  const lines = type.text.split('\n');
  const long = lines.length > SHOWN_LINES;
  const shown = open || !long ? type.text : `${lines.slice(0, SHOWN_LINES - 1).join('\n')}\n  …`;
  return (
    <figure className="value-type" aria-label={label}>
      <div className="field__label">
        {label} <span className="value-type__origin">{ORIGIN[type.origin]}</span>
      </div>
      <pre className="value-type__text" title={type.text}>
        {shown}
      </pre>
      {long && (
        <button type="button" className="value-type__more" onClick={() => setOpen(!open)}>
          {open ? 'Show less' : `Show all ${lines.length} lines`}
        </button>
      )}
    </figure>
  );
}

/** The inferred types, for the document and the last simulation's records. */
export function useTypes() {
  const { document, nodeResults } = useWeirStore((s) => ({ document: s.document, nodeResults: s.nodeResults }));
  return typesOf(document, recordedOutputs(nodeResults));
}

/** A selected edge: what it connects and the type of its values. */
export function EdgeInspector({ edgeId }: { edgeId: string }) {
  const types = useTypes();
  const edge = useWeirStore((s) => s.document.edges[edgeIds(s.document.edges).indexOf(edgeId)]);
  const type = types.edges.get(edgeId);
  if (!edge || !type) return null;
  return (
    <div className="inspector__body">
      <h2 className="inspector__title">Connection</h2>
      <p className="inspector__subtitle">
        <code>
          {edge.from}.{edge.fromPort ?? 'out'}
        </code>{' '}
        →{' '}
        <code>
          {edge.to}.{edge.toPort ?? 'in'}
        </code>
      </p>
      <section className="inspector__section" aria-label="Values">
        <TypeText type={type} label="Value type" />
      </section>
      <p className="inspector__description">Press Delete to remove it.</p>
    </div>
  );
}

/** The type arriving at each input port of a node (nothing for a source). */
export function InputTypes({ nodeId, ports }: { nodeId: string; ports: readonly string[] }) {
  const types = useTypes();
  if (ports.length === 0) return null;
  return (
    <>
      {ports.map((port) => (
        <TypeText
          key={port}
          type={types.input(nodeId, port)}
          label={ports.length > 1 ? `Input type (${port})` : 'Input type'}
        />
      ))}
    </>
  );
}
