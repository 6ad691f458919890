/**
 * The running job on the canvas: while a deployment of the open pipeline (its id is the pipeline's) is starting,
 * running or restarting on the server, its metrics events (GET /api/deployments/:id/events) become the figures the
 * canvas shows (live-figures.ts). Session state, kept apart from the document store like the Deploy UI's.
 *
 * Without a server — the editor under `npm run dev`, a page without a token — nothing is asked and nothing is
 * shown; a server that stops answering is asked again only now and then, and its failures are never reported: the
 * deployments panel is where a user looks for those.
 */
import { useEffect } from 'react';
import { createStore, useStore } from 'zustand';
import type { DeploymentInfo, DeploymentMetrics, DeploymentStatus } from '../../../shared/api/deployments.ts';
import { ApiError, api } from '../api/client.ts';
import { getToken } from '../api/token.ts';
import { useDeployUi } from './deploy-state.ts';
import { liveFigures, type LiveFigures } from './live-figures.ts';

/** How often the deployments list is asked whether the open pipeline runs. */
const POLL_MS = 5000;
/** …and, once no server answered, how seldom. */
const UNREACHABLE_POLL_MS = 60_000;

const ACTIVE: ReadonlySet<DeploymentStatus> = new Set(['starting', 'running', 'restarting']);

export interface LiveCanvasState {
  /** The deployment shown, while it is active; null otherwise. */
  deploymentId: string | null;
  status: DeploymentStatus | null;
  /** Null until its first metrics event. */
  figures: LiveFigures | null;
}

const NOTHING: LiveCanvasState = { deploymentId: null, status: null, figures: null };

export const liveCanvasStore = createStore<LiveCanvasState>()(() => NOTHING);

export function useLiveCanvas<T>(selector: (state: LiveCanvasState) => T): T {
  return useStore(liveCanvasStore, selector);
}

export function isActive(status: DeploymentStatus): boolean {
  return ACTIVE.has(status);
}

/**
 * Keeps liveCanvasStore on the deployment of `documentId`: asks the deployments list every few seconds (and at once
 * when this page deployed or stopped something), and while that deployment is active listens to its events.
 */
export function useLiveCanvasFeed(documentId: string): void {
  const changes = useDeployUi((s) => s.changes);
  useEffect(() => {
    liveCanvasStore.setState(NOTHING, true);
    if (!getToken()) return; // no server to ask: the editor alone
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let close: (() => void) | null = null;
    let previous: DeploymentMetrics | null = null;

    const stop = () => {
      close?.();
      close = null;
      previous = null;
      liveCanvasStore.setState(NOTHING, true);
    };
    const listen = (info: DeploymentInfo) => {
      if (close !== null) return;
      liveCanvasStore.setState({ deploymentId: info.id, status: info.status, figures: null }, true);
      close = api.deploymentEvents(info.id, {
        status: (next) => {
          if (cancelled) return;
          if (!isActive(next.status)) return stop();
          liveCanvasStore.setState({ status: next.status });
        },
        metrics: (next) => {
          if (cancelled) return;
          const figures = liveFigures(previous, next);
          previous = next;
          liveCanvasStore.setState({ figures });
        },
        // The server refused the stream (the deployment was deleted): the next look at the list decides.
        connection: (state) => {
          if (state === 'closed' && !cancelled) stop();
        },
      });
    };
    const poll = async () => {
      let next = POLL_MS;
      try {
        const deployment = (await api.listDeployments()).find((d) => d.id === documentId);
        if (cancelled) return;
        if (deployment && isActive(deployment.status)) listen(deployment);
        else stop();
      } catch (err) {
        if (cancelled) return;
        if (err instanceof ApiError && (err.code === 'E_UNREACHABLE' || err.code === 'E_AUTH')) {
          stop();
          next = UNREACHABLE_POLL_MS;
        }
      }
      timer = setTimeout(() => void poll(), next);
    };
    void poll();
    return () => {
      cancelled = true;
      clearTimeout(timer);
      stop();
    };
  }, [documentId, changes]);
}
