/**
 * Records in a virtualized table (thousands of rows scroll without rendering thousands of elements): step, port,
 * key, timestamp and value. Selecting a row shows its value in full below.
 *
 * Window results (`{ key, window, result }`, what window nodes emit) get columns of their own: the window as a time
 * range, the key, the timestamp and the whole result, wrapped over as many lines as it needs (those rows are measured
 * as they render, so the table stays virtualized). Other records in the same list (a window's late records) show
 * their value in the result column, on one line.
 */
import { useMemo, useRef, useState, type CSSProperties } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { fromJsonText, type RecordEntry } from '../protocol.ts';
import { clip, formatKey, formatTime, timeTitle } from './format.ts';
import { formatWindowRange, hasWindowResults, windowResultOf, windowTitle } from './window-results.ts';

export interface RecordsTableProps {
  label: string;
  records: readonly RecordEntry[];
  /** Rows of this step are highlighted (step mode). */
  currentStep?: number | null;
  emptyText: string;
  /** What the port column holds (the sink, in a list of what sinks wrote). */
  portHeader?: string;
}

const ROW_HEIGHT = 26;

export function RecordsTable({
  label,
  records,
  currentStep = null,
  emptyText,
  portHeader = 'port',
}: RecordsTableProps) {
  const scrollRef = useRef<HTMLTableSectionElement>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const windows = useMemo(() => hasWindowResults(records), [records]);
  const virtualizer = useVirtualizer({
    count: records.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    // Measured sizes belong to records, not to positions: the list drops its oldest records as new ones come.
    getItemKey: (index) => records[index]?.seq ?? index,
    overscan: 12,
  });
  if (records.length === 0) return <p className="sim-empty">{emptyText}</p>;
  const chosen = selected !== null ? records.find((r) => r.seq === selected) : undefined;
  return (
    <div className="sim-records">
      {/* A real table, laid out by CSS as the virtualized list it is: the body scrolls, its rows are placed. */}
      <table
        className={`sim-records__table${windows ? ' sim-records__table--windows' : ''}`}
        aria-label={label}
        aria-rowcount={records.length + 1}
      >
        <thead>
          <tr className="sim-records__row sim-records__row--header" aria-rowindex={1}>
            <th scope="col" title="The sample being processed when the record was emitted">
              step
            </th>
            <th scope="col">{portHeader}</th>
            {windows && (
              <th scope="col" title="The window's time range, from its start (inclusive) to its end (exclusive)">
                window
              </th>
            )}
            <th scope="col">key</th>
            <th scope="col">timestamp</th>
            <th scope="col">{windows ? 'result' : 'value'}</th>
          </tr>
        </thead>
        <tbody
          className="sim-records__body"
          ref={scrollRef}
          style={{ '--rows-height': `${virtualizer.getTotalSize()}px` } as CSSProperties}
        >
          {virtualizer.getVirtualItems().map((item) => {
            const r = records[item.index]!;
            const classes = ['sim-records__row', `port--${r.port}`];
            if (r.step === currentStep) classes.push('is-current');
            if (r.seq === selected) classes.push('is-selected');
            const windowRow = windows ? windowResultOf(r) : null;
            const toggle = () => setSelected(r.seq === selected ? null : r.seq);
            return (
              <tr
                key={r.seq}
                aria-rowindex={item.index + 2}
                aria-selected={r.seq === selected}
                tabIndex={0}
                className={classes.join(' ')}
                data-index={item.index}
                ref={windows ? virtualizer.measureElement : undefined}
                style={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  right: 0,
                  ...(windows ? { minHeight: ROW_HEIGHT } : { height: ROW_HEIGHT }),
                  transform: `translateY(${item.start}px)`,
                }}
                onClick={toggle}
                onKeyDown={(e) => {
                  if (e.key !== 'Enter' && e.key !== ' ') return;
                  e.preventDefault();
                  toggle();
                }}
              >
                <td className="sim-records__step">{r.step}</td>
                <td title={r.port}>
                  <span className={`port-chip port-chip--${r.port}`}>{r.port}</span>
                </td>
                {windows && (
                  <td
                    className="mono sim-records__window"
                    title={windowRow ? windowTitle(windowRow.window) : 'Not a window result'}
                  >
                    {windowRow ? formatWindowRange(windowRow.window) : '—'}
                  </td>
                )}
                <td className="mono">{formatKey(windowRow ? windowRow.key : r.key)}</td>
                <td className="mono" title={timeTitle(r.timestamp)}>
                  {formatTime(r.timestamp)}
                </td>
                {windowRow ? (
                  <td className="mono sim-records__result">{windowRow.resultText}</td>
                ) : (
                  <td className="mono sim-records__value">{clip(r.json)}</td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {chosen && (
        <figure className="bare-figure" aria-label="Selected record">
          <pre className="sim-records__detail">
            {JSON.stringify(
              { key: chosen.key, timestamp: chosen.timestamp, port: chosen.port, value: fromJsonText(chosen.json) },
              null,
              2,
            )}
          </pre>
        </figure>
      )}
    </div>
  );
}
