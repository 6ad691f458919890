/**
 * A deployment's figures over time (its history from the server, extended by the live readings): records in and out
 * per second per node, consumer lag per source partition, the last checkpoint's duration and size, with restarts
 * (and failed checkpoints) marked. Plain SVG, no chart library: a handful of small line charts over at most a few
 * hundred points need two linear scales, a path per series and some ticks — less code than fitting a library's
 * defaults to the panel, and nothing new to download, audit or keep up to date.
 */
import { useLayoutEffect, useRef, useState, type RefObject } from 'react';
import type { DeploymentHistory, HistoryPoint, NodeHistory } from '../../../shared/api/deployments.ts';
import { formatBytes, formatMs } from './format.ts';

const HEIGHT = 124;
const MARGIN = { top: 8, right: 12, bottom: 20, left: 46 };
/** More lines than this in one chart read as noise: lag is then summed per source. */
const MAX_LINES = 8;
/** Colours of the series (deploy.css: .chart__series--N); further series repeat them dashed. */
const PALETTE_SIZE = 8;
/** The time axis spans at least this much, so the first points do not stretch over the whole width. */
const MIN_SPAN_MS = 60_000;
const TIME_STEPS_MS = [5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000];

interface Series {
  key: string;
  label: string;
  /** One value per point of the history; null where the point has none. */
  values: Array<number | null>;
}

interface Marker {
  at: number;
  kind: 'restart' | 'failed';
  /** Restarts or failed checkpoints since the point before. */
  count: number;
  label: string;
}

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
function nodeSeries(
  points: HistoryPoint[],
  pick: (node: NodeHistory) => number | null,
  labels: Record<string, string>,
): Series[] {
  const ids: string[] = [];
  for (const p of points) for (const id of Object.keys(p.nodes)) if (!ids.includes(id)) ids.push(id);
  return ids
    .map((id) => ({
      key: id,
      label: labels[id] ?? id,
      values: points.map((p) => (p.nodes[id] ? pick(p.nodes[id]) : null)),
    }))
    .filter((s) => s.values.some((v) => v !== null));
}

/** A line per source partition; per source when there are too many partitions, or none (Flink reports sources only). */
function lagSeries(points: HistoryPoint[]): { series: Series[]; note: string | null } {
  const partitions = new Map<string, { source: string; partition: number }>();
  for (const p of points) for (const q of p.partitions) partitions.set(`${q.source}#${q.partition}`, q);
  const sources = new Set<string>();
  for (const p of points) for (const id of Object.keys(p.lag)) sources.add(id);
  if (partitions.size > 0 && partitions.size <= MAX_LINES) {
    const keys = [...partitions.values()].sort((a, b) => a.source.localeCompare(b.source) || a.partition - b.partition);
    const named = new Set(keys.map((k) => k.source)).size > 1;
    return {
      series: keys.map(({ source, partition }) => ({
        key: `${source}#${partition}`,
        label: named ? `${source} · partition ${partition}` : `partition ${partition}`,
        values: points.map(
          (p) => p.partitions.find((q) => q.source === source && q.partition === partition)?.lag ?? null,
        ),
      })),
      note: null,
    };
  }
  const note =
    partitions.size > MAX_LINES
      ? `Summed per source over its ${partitions.size} partitions.`
      : partitions.size === 0 && sources.size > 0
        ? 'Per source.'
        : null;
  return {
    series: [...sources].map((id) => ({ key: id, label: id, values: points.map((p) => p.lag[id] ?? null) })),
    note,
  };
}

function restartMarkers(points: HistoryPoint[]): Marker[] {
  const markers: Marker[] = [];
  for (let i = 1; i < points.length; i++) {
    const more = points[i]!.restarts - points[i - 1]!.restarts;
    if (more > 0)
      markers.push({
        at: points[i]!.at,
        kind: 'restart',
        count: more,
        label: more === 1 ? 'Restarted' : `Restarted ${more} times`,
      });
  }
  return markers;
}

function failedCheckpointMarkers(points: HistoryPoint[]): Marker[] {
  const markers: Marker[] = [];
  for (let i = 1; i < points.length; i++) {
    const more = points[i]!.checkpoints.failed - points[i - 1]!.checkpoints.failed;
    if (more > 0)
      markers.push({
        at: points[i]!.at,
        kind: 'failed',
        count: more,
        label: more === 1 ? 'A checkpoint failed' : `${more} checkpoints failed`,
      });
  }
  return markers;
}

/** What a screen reader hears for a chart: its title and every series' latest value. */
function describe(
  title: string,
  latest: Array<{ series: Series; value: number | null }>,
  format: (v: number) => string,
  markers: Marker[],
): string {
  if (latest.length === 0) return `${title}: no figures yet`;
  const values = latest.map(
    ({ series, value }) => `${latest.length > 1 ? `${series.label}: ` : ''}${value === null ? 'none' : format(value)}`,
  );
  const restarts = markers.reduce((n, m) => n + (m.kind === 'restart' ? m.count : 0), 0);
  return `${title}, latest: ${values.join('; ')}${restarts > 0 ? `; ${restarts} restart${restarts === 1 ? '' : 's'} marked` : ''}`;
}

function lastValue(values: Array<number | null>): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i]!;
  return null;
}

/**
 * 0 to a round top, in three or four steps of 1, 2, 2.5 or 5 times a power of ten — of the unit `unitBase` ** k that
 * `max` is counted in (1024 for bytes: 0, 512 KB, 1 MB, 1.5 MB rather than 0, 488.3 KB, 976.6 KB).
 */
function niceScale(max: number, unitBase = 1000): { top: number; ticks: number[] } {
  if (!(max > 0)) return { top: 1, ticks: [0] };
  const unit = unitBase ** Math.max(0, Math.floor(Math.log(max) / Math.log(unitBase)));
  const scaled = niceSteps(max / unit);
  return { top: scaled.top * unit, ticks: scaled.ticks.map((v) => v * unit) };
}

function niceSteps(max: number): { top: number; ticks: number[] } {
  const raw = max / 3;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const top = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return { top, ticks };
}

/** Clock-time ticks at round steps, as many as fit the width without their labels touching. */
function timeTicks([from, to]: [number, number], plotWidth: number): { ticks: number[]; seconds: boolean } {
  for (const step of TIME_STEPS_MS) {
    const seconds = step < 60_000;
    const fits = Math.max(2, Math.floor(plotWidth / (seconds ? 64 : 46)));
    const first = Math.ceil(from / step) * step;
    const ticks: number[] = [];
    for (let t = first; t <= to; t += step) ticks.push(t);
    if (ticks.length <= fits) return { ticks, seconds };
  }
  return { ticks: [to], seconds: false };
}

function formatClock(epochMs: number, seconds: boolean): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}${seconds ? `:${two(d.getSeconds())}` : ''}`;
}

function formatSpan(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} minutes` : `${Math.round(ms / 1000)} s`;
}

/** The element's width, followed as the panel is resized. */
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
