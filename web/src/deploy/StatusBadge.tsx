import type { DeploymentStatus } from '../../../shared/api/deployments.ts';
import { STATUS_LABEL } from './format.ts';

export function StatusBadge({ status }: { status: DeploymentStatus }) {
  return <span className={`status-badge status-badge--${status}`}>{STATUS_LABEL[status]}</span>;
}
