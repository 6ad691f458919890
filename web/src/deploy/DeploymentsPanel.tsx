/**
 * The deployments panel: every deployment on the server with its status; the selected one in detail (throughput,
 * lag, checkpoints, charts, errors, stop/resume/delete, live output). App.tsx mounts it as the workspace's last
 * column (in the palette's place) while the Deployments button is pressed; it renders nothing otherwise.
 */
import { useCallback, useEffect, useState } from 'react';
import type { DeploymentInfo } from '../../../shared/api/deployments.ts';
import { captureTokenFromUrl } from '../api/token.ts';
import { deployUiStore, useDeployUi } from './deploy-state.ts';
import { useDeploymentList } from './hooks.ts';
import { StatusBadge } from './StatusBadge.tsx';
import { DeploymentDetail } from './DeploymentDetail.tsx';
import './deploy.css';

export function DeploymentsPanel() {
  const open = useDeployUi((s) => s.panelOpen);
  useEffect(captureTokenFromUrl, []);
  return open ? <OpenPanel /> : null;
}

function OpenPanel() {
  const selectedId = useDeployUi((s) => s.selectedId);
  const changes = useDeployUi((s) => s.changes);
  const { deployments: listed, error, refresh } = useDeploymentList(changes);
  const { select, closePanel } = deployUiStore.getState();
  // A deployment deleted from this page is left out at once, until the list reloads (without it, or with it deployed
  // again).
  const [deleted, setDeleted] = useState<{ id: string; from: DeploymentInfo[] | null } | null>(null);
  const hidden = deleted !== null && deleted.from === listed ? deleted.id : null;
  // The shown deployment's own event stream is newer than the list, reloaded every few seconds: the list shows what
  // the detail shows (a list that said Restarting beside a detail that said Starting confused people).
  const [live, setLive] = useState<DeploymentInfo | null>(null);
  const onLive = useCallback((info: DeploymentInfo) => setLive(info), []);
  const deployments =
    listed?.filter((d) => d.id !== hidden).map((d) => (live !== null && d.id === live.id ? { ...d, ...live } : d)) ??
    null;
  const onDeleted = (id: string) => {
    setDeleted({ id, from: listed });
    if (deployUiStore.getState().selectedId === id) select(null);
    refresh();
  };

  // A deployment made a moment ago may not be in the list yet; its detail connects by id all the same.
  const shownId = (selectedId !== hidden ? selectedId : null) ?? deployments?.[0]?.id ?? null;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement))
        closePanel();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [closePanel]);

  return (
    <aside className="deployments-panel" aria-label="Deployments">
      <header className="deployments-panel__header">
        <h2>Deployments</h2>
        <button
          type="button"
          className="icon-button"
          onClick={closePanel}
          aria-label="Close the deployments panel"
          title="Close (Esc)"
        >
          ×
        </button>
      </header>
      {error && (
        <p className="deployments-panel__error" role="alert">
          {error}
        </p>
      )}
      {deployments !== null && deployments.length === 0 && (
        <p className="deployments-panel__empty">
          Nothing is deployed yet. Press Deploy to run the pipeline you are editing on the server.
        </p>
      )}
      {deployments !== null && deployments.length > 0 && (
        <ul className="deployments-panel__list" aria-label="Deployed pipelines">
          {deployments.map((d) => (
            <DeploymentItem key={d.id} deployment={d} selected={d.id === shownId} onSelect={() => select(d.id)} />
          ))}
        </ul>
      )}
      {deployments === null && !error && <p className="deployments-panel__empty">Loading…</p>}
      {shownId !== null && (
        <DeploymentDetail key={shownId} id={shownId} onChanged={refresh} onDeleted={onDeleted} onLive={onLive} />
      )}
    </aside>
  );
}

function DeploymentItem({
  deployment,
  selected,
  onSelect,
}: {
  deployment: DeploymentInfo;
  selected: boolean;
  onSelect: () => void;
}) {
  return (
    <li>
      <button
        type="button"
        className={`deployment-item${selected ? ' deployment-item--selected' : ''}`}
        aria-current={selected ? 'true' : undefined}
        onClick={onSelect}
      >
        <span className="deployment-item__name">{deployment.pipelineName}</span>
        <span className="deployment-item__id">
          {deployment.id}
          {deployment.target === 'flink' && ` · Flink ×${deployment.parallelism}`}
        </span>
        <StatusBadge status={deployment.status} />
        {deployment.reconnecting && (
          <span
            className="deployments__reconnecting"
            title={`Reconnecting to Kafka: ${deployment.reconnecting.reason}`}
          >
            reconnecting
          </span>
        )}
      </button>
    </li>
  );
}
