/**
 * What one node did in the last run: the records that went in and came out (by port), its errors with the records
 * that caused them, its `ctx.log` lines, a timeline of its windows, and its state per key.
 */
import { useMemo, useState } from 'react';
import { Segmented } from './Segmented.tsx';
import { operatorFor } from '../../../../shared/operators/registry.ts';
import type { PipelineDoc } from '../../../../shared/pipeline/types.ts';
import { useWeirStore } from '../../store/index.ts';
import { fromJsonText, SINK_PORT, type ErrorEntry } from '../protocol.ts';
import { emptyNodeResult, inputRecords } from '../results.ts';
import { RecordsTable } from './RecordsTable.tsx';
import { WindowTimeline } from './WindowTimeline.tsx';
import { StateView } from './StateView.tsx';
import { VirtualList } from './VirtualList.tsx';
import { clip, formatCount, formatTime } from './format.ts';

type Tab = 'records' | 'errors' | 'logs' | 'timeline' | 'state';
type Direction = 'out' | 'in';

const EMPTY = emptyNodeResult();

export function NodeResults({ nodeId, doc }: { nodeId: string; doc: PipelineDoc }) {
  const node = doc.nodes.find((n) => n.id === nodeId);
  const { result, allResults, status, step, states } = useWeirStore((s) => ({
    result: s.nodeResults[nodeId] ?? EMPTY,
    allResults: s.nodeResults,
    status: s.simulationStatus,
    step: s.simulationStep,
    states: s.nodeStates,
  }));
  const definition = node ? operatorFor(node.type) : undefined;
  const isSource = definition?.role === 'source';
  const isSink = definition?.role === 'sink';
  const [tab, setTab] = useState<Tab>('records');
  const [direction, setDirection] = useState<Direction>(isSink ? 'in' : 'out');
  const [port, setPort] = useState('');
  const inputs = useMemo(
    () => (isSource ? [] : inputRecords(doc, allResults, nodeId)),
    [doc, allResults, nodeId, isSource],
  );
  const shownDirection: Direction = isSource ? 'out' : direction;
  const base = shownDirection === 'out' ? result.records : inputs;
  const ports = useMemo(() => [...new Set(base.map((r) => r.port))], [base]);
  const records = useMemo(() => (port === '' ? base : base.filter((r) => r.port === port)), [base, port]);
  if (!node)
    return <p className="sim-empty">The node {nodeId} is not in the simulated pipeline; run the simulation again.</p>;

  const total = Object.values(result.counts).reduce((a, b) => a + b, 0);
  const tabs: Array<[Tab, string]> = [
    ['records', 'Records'],
    ['errors', `Errors${result.errorCount ? ` (${formatCount(result.errorCount)})` : ''}`],
    ['logs', `Log${result.logCount ? ` (${formatCount(result.logCount)})` : ''}`],
  ];
  if (definition?.windowed) tabs.push(['timeline', 'Timeline']);
  if (definition?.keyed) tabs.push(['state', 'State']);
  const outLabel = isSink ? `Written to ${String(node.params.topic ?? 'the topic')}` : 'Output';
  const nothingYet =
    status === 'running'
      ? 'Nothing yet…'
      : `No record ${shownDirection === 'out' ? (isSink ? 'was written' : 'left') : 'reached'} ${nodeId}${port ? ` on port ${port}` : ''} in this run.`;

  return (
    <div className="sim-node">
      <div className="sim-node__header">
        <strong className="sim-node__title">{node.label ?? nodeId}</strong>
        <span className="sim-node__type">{definition?.label ?? node.type}</span>
        <span className="sim-node__counts">
          {Object.entries(result.counts)
            .filter(([p]) => p !== SINK_PORT)
            .map(([p, n]) => `${p}: ${formatCount(n)}`)
            .join(' · ') || (isSink ? `written: ${formatCount(result.counts[SINK_PORT] ?? 0)}` : '')}
        </span>
        <span className="sim-node__watermark" title="The node's watermark: event time it has reached">
          watermark {formatTime(result.watermark)}
        </span>
      </div>
      <div className="sim-tabs" role="tablist" aria-label={`Results of ${nodeId}`}>
        {tabs.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            aria-selected={tab === id}
            className={`sim-tab${tab === id ? ' is-active' : ''}`}
            onClick={() => setTab(id)}
          >
            {label}
          </button>
        ))}
      </div>
      {tab === 'records' && (
        <>
          <div className="sim-node__filters">
            {!isSource && (
              <Segmented
                label="Direction"
                value={shownDirection}
                options={[
                  { value: 'in', label: 'Input' },
                  { value: 'out', label: outLabel },
                ]}
                onChange={(value) => {
                  setDirection(value);
                  setPort('');
                }}
              />
            )}
            <label className="sim-node__port">
              Port{' '}
              <select className="input" aria-label="Port filter" value={port} onChange={(e) => setPort(e.target.value)}>
                <option value="">all ports</option>
                {ports.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </label>
            {shownDirection === 'out' && base.length < total && (
              <span className="sim-node__note">
                showing the newest {formatCount(base.length)} of {formatCount(total)}
              </span>
            )}
          </div>
          <RecordsTable
            label={`${shownDirection === 'out' ? 'Output' : 'Input'} records of ${nodeId}`}
            records={records}
            currentStep={step}
            emptyText={nothingYet}
          />
        </>
      )}
      {tab === 'errors' && (
        <ErrorList errors={result.errors} count={result.errorCount} nodeId={nodeId} policy={node.onError ?? 'fail'} />
      )}
      {tab === 'logs' &&
        (result.logs.length === 0 ? (
          <p className="sim-empty">No log lines. Call ctx.log(…) in {nodeId}'s code to see values here.</p>
        ) : (
          <>
            {result.logCount > result.logs.length && (
              <p className="sim-node__note">
                The newest {formatCount(result.logs.length)} of {formatCount(result.logCount)} lines.
              </p>
            )}
            <VirtualList
              label={`Log of ${nodeId}`}
              items={result.logs}
              rowHeight={22}
              keyOf={(l) => l.seq}
              className="sim-log"
              row={(l) => (
                <>
                  <span className="sim-log__step">step {l.step}</span>
                  <span className="mono sim-log__text" title={l.text}>
                    {l.text}
                  </span>
                </>
              )}
            />
          </>
        ))}
      {tab === 'timeline' && (
        <WindowTimeline
          nodeId={nodeId}
          events={result.windowEvents}
          inputs={inputs}
          outputs={result.records}
          watermarks={result.watermarks}
          watermark={result.watermark}
        />
      )}
      {tab === 'state' && <StateView nodeId={nodeId} states={states} step={step} />}
    </div>
  );
}

function ErrorList({
  errors,
  count,
  nodeId,
  policy,
}: {
  errors: ErrorEntry[];
  count: number;
  nodeId: string;
  policy: string;
}) {
  const [selected, setSelected] = useState<number | null>(null);
  if (errors.length === 0) return <p className="sim-empty">No record failed in {nodeId}.</p>;
  const what = policy === 'route' ? 'routed to the error port' : policy === 'skip' ? 'skipped' : 'stopped the run';
  const chosen = selected === null ? undefined : errors.find((e) => e.seq === selected);
  return (
    <div className="sim-errors">
      <p className="sim-node__note">
        {formatCount(count)} record{count === 1 ? '' : 's'} failed ({what}, onError: {policy})
        {errors.length < count ? `; the newest ${formatCount(errors.length)} are listed` : ''}. Select one to see its
        input in full.
      </p>
      <VirtualList
        label={`Errors of ${nodeId}`}
        items={errors}
        rowHeight={24}
        keyOf={(e) => e.seq}
        className="sim-errors__list"
        row={(e) => (
          <button
            type="button"
            className={`sim-error${e.seq === selected ? ' is-selected' : ''}`}
            onClick={() => setSelected(e.seq === selected ? null : e.seq)}
          >
            <span className="sim-log__step">step {e.step}</span>
            <span className="sim-error__message">{e.message}</span>
            <span className="mono sim-error__input">{clip(e.inputJson, 300)}</span>
          </button>
        )}
      />
      {chosen && (
        <figure className="bare-figure" aria-label="Input of the selected error">
          <pre className="sim-records__detail">{JSON.stringify(fromJsonText(chosen.inputJson), null, 2)}</pre>
        </figure>
      )}
    </div>
  );
}
