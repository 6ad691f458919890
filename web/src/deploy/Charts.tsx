/**
 * A deployment's figures over time (its history from the server, extended by the live readings): records in and out
 * per second per node, consumer lag per source partition, the last checkpoint's duration and size, with restarts
 * (and failed checkpoints) marked. Plain SVG, no chart library: a handful of small line charts over at most a few
 * hundred points need two linear scales, a path per series and some ticks — less code than fitting a library's
 * defaults to the panel, and nothing new to download, audit or keep up to date.
 */
import { useLayoutEffect, useRef, useState, type RefObject } from 'react';
import type { DeploymentHistory, HistoryPoint } from '../../../shared/api/deployments.ts';
import { formatBytes, formatMs } from './format.ts';
import {
  describe,
  failedCheckpointMarkers,
  formatClock,
  formatSpan,
  lagSeries,
  lastValue,
  niceScale,
  nodeSeries,
  restartMarkers,
  timeTicks,
  type Marker,
  type Series,
} from './chart-model.ts';

const HEIGHT = 124;
const MARGIN = { top: 8, right: 12, bottom: 20, left: 46 };
/** Colours of the series (deploy.css: .chart__series--N); further series repeat them dashed. */
const PALETTE_SIZE = 8;
/** The time axis spans at least this much, so the first points do not stretch over the whole width. */
const MIN_SPAN_MS = 60_000;

interface Frame {
  times: number[];
  domain: [number, number];
  resolutionMs: number;
}

const COMPACT = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const formatCompact = (n: number) => COMPACT.format(n);
const formatRate = (n: number) => `${COMPACT.format(n)}/s`;

export function DeploymentCharts({
  history,
  error,
  labels,
}: {
  history: DeploymentHistory | null;
  error: string | null;
  labels: Record<string, string>;
}) {
  if (history === null) {
    return (
      <section className="deployment-charts" aria-label="Charts over time" aria-busy="true">
        <p className="deployment-charts__empty">Loading the history…</p>
      </section>
    );
  }
  const points = history.points;
  const span = history.resolutionMs * history.capacity;
  return (
    <section className="deployment-charts" aria-label="Charts over time" data-points={points.length}>
      <h4 className="deployment-charts__heading">
        Over time{' '}
        <span>
          last {formatSpan(span)}, a point every {formatSpan(history.resolutionMs)}
        </span>
      </h4>
      {error && (
        <p className="deployment-charts__note">
          The server's history could not be loaded ({error}): the charts start now.
        </p>
      )}
      {points.length === 0 ? (
        <p className="deployment-charts__empty">No history yet: charts fill in as the deployment runs.</p>
      ) : (
        <ChartGrid points={points} resolutionMs={history.resolutionMs} labels={labels} />
      )}
    </section>
  );
}

function ChartGrid({
  points,
  resolutionMs,
  labels,
}: {
  points: HistoryPoint[];
  resolutionMs: number;
  labels: Record<string, string>;
}) {
  const times = points.map((p) => p.at);
  const last = times.at(-1)!;
  const frame: Frame = { times, domain: [Math.min(times[0]!, last - MIN_SPAN_MS), last], resolutionMs };
  const restarts = restartMarkers(points);
  const failed = failedCheckpointMarkers(points);
  const checkpointMarkers = [...restarts, ...failed];
  const lag = lagSeries(points);
  // A sum of rises: the count starts from 0 again with each deploy and resume.
  const restartCount = restarts.reduce((n, m) => n + m.count, 0);
  return (
    <>
      <div className="deployment-charts__grid">
        <LineChart
          title="Records in per second"
          series={nodeSeries(points, (n) => n.inPerSecond, labels)}
          frame={frame}
          format={formatRate}
          tick={formatCompact}
          markers={restarts}
        />
        <LineChart
          title="Records out per second"
          series={nodeSeries(points, (n) => n.outPerSecond, labels)}
          frame={frame}
          format={formatRate}
          tick={formatCompact}
          markers={restarts}
        />
        <LineChart
          title="Consumer lag (records)"
          series={lag.series}
          frame={frame}
          format={formatCompact}
          tick={formatCompact}
          markers={restarts}
          note={lag.note}
        />
        <LineChart
          title="Checkpoint duration"
          series={[{ key: 'duration', label: 'duration', values: points.map((p) => p.checkpoints.lastDurationMs) }]}
          frame={frame}
          format={formatMs}
          tick={formatMs}
          markers={checkpointMarkers}
        />
        <LineChart
          title="Checkpoint size"
          series={[{ key: 'size', label: 'size', values: points.map((p) => p.checkpoints.lastSizeBytes) }]}
          frame={frame}
          format={formatBytes}
          tick={formatBytes}
          unitBase={1024}
          markers={checkpointMarkers}
        />
      </div>
      <p className="deployment-charts__key">
        {restarts.length > 0 && (
          <span>
            <span className="deployment-charts__key-restart" aria-hidden="true" /> restart
          </span>
        )}
        {failed.length > 0 && (
          <span>
            <span className="deployment-charts__key-failed" aria-hidden="true" /> failed checkpoint
          </span>
        )}
        <span className="deployment-charts__restarts">
          {restartCount === 0
            ? 'No restarts in this period.'
            : `${restartCount} restart${restartCount === 1 ? '' : 's'} in this period.`}
        </span>
      </p>
    </>
  );
}

function LineChart({
  title,
  series,
  frame,
  format,
  tick,
  markers,
  note,
  unitBase,
}: {
  title: string;
  series: Series[];
  frame: Frame;
  format: (value: number) => string;
  tick: (value: number) => string;
  markers: Marker[];
  note?: string | null;
  /** 1024 for bytes. */
  unitBase?: number;
}) {
  const ref = useRef<HTMLElement>(null);
  const width = useWidth(ref);
  const plotWidth = Math.max(40, width - MARGIN.left - MARGIN.right);
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const [from, to] = frame.domain;
  const x = (t: number) => MARGIN.left + ((t - from) / (to - from)) * plotWidth;
  let max = 0;
  for (const s of series) for (const v of s.values) if (v !== null && v > max) max = v;
  const scale = niceScale(max, unitBase);
  const y = (v: number) => MARGIN.top + plotHeight - (v / scale.top) * plotHeight;
  const latest = series.map((s) => ({ series: s, value: lastValue(s.values) }));
  const summary = describe(title, latest, format, markers);
  const single = series.length === 1 ? latest[0]!.value : undefined;
  const times = timeTicks(frame.domain, plotWidth);

  return (
    <figure className="chart" ref={ref}>
      <figcaption className="chart__title">
        <span>{title}</span>
        {single !== undefined && <span className="chart__latest">{single === null ? '–' : format(single)}</span>}
      </figcaption>
      <svg
        className="chart__svg"
        role="img"
        aria-label={summary}
        width={width}
        height={HEIGHT}
        viewBox={`0 0 ${width} ${HEIGHT}`}
      >
        <title>{summary}</title>
        {scale.ticks.map((v) => (
          <g key={v} className="chart__grid">
            <line x1={MARGIN.left} x2={MARGIN.left + plotWidth} y1={y(v)} y2={y(v)} />
            <text x={MARGIN.left - 6} y={y(v)} dy="0.32em" textAnchor="end">
              {tick(v)}
            </text>
          </g>
        ))}
        {times.ticks.map((t) => (
          // A label at the right edge ends there instead of being cut off.
          <text
            key={t}
            className="chart__time"
            x={x(t)}
            y={HEIGHT - 5}
            textAnchor={x(t) > width - (times.seconds ? 26 : 18) ? 'end' : 'middle'}
          >
            {formatClock(t, times.seconds)}
          </text>
        ))}
        {markers.map((m) => (
          <line
            key={`${m.kind}-${m.at}`}
            className={`chart__marker chart__marker--${m.kind}`}
            x1={x(m.at)}
            x2={x(m.at)}
            y1={MARGIN.top}
            y2={MARGIN.top + plotHeight}
          >
            <title>{m.label}</title>
          </line>
        ))}
        {series.map((s, i) => (
          <SeriesPath key={s.key} series={s} index={i} frame={frame} x={x} y={y} />
        ))}
      </svg>
      {series.length > 1 && (
        <ul className="chart__legend">
          {latest.map(({ series: s, value }, i) => (
            <li key={s.key} className={seriesClass(i)} title={s.key}>
              <span className="chart__swatch" aria-hidden="true" />
              <span className="chart__label">{s.label}:</span>{' '}
              <span className="chart__value">{value === null ? '–' : format(value)}</span>
            </li>
          ))}
        </ul>
      )}
      {series.length === 0 && <p className="chart__note">No figures yet.</p>}
      {note && <p className="chart__note">{note}</p>}
    </figure>
  );
}

/** One series as a path, broken where a point has no value or where points are missing (the deployment was down). */
function SeriesPath({
  series,
  index,
  frame,
  x,
  y,
}: {
  series: Series;
  index: number;
  frame: Frame;
  x: (t: number) => number;
  y: (v: number) => number;
}) {
  let d = '';
  const dots: Array<[number, number]> = [];
  const maxStep = 2.5 * frame.resolutionMs;
  for (let i = 0; i < series.values.length; i++) {
    const v = series.values[i];
    if (v === null || v === undefined) continue;
    const t = frame.times[i]!;
    const joinsBefore = i > 0 && series.values[i - 1] != null && t - frame.times[i - 1]! <= maxStep;
    const joinsAfter =
      i + 1 < series.values.length && series.values[i + 1] != null && frame.times[i + 1]! - t <= maxStep;
    const px = x(t).toFixed(1);
    const py = y(v).toFixed(1);
    d += `${joinsBefore ? 'L' : 'M'}${px} ${py}`;
    if (!joinsBefore && !joinsAfter) dots.push([x(t), y(v)]);
  }
  return (
    <g className={`chart__line ${seriesClass(index)}`}>
      <path d={d} />
      {dots.map(([cx, cy]) => (
        <circle key={`${cx}-${cy}`} cx={cx} cy={cy} r={2.2} />
      ))}
    </g>
  );
}

function seriesClass(index: number): string {
  return `chart__series--${index % PALETTE_SIZE}${index >= PALETTE_SIZE ? ' chart__series--dashed' : ''}`;
}

/** One line per node that has the figure at some point, in the order the nodes first appear. */
function useWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(240);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setWidth(Math.max(120, Math.floor(element.clientWidth)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
