/**
 * Event time, drawn: one row per key, each window pane a bar from its start to its end (solid once fired, with a
 * mark per firing), the records that came in as dots, late records as red crosses, and the node's watermark as it
 * advanced (ticks on top) and where it stands now (the dashed line).
 *
 * Only the event-time range in view is drawn (see timeline-view.ts): a small run shows whole, a large one (100 000
 * samples) opens on its first records and is zoomed with the buttons and scrolled with the bar under the plot.
 */
import { useEffect, useId, useMemo, useRef, useState, type RefObject } from 'react';
import type { RecordEntry, WatermarkEntry, WindowEventEntry } from '../protocol.ts';
import { buildTimeline, type TimelineMark, type TimelinePane } from './timeline-model.ts';
import { byTime, clampView, initialView, MARK_BUDGET, marksIn, zoomView, type TimeRange } from './timeline-view.ts';
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
/** Marks this many pixels outside the plot are still drawn, so that one half in view shows whole. */
const OVERSCAN_PX = 8;
const ZOOM_STEP = 2;

/** One path of dots (radius `r`), one per pixel column, for marks too many to draw one by one. */
function dotsPath(points: Iterable<[number, number]>, r: number): string {
  const seen = new Set<string>();
  let d = '';
  for (const [cx, cy] of points) {
    const px = Math.round(cx);
    const id = `${px}:${cy}`;
    if (seen.has(id)) continue;
    seen.add(id);
    d += `M${px - r} ${cy}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0`;
  }
  return d;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

function paneClass(p: TimelinePane): string {
  const fired = p.firedAt.length > 0;
  return `sim-timeline__pane${fired ? ' is-fired' : ''}${p.purged ? ' is-purged' : ''}${p.purged && !fired ? ' is-merged' : ''}`;
}

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
  const fired =
    p.firedAt.length === 0
      ? 'not fired yet'
      : `fired ${p.firedAt.length === 1 ? `at step ${p.firedAt[0]}` : `${p.firedAt.length} times (steps ${p.firedAt.join(', ')})`}`;
  const results = p.results.length > 0 ? `; result ${p.results.map((r) => formatValue(r, 80)).join(', then ')}` : '';
  return `key ${key} · window [${p.start}, ${p.end}) · opened at step ${p.openedAt} · ${fired}${p.purged ? (p.firedAt.length === 0 ? ' · merged into a larger session' : ' · state dropped') : ''}${results}`;
}

export function WindowTimeline({ nodeId, events, inputs, outputs, watermarks, watermark }: WindowTimelineProps) {
  const [keyFilter, setKeyFilter] = useState('');
  const hostRef = useRef<HTMLDivElement>(null);
  const width = useWidth(hostRef);
  const model = useMemo(
    () => buildTimeline(events, inputs, outputs, watermarks, watermark, { keyFilter }),
    [events, inputs, outputs, watermarks, watermark, keyFilter],
  );
  const sorted = useMemo(() => ({ records: byTime(model.records), late: byTime(model.late) }), [model]);
  const full: TimeRange = { start: model.min, end: model.max };
  const [zoom, setZoom] = useState<TimeRange | null>(null);
  const view = clampView(zoom ?? initialView(sorted.records, full), full);
  const zoomed = view.end - view.start < full.end - full.start;
  const plotWidth = width - LABEL_WIDTH - RIGHT_PAD;
  const x = (t: number) => LABEL_WIDTH + ((t - view.start) / (view.end - view.start)) * plotWidth;
  const rowOf = new Map(model.keys.map((k, i) => [k.keyId, i]));
  const top = AXIS_HEIGHT + WATERMARK_ROW;
  const height = top + Math.max(1, model.keys.length) * ROW_HEIGHT + 6;
  const rowY = (keyId: string) => top + rowOf.get(keyId)! * ROW_HEIGHT;
  const tickList = ticks(view.start, view.end, Math.max(2, Math.floor(plotWidth / 90)));
  const span = view.end - view.start;
  const inRange = (t: number) => t >= view.start && t <= view.end;
  const noTimeWindows = model.panes.length === 0 && model.countFirings > 0;

  // What is in view, with the overscan.
  const overscan = (OVERSCAN_PX / Math.max(1, plotWidth)) * span;
  const drawn = { start: view.start - overscan, end: view.end + overscan };
  const records = marksIn(sorted.records, drawn);
  const late = marksIn(sorted.late, drawn);
  const panes = model.panes.filter((p) => p.end >= drawn.start && p.start <= drawn.end);
  const wmTicks = model.watermarks.filter(inRange);
  const markY = (m: TimelineMark) => rowY(m.keyId) + BAR_TOP + BAR_HEIGHT / 2;

  const setView = (next: TimeRange) => setZoom(clampView(next, full));
  const svgId = useId();
  const scrollRef = useRef<HTMLDivElement>(null);
  const scrollWidth = plotWidth * ((full.end - full.start) / span);
  useEffect(() => {
    const bar = scrollRef.current;
    if (!bar) return;
    const left = ((view.start - full.start) / (full.end - full.start)) * scrollWidth;
    if (Math.abs(bar.scrollLeft - left) > 1) bar.scrollLeft = left;
  });
  const onScroll = () => {
    const bar = scrollRef.current;
    if (!bar) return;
    const start = full.start + (bar.scrollLeft / scrollWidth) * (full.end - full.start);
    if (Math.abs(start - view.start) > span / plotWidth) setView({ start, end: start + span });
  };

  return (
    <div className="sim-timeline" ref={hostRef}>
      <div className="sim-timeline__toolbar">
        <label>
          Key{' '}
          <input
            aria-label={`Filter the keys of ${nodeId}`}
            placeholder="filter"
            value={keyFilter}
            onChange={(e) => setKeyFilter(e.target.value)}
          />
        </label>
        <span className="sim-timeline__legend">
          <span className="legend legend--open">open pane</span>
          <span className="legend legend--fired">fired</span>
          <span className="legend legend--record">record</span>
          <span className="legend legend--late">late record</span>
          <span className="legend legend--watermark">watermark {formatTime(watermark)}</span>
        </span>
        <fieldset className="sim-timeline__zoom" aria-label={`Zoom the timeline of ${nodeId}`}>
          <button type="button" onClick={() => setView(zoomView(view, full, 1 / ZOOM_STEP))} disabled={span <= 1e-3}>
            Zoom in
          </button>
          <button type="button" onClick={() => setView(zoomView(view, full, ZOOM_STEP))} disabled={!zoomed}>
            Zoom out
          </button>
          <button type="button" onClick={() => setView(full)} disabled={!zoomed}>
            Whole range
          </button>
          {zoomed && (
            <span className="sim-timeline__range">
              {formatTick(view.start, span)} – {formatTick(view.end, span)}
            </span>
          )}
        </fieldset>
      </div>
      {noTimeWindows ? (
        <p className="sim-empty">
          Count windows have no extent in event time; {model.countFirings} firings are listed under Records.
        </p>
      ) : model.keys.length === 0 ? (
        <p className="sim-empty">
          {keyFilter ? `No key matches "${keyFilter}".` : 'No record reached this window yet.'}
        </p>
      ) : (
        <>
          <svg
            id={svgId}
            className="sim-timeline__svg"
            width={width}
            height={height}
            role="img"
            aria-label={`Event-time timeline of ${nodeId}`}
          >
            <defs>
              <clipPath id={`sim-timeline-plot-${nodeId}`}>
                <rect x={LABEL_WIDTH - OVERSCAN_PX} y={0} width={width - LABEL_WIDTH + OVERSCAN_PX} height={height} />
              </clipPath>
            </defs>
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
            {wmTicks.length > MARK_BUDGET ? (
              <path
                className="sim-timeline__wm-tick"
                d={[...new Set(wmTicks.map((w) => Math.round(x(w))))]
                  .map((px) => `M${px} ${AXIS_HEIGHT + 3}V${AXIS_HEIGHT + WATERMARK_ROW - 3}`)
                  .join('')}
              />
            ) : (
              wmTicks.map((w, i) => (
                <line
                  key={i}
                  className="sim-timeline__wm-tick"
                  x1={x(w)}
                  x2={x(w)}
                  y1={AXIS_HEIGHT + 3}
                  y2={AXIS_HEIGHT + WATERMARK_ROW - 3}
                >
                  <title>watermark {w}</title>
                </line>
              ))
            )}
            {model.keys.map((k, i) => (
              <g key={k.keyId}>
                <rect
                  className={`sim-timeline__row${i % 2 ? ' is-odd' : ''}`}
                  x={0}
                  y={top + i * ROW_HEIGHT}
                  width={width}
                  height={ROW_HEIGHT}
                />
                <text className="sim-timeline__rowlabel" x={4} y={top + i * ROW_HEIGHT + BAR_TOP + 10}>
                  {formatKey(k.key).slice(0, 10)}
                </text>
              </g>
            ))}
            <g clipPath={`url(#sim-timeline-plot-${nodeId})`}>
              {panes.length > MARK_BUDGET
                ? [...groupBy(panes, paneClass)].map(([className, group]) => (
                    <g key={className} className={className}>
                      <path
                        className="sim-timeline__panes"
                        d={group
                          .map(
                            (p) =>
                              `M${x(p.start) + 1} ${rowY(p.keyId) + BAR_TOP}h${Math.max(2, x(p.end) - x(p.start) - 2)}v${BAR_HEIGHT}h${-Math.max(2, x(p.end) - x(p.start) - 2)}z`,
                          )
                          .join('')}
                      />
                    </g>
                  ))
                : panes.map((p) => {
                    const y = rowY(p.keyId);
                    const fired = p.firedAt.length > 0;
                    return (
                      <g key={`${p.keyId}|${p.start}|${p.end}`} className={paneClass(p)}>
                        <rect
                          x={x(p.start) + 1}
                          y={y + BAR_TOP}
                          width={Math.max(2, x(p.end) - x(p.start) - 2)}
                          height={BAR_HEIGHT}
                          rx={3}
                        >
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
              {records.length > MARK_BUDGET ? (
                <path
                  className="sim-timeline__records"
                  d={dotsPath(
                    records.map((r) => [x(r.timestamp), markY(r)]),
                    3,
                  )}
                />
              ) : (
                records.map((r, i) => (
                  <circle key={i} className="sim-timeline__record" cx={x(r.timestamp)} cy={markY(r)} r={3}>
                    <title>
                      record at {r.timestamp} (step {r.step})
                    </title>
                  </circle>
                ))
              )}
              {late.map((m, i) => {
                const cx = x(m.timestamp);
                const cy = markY(m);
                return (
                  <path
                    key={i}
                    className="sim-timeline__late"
                    d={`M ${cx - 5} ${cy - 5} L ${cx + 5} ${cy + 5} M ${cx - 5} ${cy + 5} L ${cx + 5} ${cy - 5}`}
                  >
                    <title>
                      late record at {m.timestamp} (step {m.step}): its window had already passed the watermark
                    </title>
                  </path>
                );
              })}
            </g>
            {Number.isFinite(watermark) && inRange(watermark) && (
              <g className="sim-timeline__watermark">
                <line x1={x(watermark)} x2={x(watermark)} y1={AXIS_HEIGHT} y2={height} />
                <title>watermark {watermark}</title>
              </g>
            )}
          </svg>
          {zoomed && (
            <div
              className="sim-timeline__scroll"
              ref={scrollRef}
              onScroll={onScroll}
              style={{ marginLeft: LABEL_WIDTH, width: plotWidth }}
              // A scroll bar through event time: focused, the arrow keys scroll it.
              role="scrollbar"
              tabIndex={0}
              aria-label={`Scroll the timeline of ${nodeId}`}
              aria-controls={svgId}
              aria-orientation="horizontal"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(((view.start - full.start) / (full.end - full.start - span)) * 100)}
              aria-valuetext={`${formatTick(view.start, span)} – ${formatTick(view.end, span)}`}
            >
              <div style={{ width: scrollWidth, height: 1 }} />
            </div>
          )}
        </>
      )}
      {model.hiddenKeys > 0 && (
        <p className="sim-timeline__more">
          {model.hiddenKeys} more key{model.hiddenKeys === 1 ? '' : 's'} not shown; filter to find one.
        </p>
      )}
    </div>
  );
}
