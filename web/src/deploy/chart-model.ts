/**
 * The pure side of the deployment charts (Charts.tsx): a history's series and markers, nice value scales and time
 * ticks, and the words that describe a chart to a screen reader.
 */
import type { HistoryPoint, NodeHistory } from '../../../shared/api/deployments.ts';

/** More lines than this in one chart read as noise: lag is then summed per source. */
const MAX_LINES = 8;

const TIME_STEPS_MS = [5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000];

export interface Series {
  key: string;
  label: string;
  /** One value per point of the history; null where the point has none. */
  values: Array<number | null>;
}

export interface Marker {
  at: number;
  kind: 'restart' | 'failed';
  /** Restarts or failed checkpoints since the point before. */
  count: number;
  label: string;
}

export function nodeSeries(
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
export function lagSeries(points: HistoryPoint[]): { series: Series[]; note: string | null } {
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

export function restartMarkers(points: HistoryPoint[]): Marker[] {
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

export function failedCheckpointMarkers(points: HistoryPoint[]): Marker[] {
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
export function describe(
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

export function lastValue(values: Array<number | null>): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i]!;
  return null;
}

/**
 * 0 to a round top, in three or four steps of 1, 2, 2.5 or 5 times a power of ten — of the unit `unitBase` ** k that
 * `max` is counted in (1024 for bytes: 0, 512 KB, 1 MB, 1.5 MB rather than 0, 488.3 KB, 976.6 KB).
 */
export function niceScale(max: number, unitBase = 1000): { top: number; ticks: number[] } {
  if (!(max > 0)) return { top: 1, ticks: [0] };
  const unit = unitBase ** Math.max(0, Math.floor(Math.log(max) / Math.log(unitBase)));
  const scaled = niceSteps(max / unit);
  return { top: scaled.top * unit, ticks: scaled.ticks.map((v) => v * unit) };
}

export function niceSteps(max: number): { top: number; ticks: number[] } {
  const raw = max / 3;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const top = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return { top, ticks };
}

/** Clock-time ticks at round steps, as many as fit the width without their labels touching. */
export function timeTicks([from, to]: [number, number], plotWidth: number): { ticks: number[]; seconds: boolean } {
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

export function formatClock(epochMs: number, seconds: boolean): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}${seconds ? `:${two(d.getSeconds())}` : ''}`;
}

export function formatSpan(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} minutes` : `${Math.round(ms / 1000)} s`;
}

/** The element's width, followed as the panel is resized. */
