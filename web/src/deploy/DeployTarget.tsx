/**
 * Where Deploy sends the pipeline, shown beside the Deploy button only when the server has a Flink cluster: the Weir
 * server, or the Flink cluster at a parallelism (whole number, at least 1).
 */
import { useId } from 'react';
import type { DeploymentTarget } from '../../../shared/api/deployments.ts';
import { deployUiStore, useDeployUi } from './deploy-state.ts';
import './flink.css';

export function DeployTarget({ restUrl }: { restUrl: string }) {
  const target = useDeployUi((s) => s.target);
  const parallelism = useDeployUi((s) => s.parallelism);
  const parallelismId = useId();
  const { chooseTarget, setParallelism } = deployUiStore.getState();
  return (
    <span className="deploy-target">
      <select
        className="deploy-target__select"
        aria-label="Deploy to"
        value={target}
        onChange={(e) => chooseTarget(e.target.value as DeploymentTarget)}
        title={target === 'flink' ? `Deploy to the Flink cluster at ${restUrl}` : 'Deploy to the Weir server'}
      >
        <option value="weir">Weir server</option>
        <option value="flink">Flink cluster</option>
      </select>
      {target === 'flink' && (
        <>
          <label
            className="deploy-target__label"
            htmlFor={parallelismId}
            title="Parallel subtasks of the Flink job (task slots it takes)"
          >
            ×
          </label>
          <input
            id={parallelismId}
            className="deploy-target__parallelism"
            type="number"
            min={1}
            step={1}
            aria-label="Parallelism"
            value={parallelism}
            onChange={(e) => {
              const value = Number(e.target.value);
              if (Number.isInteger(value) && value >= 1) setParallelism(value);
            }}
          />
        </>
      )}
    </span>
  );
}
