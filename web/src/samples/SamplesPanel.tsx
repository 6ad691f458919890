/**
 * The samples of a source node (SPEC §2): what a simulation feeds it. Edited as a table or as JSON, imported from a
 * JSON Lines, JSON or CSV file, or generated from a small template. Every change is a document edit (undoable);
 * large generated runs can instead be simulated without being stored.
 */
import { useCallback, useMemo, useState } from 'react';
import type { Sample } from '../../../shared/pipeline/types.ts';
import { useWeirStore, weirStore } from '../store/index.ts';
import {
  moveSample,
  newRecordSample,
  newWatermarkSample,
  problemsByIndex,
  removeSample,
  replaceSample,
} from './edit.ts';
import { SamplesTable } from './SamplesTable.tsx';
import { SamplesJson } from './SamplesJson.tsx';
import { SamplesImport } from './SamplesImport.tsx';
import { SamplesGenerator } from './SamplesGenerator.tsx';
import './samples.css';

export interface SamplesPanelProps {
  /** The id of a source node. */
  nodeId: string;
}

type Tab = 'table' | 'json' | 'import' | 'generate';

const TABS: ReadonlyArray<[Tab, string]> = [
  ['table', 'Table'],
  ['json', 'JSON'],
  ['import', 'Import'],
  ['generate', 'Generate'],
];

const NO_SAMPLES: readonly Sample[] = [];

function eventTimeHint(params: Record<string, unknown> | undefined): string {
  const ts = params?.timestamp as { from?: string; field?: string; format?: string } | undefined;
  if (ts?.from === 'field')
    return `Event time comes from the value's field "${ts.field}"${ts.format && ts.format !== 'ms' ? ` (${ts.format})` : ''}.`;
  return 'Event time is each sample\'s "timestamp".';
}

export function SamplesPanel({ nodeId }: SamplesPanelProps) {
  const { samples, params } = useWeirStore((s) => {
    const node = s.document.nodes.find((n) => n.id === nodeId);
    return { samples: node?.samples ?? NO_SAMPLES, params: node?.params };
  });
  const [tab, setTab] = useState<Tab>('table');
  const problems = useMemo(() => problemsByIndex(samples), [samples]);

  // Edits read the samples at the moment of the edit, so callbacks stay stable for memoized rows.
  const edit = useCallback(
    (recipe: (current: readonly Sample[]) => Sample[] | undefined, coalesce?: string) => {
      const state = weirStore.getState();
      const current = state.document.nodes.find((n) => n.id === nodeId)?.samples ?? NO_SAMPLES;
      const next = recipe(current);
      if (next === undefined || next === current) return;
      state.setNodeValue(nodeId, ['samples'], next, coalesce ? { coalesce } : undefined);
    },
    [nodeId],
  );
  const onReplace = useCallback(
    (index: number, sample: Sample) => edit((s) => replaceSample(s, index, sample), `samples:${nodeId}:${index}`),
    [edit, nodeId],
  );
  const onMove = useCallback((from: number, to: number) => edit((s) => moveSample(s, from, to)), [edit]);
  const onRemove = useCallback((index: number) => edit((s) => removeSample(s, index)), [edit]);
  const setAll = useCallback((next: Sample[]) => edit(() => next), [edit]);

  return (
    <section className="samples-panel" aria-label={`Samples of ${nodeId}`}>
      <header className="samples-panel__header">
        <div className="samples-panel__tabs" role="tablist" aria-label="Sample views">
          {TABS.map(([id, label]) => (
            <button
              key={id}
              type="button"
              role="tab"
              aria-selected={tab === id}
              className={`samples-panel__tab${tab === id ? ' is-active' : ''}`}
              onClick={() => setTab(id)}
            >
              {label}
            </button>
          ))}
        </div>
        <span className="samples-panel__count">
          {samples.length.toLocaleString()} sample{samples.length === 1 ? '' : 's'}
          {problems.size > 0 && <span className="samples-panel__problems"> · {problems.size} with problems</span>}
        </span>
      </header>
      {tab === 'table' && (
        <>
          <p className="samples-panel__hint">{eventTimeHint(params)} Watermark rows move event time by hand.</p>
          {samples.length === 0 ? (
            <p className="samples-panel__empty">
              No samples yet. Add a record, paste JSON, import a file or generate some: a simulation feeds these to the
              pipeline.
            </p>
          ) : (
            <SamplesTable
              nodeId={nodeId}
              samples={samples}
              problems={problems}
              onReplace={onReplace}
              onMove={onMove}
              onRemove={onRemove}
            />
          )}
          <div className="samples-panel__actions">
            <button
              type="button"
              className="button button--small"
              onClick={() => edit((s) => [...s, newRecordSample(s)])}
            >
              + Record
            </button>
            <button
              type="button"
              className="button button--small"
              onClick={() => edit((s) => [...s, newWatermarkSample(s)])}
            >
              + Watermark
            </button>
            {samples.length > 0 && (
              <button type="button" className="button button--small button--quiet" onClick={() => edit(() => [])}>
                Remove all
              </button>
            )}
          </div>
        </>
      )}
      {tab === 'json' && <SamplesJson nodeId={nodeId} samples={samples} onApply={setAll} />}
      {tab === 'import' && <SamplesImport nodeId={nodeId} samples={samples} onApply={setAll} />}
      {tab === 'generate' && <SamplesGenerator nodeId={nodeId} samples={samples} onApply={setAll} />}
    </section>
  );
}
