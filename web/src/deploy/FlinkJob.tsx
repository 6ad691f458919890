/** What the deployments panel adds for a deployment on Flink: its tag, its job with the dashboard link, its savepoint. */
import type { DeploymentInfo, FlinkJobInfo, NodeRuntimeMetrics } from '../../../shared/api/deployments.ts';
import './flink.css';

export function TargetTag({ info }: { info: DeploymentInfo }) {
  if (info.target !== 'flink') return null;
  return (
    <span
      className="target-tag"
      title={`Runs on the Flink cluster at ${info.flink?.restUrl ?? '?'}, ${info.parallelism} parallel subtask(s)`}
    >
      Flink ×{info.parallelism}
    </span>
  );
}

export function FlinkJobLine({ flink }: { flink: FlinkJobInfo }) {
  return (
    <p className="flink-job">
      {flink.jobId ? (
        <span>
          Job <code>{flink.jobId}</code>
          {flink.state && ` (${flink.state})`}
        </span>
      ) : (
        <span>No Flink job yet</span>
      )}
      {flink.dashboardUrl && (
        <a href={flink.dashboardUrl} target="_blank" rel="noreferrer">
          Open in Flink dashboard
        </a>
      )}
      {flink.savepointPath && (
        <span>
          Savepoint <code>{flink.savepointPath}</code>
        </span>
      )}
    </p>
  );
}

const PRESSURE_LABEL = { ok: 'OK', low: 'Low', high: 'High' } as const;

/** Back pressure of the Flink vertex the node runs in, with the busiest subtask's share of back-pressured time. */
export function BackpressureCell({ node }: { node: NodeRuntimeMetrics }) {
  if (node.backpressure === undefined) return <td>–</td>;
  const share = node.backpressureRatio === undefined ? '' : ` (${Math.round(node.backpressureRatio * 100)} %)`;
  return <td className={`backpressure--${node.backpressure}`}>{PRESSURE_LABEL[node.backpressure] + share}</td>;
}
