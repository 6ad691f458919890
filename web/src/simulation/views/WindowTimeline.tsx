/**
 * Event time, drawn: one row per key, each window pane a bar from its start to its end (solid once fired, with a
 * mark per firing), the records that came in as dots, late records as red crosses, and the node's watermark as it
 * advanced (ticks on top) and where it stands now (the dashed line).
 */
import { useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import type { RecordEntry, WatermarkEntry, WindowEventEntry } from '../protocol.ts';
import { buildTimeline, type TimelinePane } from './timeline-model.ts';
import { formatKey, formatTick, formatTime, formatValue, ticks } from './format.ts';

export interface WindowTimelineProps {
  nodeId: string;
  events: readonly WindowEventEntry[];
  inputs: readonly RecordEntry[];
  outputs: readonly RecordEntry[];
  watermarks: readonly WatermarkEntry[];
  watermark: number;
}

const LABEL_WIDTH = 72;
const AXIS_HEIGHT = 22;
const WATERMARK_ROW = 18;
const ROW_HEIGHT = 30;
/** Within a row: result labels on top, the pane bar (with its records) below. */
const BAR_TOP = 12;
const BAR_HEIGHT = 14;
const RIGHT_PAD = 16;

function useWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(640);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.max(320, Math.floor(entry!.contentRect.width))));
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

/** How many characters of a result fit above a pane this many pixels wide (monospace, 10 px). */
function labelChars(width: number): number {
  return Math.floor((width - 24) / 6);
}

function paneTitle(p: TimelinePane, key: string): string {
  const fired = p.firedAt.length === 0 ? 'not fired yet' : `fired ${p.firedAt.length === 1 ? `at step ${p.firedAt[0]}` : `${p.firedAt.length} times (steps ${p.firedAt.join(', ')})`}`;
  const results = p.results.length > 0 ? `; result ${p.results.map((r) => formatValue(r, 80)).join(', then ')}` : '';
  return `key ${key} · window [${p.start}, ${p.end}) · opened at step ${p.openedAt} · ${fired}${p.purged ? (p.firedAt.length === 0 ? ' · merged into a larger session' : ' · state dropped') : ''}${results}`;
}

export function WindowTimeline({ nodeId, events, inputs, outputs, watermarks, watermark }: WindowTimelineProps) {
  const [keyFilter, setKeyFilter] = useState('');
  const hostRef = useRef<HTMLDivElement>(null);
  const width = useWidth(hostRef);
  const model = useMemo(() => buildTimeline(events, inputs, outputs, watermarks, watermark, { keyFilter }), [events, inputs, outputs, watermarks, watermark, keyFilter]);
  const plotWidth = width - LABEL_WIDTH - RIGHT_PAD;
  const x = (t: number) => LABEL_WIDTH + ((t - model.min) / (model.max - model.min)) * plotWidth;
  const rowOf = new Map(model.keys.map((k, i) => [k.keyId, i]));
  const top = AXIS_HEIGHT + WATERMARK_ROW;
  const height = top + Math.max(1, model.keys.length) * ROW_HEIGHT + 6;
  const rowY = (keyId: string) => top + rowOf.get(keyId)! * ROW_HEIGHT;
  const tickList = ticks(model.min, model.max, Math.max(2, Math.floor(plotWidth / 90)));
  const span = model.max - model.min;
  const inRange = (t: number) => t >= model.min && t <= model.max;
  const noTimeWindows = model.panes.length === 0 && model.countFirings > 0;

  return (
    <div className="sim-timeline" ref={hostRef}>
      <div className="sim-timeline__toolbar">
        <label>
          Key{' '}
          <input aria-label={`Filter the keys of ${nodeId}`} placeholder="filter" value={keyFilter} onChange={(e) => setKeyFilter(e.target.value)} />
        </label>
        <span className="sim-timeline__legend">
          <span className="legend legend--open">open pane</span>
          <span className="legend legend--fired">fired</span>
          <span className="legend legend--record">record</span>
          <span className="legend legend--late">late record</span>
          <span className="legend legend--watermark">watermark {formatTime(watermark)}</span>
        </span>
      </div>
      {noTimeWindows ? (
        <p className="sim-empty">Count windows have no extent in event time; {model.countFirings} firings are listed under Records.</p>
      ) : model.keys.length === 0 ? (
        <p className="sim-empty">{keyFilter ? `No key matches "${keyFilter}".` : 'No record reached this window yet.'}</p>
      ) : (
        <svg className="sim-timeline__svg" width={width} height={height} role="img" aria-label={`Event-time timeline of ${nodeId}`}>
          {tickList.map((t) => (
            <g key={t} className="sim-timeline__tick">
              <line x1={x(t)} x2={x(t)} y1={AXIS_HEIGHT - 4} y2={height} />
              <text x={x(t)} y={AXIS_HEIGHT - 8} textAnchor="middle">
                {formatTick(t, span)}
              </text>
            </g>
          ))}
          <text className="sim-timeline__rowlabel" x={4} y={AXIS_HEIGHT + 13}>
            watermark
          </text>
          {model.watermarks.filter(inRange).map((w, i) => (
            <line key={i} className="sim-timeline__wm-tick" x1={x(w)} x2={x(w)} y1={AXIS_HEIGHT + 3} y2={AXIS_HEIGHT + WATERMARK_ROW - 3}>
              <title>watermark {w}</title>
            </line>
          ))}
          {model.keys.map((k, i) => (
            <g key={k.keyId}>
              <rect className={`sim-timeline__row${i % 2 ? ' is-odd' : ''}`} x={0} y={top + i * ROW_HEIGHT} width={width} height={ROW_HEIGHT} />
              <text className="sim-timeline__rowlabel" x={4} y={top + i * ROW_HEIGHT + BAR_TOP + 10}>
                {formatKey(k.key).slice(0, 10)}
              </text>
            </g>
          ))}
          {model.panes.map((p) => {
            const y = rowY(p.keyId);
            const fired = p.firedAt.length > 0;
            return (
              <g key={`${p.keyId}|${p.start}|${p.end}`} className={`sim-timeline__pane${fired ? ' is-fired' : ''}${p.purged ? ' is-purged' : ''}${p.purged && !fired ? ' is-merged' : ''}`}>
                <rect x={x(p.start) + 1} y={y + BAR_TOP} width={Math.max(2, x(p.end) - x(p.start) - 2)} height={BAR_HEIGHT} rx={3}>
                  <title>{paneTitle(p, formatKey(model.keys[rowOf.get(p.keyId)!]!.key))}</title>
                </rect>
                {fired && (
                  <g className="sim-timeline__fire">
                    <path d={`M ${x(p.end) - 1} ${y + BAR_TOP - 1} l 6 4 l -6 4 z`} />
                    {p.firedAt.length > 1 && (
                      <text x={x(p.end) + 7} y={y + BAR_TOP + 6}>
                        ×{p.firedAt.length}
                      </text>
                    )}
                  </g>
                )}
                {fired && p.results.length > 0 && labelChars(x(p.end) - x(p.start)) >= 4 && (
                  <text className="sim-timeline__result" x={x(p.end) - 8} y={y + BAR_TOP - 2} textAnchor="end">
                    = {formatValue(p.results[p.results.length - 1], labelChars(x(p.end) - x(p.start)))}
                  </text>
                )}
              </g>
            );
          })}
          {model.records.map((r, i) => (
            <circle key={i} className="sim-timeline__record" cx={x(r.timestamp)} cy={rowY(r.keyId) + BAR_TOP + BAR_HEIGHT / 2} r={3}>
              <title>record at {r.timestamp} (step {r.step})</title>
            </circle>
          ))}
          {model.late.map((m, i) => {
            const cx = x(m.timestamp);
            const cy = rowY(m.keyId) + BAR_TOP + BAR_HEIGHT / 2;
            return (
              <path key={i} className="sim-timeline__late" d={`M ${cx - 5} ${cy - 5} L ${cx + 5} ${cy + 5} M ${cx - 5} ${cy + 5} L ${cx + 5} ${cy - 5}`}>
                <title>late record at {m.timestamp} (step {m.step}): its window had already passed the watermark</title>
              </path>
            );
          })}
          {Number.isFinite(watermark) && inRange(watermark) && (
            <g className="sim-timeline__watermark">
              <line x1={x(watermark)} x2={x(watermark)} y1={AXIS_HEIGHT} y2={height} />
              <title>watermark {watermark}</title>
            </g>
          )}
        </svg>
      )}
      {model.hiddenKeys > 0 && <p className="sim-timeline__more">{model.hiddenKeys} more key{model.hiddenKeys === 1 ? '' : 's'} not shown; filter to find one.</p>}
    </div>
  );
}
