/** How result views write times, keys and values. */
import type { Key } from '../../../../shared/pipeline/types.ts';

/** Event times: ±∞ for the watermarks before the first record and after end of input. */
export function formatTime(ms: number): string {
  if (ms === Infinity) return '+∞';
  if (ms === -Infinity) return '−∞';
  return String(ms);
}

/** Epoch-like times (after 2001) read better as a clock time; small ones stay milliseconds. */
export function timeTitle(ms: number): string {
  if (!Number.isFinite(ms)) return formatTime(ms);
  return ms > 1e12 ? `${ms} (${new Date(ms).toISOString()})` : `${ms} ms`;
}

export function formatKey(key: Key): string {
  return key === null ? 'null' : JSON.stringify(key);
}

/** Text cut to `max` characters. */
export function clip(text: string, max = 300): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** A value on one line, cut to `max` characters. */
export function formatValue(value: unknown, max = 300): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Axis labels: `0`, `30s`, `1m`, `1m30s`; clock times for epoch-like values. */
export function formatTick(ms: number, span: number): string {
  if (ms > 1e12) {
    const iso = new Date(ms).toISOString();
    return span < 60_000 ? iso.slice(11, 23) : iso.slice(11, 19);
  }
  if (ms === 0) return '0';
  const sign = ms < 0 ? '−' : '';
  let rest = Math.abs(ms);
  if (rest < 1000 || rest % 1000 !== 0) return `${sign}${rest.toLocaleString('en-US')}ms`;
  rest /= 1000;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const s = rest % 60;
  return sign + (h ? `${h}h` : '') + (m ? `${m}m` : '') + (s ? `${s}s` : '');
}

/** Tick positions at a round step (1, 2 or 5 × a power of ten, in ms), about `target` of them. */
export function ticks(min: number, max: number, target = 6): number[] {
  const span = max - min;
  if (!(span > 0)) return [min];
  const raw = span / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const result: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) result.push(t);
  return result;
}
