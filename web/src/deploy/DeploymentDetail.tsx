/**
 * One deployment, live: status and error, stop/resume/delete, per-node throughput and lag, checkpoints, charts of
 * them over time (Charts.tsx), sink output; for one on Flink also its job (with a link to Flink's dashboard),
 * savepoint, state size and back pressure.
 */
import { useEffect, useState } from 'react';
import type { DeploymentInfo, DeploymentMetrics } from '../../../shared/api/deployments.ts';
import { api, describeError } from '../api/client.ts';
import { useWeirStore } from '../store/index.ts';
import { DeploymentCharts } from './Charts.tsx';
import { useDeploymentEvents, useMetricsHistory } from './hooks.ts';
import {
  canDelete,
  canResume,
  canStop,
  formatAgo,
  formatBytes,
  formatCount,
  formatMs,
  formatRate,
  sum,
  type NodeRates,
} from './format.ts';
import { BackpressureCell, FlinkJobLine, TargetTag } from './FlinkJob.tsx';
import { StatusBadge } from './StatusBadge.tsx';
import { SinkTail } from './SinkTail.tsx';

const STREAM_LABEL = {
  connecting: 'connecting…',
  open: 'live',
  retrying: 'reconnecting…',
  closed: 'disconnected',
} as const;

export function DeploymentDetail({
  id,
  onChanged,
  onDeleted,
  onLive,
}: {
  id: string;
  onChanged: () => void;
  onDeleted: (id: string) => void;
  /** The deployment as its event stream tells it, newer than the list's last reload. */
  onLive?: (info: DeploymentInfo) => void;
}) {
  const live = useDeploymentEvents(id);
  useEffect(() => {
    if (live.info) onLive?.(live.info);
  }, [live.info, onLive]);
  const [action, setAction] = useState<'stop' | 'resume' | 'delete' | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const now = useNow(1000);
  const { info, metrics } = live;
  const history = useMetricsHistory(id, metrics, info?.restarts ?? 0);
  const labels = useNodeLabels(info?.pipelineId ?? null);

  const run = async (kind: 'stop' | 'resume') => {
    setAction(kind);
    setActionError(null);
    try {
      live.update(kind === 'stop' ? await api.stopDeployment(id) : await api.resumeDeployment(id));
      onChanged();
    } catch (err) {
      setActionError(describeError(err));
    } finally {
      setAction(null);
    }
  };

  const remove = async () => {
    setAction('delete');
    setActionError(null);
    try {
      await api.deleteDeployment(id);
      onDeleted(id);
    } catch (err) {
      setActionError(describeError(err));
      setAction(null);
      setConfirmingDelete(false);
    }
  };

  if (!info) {
    return (
      <section className="deployment-detail" aria-busy="true">
        <p className="deployment-detail__muted">
          {live.stream === 'closed'
            ? 'This deployment cannot be shown (the server refused its event stream).'
            : 'Connecting…'}
        </p>
      </section>
    );
  }

  return (
    <section className="deployment-detail" aria-label={`Deployment ${info.id}`}>
      <div className="deployment-detail__head">
        <h3>{info.pipelineName}</h3>
        <StatusBadge status={info.status} />
        <TargetTag info={info} />
        <span className={`stream-state stream-state--${live.stream}`} title="Live updates from the server">
          {STREAM_LABEL[live.stream]}
        </span>
        <span className="deployment-detail__actions">
          <button
            type="button"
            className="button"
            disabled={!canStop(info.status) || action !== null}
            onClick={() => void run('stop')}
            title="Take a savepoint, then stop"
          >
            {action === 'stop' ? 'Stopping…' : 'Stop'}
          </button>
          <button
            type="button"
            className="button"
            disabled={!canResume(info.status) || action !== null}
            onClick={() => void run('resume')}
            title={
              info.target === 'flink'
                ? 'Submit the job again from its savepoint (or its last checkpoint)'
                : 'Start again from the last checkpoint'
            }
          >
            {action === 'resume' ? 'Resuming…' : 'Resume'}
          </button>
          {!confirmingDelete && (
            <button
              type="button"
              className="button"
              disabled={!canDelete(info.status) || action !== null}
              onClick={() => setConfirmingDelete(true)}
              title={canDelete(info.status) ? 'Remove this deployment from the server' : 'Stop it first'}
            >
              Delete…
            </button>
          )}
        </span>
      </div>
      {confirmingDelete && (
        <div className="deployment-detail__confirm" role="alertdialog" aria-label="Delete this deployment?">
          <p>
            Delete <strong>{info.pipelineName}</strong> from the server? It can no longer be resumed.{' '}
            {info.target === 'flink'
              ? 'Its savepoints stay where the Flink cluster keeps them; deploying this pipeline again submits a new job that does not start from them.'
              : 'Its changelog topic and consumer group stay in Kafka: deploying this pipeline again continues from its last checkpoint.'}
          </p>
          <span className="deployment-detail__actions">
            <button
              type="button"
              className="button button--danger"
              disabled={action !== null}
              onClick={() => void remove()}
            >
              {action === 'delete' ? 'Deleting…' : 'Delete'}
            </button>
            <button
              type="button"
              className="button"
              disabled={action !== null}
              onClick={() => setConfirmingDelete(false)}
            >
              Cancel
            </button>
          </span>
        </div>
      )}
      {info.flink && <FlinkJobLine flink={info.flink} />}
      {info.error && (
        <pre className="deployment-detail__error" role="alert">
          {info.error}
        </pre>
      )}
      {info.reconnecting && (
        <p className="deployment-detail__reconnecting" role="status">
          Reconnecting to Kafka (it stopped answering {formatAgo(info.reconnecting.since, now)}):{' '}
          <span>{info.reconnecting.reason}</span>. Nothing is lost: the job goes on where it was once Kafka answers.
        </p>
      )}
      {!info.error && info.status === 'starting' && info.lastError && (
        <p className="deployment-detail__previous">
          Previous run: <span>{info.lastError}</span>
        </p>
      )}
      {actionError && (
        <p className="deployment-detail__error" role="alert">
          {actionError}
        </p>
      )}
      {metrics && <Checkpoints metrics={metrics} now={now} flink={info.target === 'flink'} />}
      {metrics && <NodeTable metrics={metrics} rates={live.rates} flink={info.target === 'flink'} />}
      <DeploymentCharts history={history.history} error={history.error} labels={labels} />
      <Sinks info={info} />
    </section>
  );
}

function Checkpoints({ metrics, now, flink }: { metrics: DeploymentMetrics; now: number; flink: boolean }) {
  const c = metrics.checkpoints;
  return (
    <dl className="checkpoints">
      <div>
        <dt>Checkpoints</dt>
        <dd>{formatCount(c.completed)}</dd>
      </div>
      <div>
        <dt>Failed</dt>
        <dd className={c.failed > 0 ? 'checkpoints--bad' : undefined}>{formatCount(c.failed)}</dd>
      </div>
      <div>
        <dt>Last</dt>
        <dd>{formatAgo(c.lastCompletedAt, now)}</dd>
      </div>
      <div>
        <dt>Took</dt>
        <dd>{formatMs(c.lastDurationMs)}</dd>
      </div>
      {flink && (
        <div>
          <dt>Size</dt>
          <dd>{formatBytes(c.lastSizeBytes)}</dd>
        </div>
      )}
      {c.lastError && <p className="checkpoints__error">Last checkpoint failure: {c.lastError}</p>}
    </dl>
  );
}

function NodeTable({
  metrics,
  rates,
  flink,
}: {
  metrics: DeploymentMetrics;
  rates: Record<string, NodeRates>;
  flink: boolean;
}) {
  const ids = Object.keys(metrics.nodes);
  if (ids.length === 0) return null;
  return (
    <table className="node-metrics">
      <caption>Per node</caption>
      <thead>
        <tr>
          <th scope="col">Node</th>
          <th scope="col">In</th>
          <th scope="col">Out</th>
          <th scope="col">In/s</th>
          <th scope="col">Out/s</th>
          <th scope="col">Errors</th>
          <th scope="col" title="Records behind the end of the source topic">
            Lag
          </th>
          {flink && (
            <th scope="col" title="Back pressure of the Flink task the node runs in (busiest subtask's share of time)">
              Back pressure
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {ids.map((id) => {
          const node = metrics.nodes[id]!;
          const lag = metrics.lag[id];
          return (
            <tr key={id}>
              <th scope="row">
                <code>{id}</code>
              </th>
              <td>{formatCount(node.in)}</td>
              <td
                title={Object.entries(node.out)
                  .map(([port, n]) => `${port}: ${n}`)
                  .join(', ')}
              >
                {formatCount(sum(node.out))}
              </td>
              <td>{formatRate(rates[id]?.inPerSecond)}</td>
              <td>{formatRate(rates[id]?.outPerSecond)}</td>
              <td className={node.errors > 0 ? 'node-metrics--bad' : undefined}>{formatCount(node.errors)}</td>
              <td>{lag === undefined ? '' : formatCount(lag)}</td>
              {flink && <BackpressureCell node={node} />}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Sinks({ info }: { info: DeploymentInfo }) {
  const sinkIds = Object.keys(info.sinks);
  const [shown, setShown] = useState<string | null>(sinkIds[0] ?? null);
  if (sinkIds.length === 0) return null;
  const current = shown !== null && sinkIds.includes(shown) ? shown : sinkIds[0]!;
  return (
    <div className="sinks">
      <div className="sinks__tabs" role="tablist" aria-label="Live output of each sink">
        {sinkIds.map((sinkId) => (
          <button
            key={sinkId}
            type="button"
            role="tab"
            aria-selected={sinkId === current}
            className="sinks__tab"
            onClick={() => setShown(sinkId)}
          >
            {sinkId} <span className="sinks__topic">→ {info.sinks[sinkId]}</span>
          </button>
        ))}
      </div>
      <SinkTail key={current} deploymentId={info.id} sinkId={current} topic={info.sinks[current]!} />
    </div>
  );
}

/** The labels the author gave the nodes, when the pipeline open in the editor is the deployed one. */
function useNodeLabels(pipelineId: string | null): Record<string, string> {
  const nodes = useWeirStore((s) => (s.document.id === pipelineId ? s.document.nodes : []));
  const labels: Record<string, string> = {};
  for (const node of nodes) if (node.label) labels[node.id] = node.label;
  return labels;
}

/** The wall clock, re-read every `intervalMs`, for "2 s ago" labels. */
function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
