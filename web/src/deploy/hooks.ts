/** Live data of the Deploy UI: the deployment list, one deployment's events, one sink's tail. */
import { useEffect, useRef, useState } from 'react';
import {
  TAIL_RECORDS,
  type DeploymentHistory,
  type DeploymentInfo,
  type DeploymentMetrics,
  type TailRecord,
} from '../../../shared/api/deployments.ts';
import { appendReading, HISTORY_CAPACITY, HISTORY_RESOLUTION_MS } from '../../../shared/api/metrics-history.ts';
import type { ServerInfo } from '../../../shared/api/info.ts';
import { api, describeError, type StreamState } from '../api/client.ts';
import { nodeRates, type NodeRates } from './format.ts';

const LIST_REFRESH_MS = 3000;

/**
 * What the server offers (GET /api/info), asked once per page; null until it answers, and when it cannot (the editor
 * without a server, an older server): then Deploy offers the Weir server only, as it always has.
 */
export function useServerInfo(): ServerInfo | null {
  const [info, setInfo] = useState<ServerInfo | null>(null);
  useEffect(() => {
    let cancelled = false;
    serverInfo ??= api.info().catch(() => {
      serverInfo = null; // asked again by the next component that mounts
      return null;
    });
    void serverInfo.then((answer) => {
      if (!cancelled) setInfo(answer);
    });
    return () => {
      cancelled = true;
    };
  }, []);
  return info;
}

let serverInfo: Promise<ServerInfo | null> | null = null;
/** Records a tail keeps on screen; older ones scroll out. */
export const TAIL_LIMIT = TAIL_RECORDS;

export interface DeploymentList {
  deployments: DeploymentInfo[] | null;
  error: string | null;
  refresh(): void;
}

/** The server's deployments, refreshed every few seconds and whenever `changes` moves. */
export function useDeploymentList(changes: number): DeploymentList {
  const [deployments, setDeployments] = useState<DeploymentInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const list = await api.listDeployments();
        if (cancelled) return;
        setDeployments(list);
        setError(null);
      } catch (err) {
        if (!cancelled) setError(describeError(err));
      }
      if (!cancelled) timer = setTimeout(load, LIST_REFRESH_MS);
    };
    void load();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [changes, tick]);
  return { deployments, error, refresh: () => setTick((t) => t + 1) };
}

export interface DeploymentLive {
  info: DeploymentInfo | null;
  metrics: DeploymentMetrics | null;
  rates: Record<string, NodeRates>;
  stream: StreamState | 'connecting';
  /** Applies an answer of stop/resume at once, before its status event arrives. */
  update(info: DeploymentInfo): void;
}

/** One deployment's status and metrics over Server-Sent Events. */
export function useDeploymentEvents(id: string | null): DeploymentLive {
  const [info, setInfo] = useState<DeploymentInfo | null>(null);
  const [metrics, setMetrics] = useState<{ current: DeploymentMetrics; rates: Record<string, NodeRates> } | null>(null);
  const [stream, setStream] = useState<StreamState | 'connecting'>('connecting');
  const previous = useRef<DeploymentMetrics | null>(null);
  useEffect(() => {
    setInfo(null);
    setMetrics(null);
    setStream('connecting');
    previous.current = null;
    if (id === null) return;
    return api.deploymentEvents(id, {
      status: (next) => setInfo(next),
      metrics: (next) => {
        const rates = nodeRates(previous.current, next);
        previous.current = next;
        setMetrics({ current: next, rates });
      },
      connection: setStream,
    });
  }, [id]);
  return { info, metrics: metrics?.current ?? null, rates: metrics?.rates ?? {}, stream, update: setInfo };
}

export interface MetricsHistoryState {
  /** Null until the server's history has loaded (or failed to). */
  history: DeploymentHistory | null;
  /** Why the server's history could not be loaded; the live readings are charted all the same. */
  error: string | null;
}

/**
 * The deployment's figures over time: the history the server kept (GET /api/deployments/:id/history), loaded once,
 * then every live reading appended by the server's own sampling rule (shared/api/metrics-history.ts), so the charts
 * go on at the same resolution. `restarts` is the deployment's restart count as its status events tell it.
 */
export function useMetricsHistory(
  id: string,
  metrics: DeploymentMetrics | null,
  restarts: number,
): MetricsHistoryState {
  const [state, setState] = useState<MetricsHistoryState>({ history: null, error: null });
  /** Readings that arrived before the history did, appended once it has. */
  const early = useRef<Array<[DeploymentMetrics, number]>>([]);
  const loaded = useRef(false);
  const restartCount = useRef(restarts);
  restartCount.current = restarts;
  useEffect(() => {
    let cancelled = false;
    loaded.current = false;
    early.current = [];
    setState({ history: null, error: null });
    const settle = (history: DeploymentHistory, error: string | null) => {
      if (cancelled) return;
      let points = history.points;
      for (const [m, r] of early.current) points = appendReading(points, m, r, history.resolutionMs, history.capacity);
      early.current = [];
      loaded.current = true;
      setState({ history: { ...history, points }, error });
    };
    api.deploymentHistory(id).then(
      (history) => settle(history, null),
      (err: unknown) =>
        settle({ id, resolutionMs: HISTORY_RESOLUTION_MS, capacity: HISTORY_CAPACITY, points: [] }, describeError(err)),
    );
    return () => {
      cancelled = true;
    };
  }, [id]);
  useEffect(() => {
    if (metrics === null) return;
    const count = restartCount.current;
    if (!loaded.current) {
      early.current.push([metrics, count]);
      return;
    }
    setState((current) => {
      const h = current.history;
      return h === null
        ? current
        : {
            ...current,
            history: { ...h, points: appendReading(h.points, metrics, count, h.resolutionMs, h.capacity) },
          };
    });
  }, [metrics]);
  return state;
}

export interface SinkTail {
  records: TailRecord[];
  /** Records the server skipped because this page read too slowly. */
  skipped: number;
  stream: StreamState | 'connecting';
  ended: string | null;
  clear(): void;
}

/** The newest records of a sink's topic, newest first, while not `paused`. */
export function useSinkTail(id: string, sinkId: string, paused: boolean): SinkTail {
  const [records, setRecords] = useState<TailRecord[]>([]);
  const [skipped, setSkipped] = useState(0);
  const [stream, setStream] = useState<StreamState | 'connecting'>('connecting');
  const [ended, setEnded] = useState<string | null>(null);
  useEffect(() => {
    setRecords([]);
    setSkipped(0);
    setEnded(null);
  }, [id, sinkId]);
  useEffect(() => {
    if (paused) return;
    setStream('connecting');
    // Records can come in bursts of thousands; batching them into one state update per frame keeps the page responsive.
    let batch: TailRecord[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const arrived = batch.reverse();
      batch = [];
      setRecords((current) => arrived.concat(current).slice(0, TAIL_LIMIT));
    };
    const close = api.tailSink(id, sinkId, {
      record: (record) => {
        // Records again after the tail failed: what it said then no longer holds.
        setEnded(null);
        batch.push(record);
        if (batch.length > TAIL_LIMIT) batch.shift();
        if (frame === 0) frame = requestAnimationFrame(flush);
      },
      gap: ({ dropped }) => setSkipped((n) => n + dropped),
      end: ({ reason }) => setEnded(reason),
      connection: (state) => {
        setStream(state);
        if (state === 'open') setEnded(null);
      },
    });
    return () => {
      close();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [id, sinkId, paused]);
  return { records, skipped, stream, ended, clear: () => setRecords([]) };
}
