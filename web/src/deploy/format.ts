/** How the Deploy UI words figures and statuses. */
import { preview as previewValue } from '../../../shared/engine/json-text.ts';
import type { DeploymentMetrics, DeploymentStatus } from '../../../shared/api/deployments.ts';

export const STATUS_LABEL: Record<DeploymentStatus, string> = {
  starting: 'Starting',
  running: 'Running',
  stopping: 'Stopping',
  stopped: 'Stopped',
  failed: 'Failed',
  restarting: 'Restarting',
};

export function canStop(status: DeploymentStatus): boolean {
  return status === 'running' || status === 'starting' || status === 'restarting';
}

export function canResume(status: DeploymentStatus): boolean {
  return status === 'stopped' || status === 'failed';
}

/** The panel offers Delete on a deployment that does not run (the API would also delete a running one). */
export function canDelete(status: DeploymentStatus): boolean {
  return status === 'stopped' || status === 'failed';
}

const COUNT = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const RATE = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

export function formatCount(n: number): string {
  return COUNT.format(n);
}

export function formatRate(perSecond: number | undefined): string {
  return perSecond === undefined ? '–' : `${RATE.format(perSecond)}/s`;
}

export function formatAgo(epochMs: number | null, now: number): string {
  if (epochMs === null) return 'never';
  const seconds = Math.max(0, Math.round((now - epochMs) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  return new Date(epochMs).toLocaleString();
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${RATE.format(ms / 1000)} s`;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '–';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${RATE.format(value)} ${units[unit]}`;
}

/** An event time as ISO 8601; times outside the Date range (possible within ±2^53 ms) as plain milliseconds. */
export function formatTimestamp(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms` : date.toISOString();
}

/** A value on one line, cut at `max` characters: the engine's own preview (shared/engine/json-text.ts). */
export function preview(value: unknown, max = 300): string {
  return previewValue(value, max);
}

export interface NodeRates {
  inPerSecond?: number;
  outPerSecond?: number;
}

/**
 * Records per second per node: the server's figures when it sends them, else the difference between two
 * successive metrics events.
 */
export function nodeRates(previous: DeploymentMetrics | null, current: DeploymentMetrics): Record<string, NodeRates> {
  const rates: Record<string, NodeRates> = {};
  const seconds = previous ? (current.at - previous.at) / 1000 : 0;
  for (const [id, node] of Object.entries(current.nodes)) {
    const before = previous?.nodes[id];
    const derived = before && seconds > 0;
    rates[id] = {
      inPerSecond: node.inPerSecond ?? (derived ? Math.max(0, node.in - before.in) / seconds : undefined),
      outPerSecond: node.outPerSecond ?? (derived ? Math.max(0, sum(node.out) - sum(before.out)) / seconds : undefined),
    };
  }
  return rates;
}

export function sum(counts: Record<string, number>): number {
  let total = 0;
  for (const n of Object.values(counts)) total += n;
  return total;
}
