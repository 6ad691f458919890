/**
 * The simulation's results. With one node selected, that node's records, errors, log, timeline and state; with none,
 * an overview: how many records each node emitted and what the sinks wrote, in the order `weir simulate` prints it.
 */
import { useMemo } from 'react';
import { roleOf } from '../../../../shared/operators/registry.ts';
import { clip, formatCount } from './format.ts';
import { useWeirStore } from '../../store/index.ts';
import { SINK_PORT } from '../protocol.ts';
import { sinkEntries } from '../results.ts';
import { NodeResults } from './NodeResults.tsx';
import { RecordsTable } from './RecordsTable.tsx';
import { SimulationControls } from './SimulationControls.tsx';
import '../simulation.css';

function FailureBanner() {
  const failure = useWeirStore((s) => s.simulationFailure);
  const select = useWeirStore((s) => s.select);
  if (!failure) return null;
  return (
    <div className="sim-failure" role="alert">
      <strong>
        The run stopped
        {failure.nodeId ? (
          <>
            {' '}
            at{' '}
            <button type="button" className="link-button" onClick={() => select([failure.nodeId!])}>
              {failure.nodeId}
            </button>
          </>
        ) : null}
        :
      </strong>{' '}
      {failure.message}
      {failure.inputJson !== undefined && (
        <div className="sim-failure__input">
          offending input: <code>{clip(failure.inputJson, 500)}</code>
        </div>
      )}
    </div>
  );
}

function Overview() {
  const { doc, results, step, status } = useWeirStore((s) => ({
    doc: s.simulatedDocument ?? s.document,
    results: s.nodeResults,
    step: s.simulationStep,
    status: s.simulationStatus,
  }));
  const select = useWeirStore((s) => s.select);
  const written = useMemo(() => sinkEntries(doc, results), [doc, results]);
  return (
    <div className="sim-overview">
      <table className="sim-overview__nodes" aria-label="Records per node">
        <thead>
          <tr>
            <th>node</th>
            <th>records out, by port</th>
            <th>errors</th>
          </tr>
        </thead>
        <tbody>
          {doc.nodes.map((n) => {
            const r = results[n.id];
            const counts = r
              ? Object.entries(r.counts).map(([p, c]) => `${p === SINK_PORT ? 'written' : p}: ${formatCount(c)}`)
              : [];
            return (
              <tr key={n.id}>
                <td>
                  <button type="button" className="link-button" onClick={() => select([n.id])}>
                    {n.label ?? n.id}
                  </button>
                </td>
                <td className="mono">{counts.join(' · ') || '—'}</td>
                <td className={r?.errorCount ? 'sim-overview__errors' : ''}>
                  {r?.errorCount ? formatCount(r.errorCount) : '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="sim-overview__written">
        <h4>Written to sinks</h4>
        <RecordsTable
          label="Records written to sinks"
          records={written}
          portHeader="sink"
          currentStep={step}
          emptyText={status === 'running' ? 'Nothing yet…' : 'No sink received a record in this run.'}
        />
      </div>
      <p className="sim-node__note">Select a node on the canvas to see what went in and out of it.</p>
    </div>
  );
}

export function SimulationPanel() {
  const { status, hasSamples, selected, simulatedDoc } = useWeirStore((s) => ({
    status: s.simulationStatus,
    hasSamples: s.document.nodes.some((n) => roleOf(n.type) === 'source' && (n.samples?.length ?? 0) > 0),
    selected: s.selectedNodeIds.length === 1 ? s.selectedNodeIds[0]! : null,
    simulatedDoc: s.simulatedDocument,
  }));
  let body;
  if (status === 'idle' || simulatedDoc === null) {
    body = (
      <div className="sim-empty sim-empty--big">
        {hasSamples ? (
          <>
            Press <strong>Simulate</strong> to run your samples through the pipeline, or <strong>Step ▶</strong> to feed
            them one at a time.
          </>
        ) : (
          <>Give a source some samples first (select it, then Samples below), then press Simulate.</>
        )}
      </div>
    );
  } else if (selected !== null && simulatedDoc.nodes.some((n) => n.id === selected)) {
    body = <NodeResults key={selected} nodeId={selected} doc={simulatedDoc} />;
  } else {
    body = <Overview />;
  }
  return (
    <section className="sim-panel" aria-label="Simulation results">
      <SimulationControls />
      <FailureBanner />
      {body}
    </section>
  );
}
