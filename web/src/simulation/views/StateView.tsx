/** A keyed node's state per key, as its snapshot holds it (after the last sample, or at the end of the run). */
import { useMemo, useState } from 'react';
import { Segmented } from './Segmented.tsx';
import type { StateSnapshots } from '../protocol.ts';
import { stateRows } from './state-model.ts';
import { formatKey, formatTime } from './format.ts';

export interface StateViewProps {
  nodeId: string;
  states: StateSnapshots | null;
  /** Step mode: the state is the one after this step. */
  step: number | null;
}

type Moment = 'beforeEnd' | 'final';

function compactOrPretty(value: unknown): string {
  const compact = JSON.stringify(value) ?? 'undefined';
  return compact.length < 80 ? compact : JSON.stringify(value, null, 2);
}

export function StateView({ nodeId, states, step }: StateViewProps) {
  const hasBeforeEnd = states?.beforeEnd != null;
  const [moment, setMoment] = useState<Moment>('beforeEnd');
  const [raw, setRaw] = useState(false);
  const chosen: Moment = hasBeforeEnd ? moment : 'final';
  const text = states ? (chosen === 'beforeEnd' ? states.beforeEnd?.[nodeId] : states.final[nodeId]) : undefined;
  const parsed = useMemo(() => (text === undefined ? undefined : (JSON.parse(text) as unknown)), [text]);
  const view = useMemo(() => (parsed === undefined ? null : stateRows(parsed)), [parsed]);

  if (states === null)
    return (
      <p className="sim-empty">State appears when a run ends or pauses. Press Simulate, or step through the samples.</p>
    );
  return (
    <div className="sim-state">
      <div className="sim-state__toolbar">
        {hasBeforeEnd ? (
          <Segmented
            label="Which state"
            value={chosen}
            options={[
              { value: 'beforeEnd', label: 'After the last sample' },
              { value: 'final', label: 'After end of input' },
            ]}
            onChange={setMoment}
          />
        ) : (
          <span className="sim-state__moment">{step !== null ? `After step ${step}` : 'When the run stopped'}</span>
        )}
        <label className="sim-state__raw">
          <input type="checkbox" checked={raw} onChange={(e) => setRaw(e.target.checked)} /> Raw snapshot
        </label>
      </div>
      {view === null || (view.keyed && view.rows.length === 0) ? (
        <p className="sim-empty">
          {chosen === 'final' && hasBeforeEnd
            ? 'No state left: end of input fired every window and timer, and dropped their state.'
            : 'No state held for any key.'}
        </p>
      ) : raw || !view.keyed ? (
        <pre className="sim-state__raw-json">{JSON.stringify(parsed, null, 2)}</pre>
      ) : (
        <table className="sim-state__table" aria-label={`State of ${nodeId} per key`}>
          <thead>
            <tr>
              <th>key</th>
              <th title="hash(key) mod maxParallelism: the unit in which state moves between workers">key group</th>
              <th>state</th>
              <th>timers</th>
            </tr>
          </thead>
          <tbody>
            {view.rows.map((row) => (
              <tr key={formatKey(row.key)}>
                <td className="mono">{formatKey(row.key)}</td>
                <td className="mono">{row.keyGroup}</td>
                <td className="mono sim-state__value">
                  <pre>{compactOrPretty(row.state)}</pre>
                </td>
                <td className="mono">
                  {Object.entries(row.timers)
                    .map(([queue, times]) => `${queue}: ${times.map(formatTime).join(', ')}`)
                    .join('; ') || '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
