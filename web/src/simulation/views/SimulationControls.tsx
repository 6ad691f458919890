/** Run, step and stop the simulation, with progress and what state the run is in. */
import { useWeirStore, weirStore } from '../../store/index.ts';
import { formatCount } from './format.ts';

function statusText(s: ReturnType<typeof weirStore.getState>): string {
  const { done, total } = s.simulationProgress;
  switch (s.simulationStatus) {
    case 'idle':
      return 'Not run yet';
    case 'running':
      return total > 0 ? `Running… ${formatCount(done)} of ${formatCount(total)} samples` : 'Running…';
    case 'paused':
      return s.simulationStep === 0
        ? 'Step 0: nothing fed yet'
        : `Step ${formatCount(s.simulationStep ?? done)} of ${formatCount(total)}${done >= total ? ' (next: end of input)' : ''}`;
    case 'done':
      return `Done: ${formatCount(total)} samples${s.simulationElapsedMs !== null ? ` in ${s.simulationElapsedMs < 1000 ? `${Math.round(s.simulationElapsedMs)} ms` : `${(s.simulationElapsedMs / 1000).toFixed(1)} s`}` : ''}`;
    case 'failed':
      return 'Failed';
    case 'cancelled':
      return `Stopped after ${formatCount(done)} samples`;
  }
}

export function SimulationControls() {
  const { status, text, done, total } = useWeirStore((s) => ({
    status: s.simulationStatus,
    text: statusText(s),
    done: s.simulationProgress.done,
    total: s.simulationProgress.total,
  }));
  const store = weirStore.getState;
  const running = status === 'running';
  return (
    <fieldset className="sim-controls" aria-label="Simulation controls">
      {running ? (
        <button type="button" className="button button--small" onClick={() => store().cancelSimulation()}>
          ■ Stop
        </button>
      ) : (
        <button type="button" className="button button--small button--primary" onClick={() => store().runSimulation()}>
          ▶ Simulate
        </button>
      )}
      <button
        type="button"
        className="button button--small"
        aria-label="Step back"
        title="Step back: run to the previous sample"
        disabled={running || status === 'idle' || status === 'failed'}
        onClick={() => store().stepBack()}
      >
        ◀ Step
      </button>
      <button
        type="button"
        className="button button--small"
        aria-label="Step forward"
        title="Step forward: feed one more sample (then end of input)"
        disabled={running}
        onClick={() => store().stepForward()}
      >
        Step ▶
      </button>
      {(status === 'paused' || status === 'done' || status === 'failed' || status === 'cancelled') && (
        <button type="button" className="button button--small button--quiet" onClick={() => store().resetSimulation()}>
          Clear
        </button>
      )}
      <span className={`sim-controls__status sim-controls__status--${status}`} role="status" aria-live="polite">
        {text}
      </span>
      {running && total > 0 && (
        <progress className="sim-controls__progress" max={total} value={done} aria-label="Simulation progress" />
      )}
    </fieldset>
  );
}
