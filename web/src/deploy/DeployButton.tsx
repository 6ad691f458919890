/**
 * Deploy: sends the current document to the server (POST /api/deployments). An invalid document is not sent; its
 * problems are shown instead, the same ones the editor marks. An upgrade that would drop state asks first. When the
 * server has a Flink cluster, the target (Weir server or Flink cluster) and a Flink job's parallelism are chosen
 * beside the button.
 */
import { useEffect, useId, useRef, useState, type RefObject } from 'react';
import { nodesWithRole } from '../../../shared/operators/registry.ts';
import { formatProblem, type ValidationProblem } from '../../../shared/pipeline/errors.ts';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import { weirStore } from '../store/index.ts';
import { ApiError, api, describeError } from '../api/client.ts';
import { captureTokenFromUrl } from '../api/token.ts';
import { deployUiStore, useDeployUi } from './deploy-state.ts';
import { DeployTarget } from './DeployTarget.tsx';
import { useServerInfo } from './hooks.ts';
import { Icon } from '../toolbar/icons.tsx';
import './deploy.css';

type Outcome =
  | { kind: 'problems'; problems: ValidationProblem[]; fromServer: boolean }
  | { kind: 'state-loss'; nodes: string[]; pipeline: PipelineDoc; message: string }
  | { kind: 'empty' }
  | { kind: 'error'; message: string; unreachable: boolean };

const SHOWN_PROBLEMS = 8;
/** How the server begins an E_STATE_LOSS about nodes the new graph removes or retypes (server/src/deployments/types.ts). */
const REMOVED_OR_RETYPED = 'the new version cannot keep the state of';

export function DeployButton() {
  const panelOpen = useDeployUi((s) => s.panelOpen);
  const chosenTarget = useDeployUi((s) => s.target);
  const parallelism = useDeployUi((s) => s.parallelism);
  const flink = useServerInfo()?.flink ?? null;
  // Without a Flink cluster on the server, nothing is chosen: the request is what it always was.
  const target = flink ? chosenTarget : 'weir';
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const popupId = useId();

  useEffect(captureTokenFromUrl, []);
  useDismiss(root, outcome !== null, () => setOutcome(null));

  const deploy = async (pipeline: PipelineDoc, allowStateLoss: boolean) => {
    setBusy(true);
    try {
      const result = await api.deploy(pipeline, {
        allowStateLoss,
        ...(target === 'flink' ? { target, parallelism } : {}),
      });
      // The deployments panel opens on it: that is the confirmation, and where its status goes on.
      setOutcome(null);
      deployUiStore.getState().showDeployed(result.id);
    } catch (err) {
      setOutcome(outcomeOf(err, pipeline));
    } finally {
      setBusy(false);
    }
  };

  const onDeploy = () => {
    // Read when pressed: the button does not draw the document, so it need not render again on every edit of it.
    const { document: doc, problems } = weirStore.getState();
    if (problems.length > 0) return setOutcome({ kind: 'problems', problems, fromServer: false });
    if (nodesWithRole(doc.nodes, 'sink').length === 0) return setOutcome({ kind: 'empty' });
    void deploy(doc, false);
  };

  return (
    <div className="deploy-button" ref={root}>
      <button
        type="button"
        className="tool-button tool-button--primary deploy-button__deploy"
        onClick={onDeploy}
        disabled={busy}
        aria-describedby={outcome ? popupId : undefined}
        title={
          target === 'flink' && flink
            ? `Run this pipeline on the Flink cluster at ${flink.restUrl} (parallelism ${parallelism})`
            : 'Run this pipeline on the server against Kafka'
        }
      >
        <Icon name="rocket" />
        <span className="tool-button__label">{busy ? 'Deploying…' : 'Deploy'}</span>
      </button>
      {flink && <DeployTarget restUrl={flink.restUrl} />}
      <button
        type="button"
        className="tool-button deploy-button__panel"
        aria-pressed={panelOpen}
        onClick={() => deployUiStore.getState().togglePanel()}
        title="Show deployments: status, throughput, checkpoints, live output"
      >
        Deployments
      </button>
      {outcome && (
        <div className="deploy-popup" id={popupId} role="alert">
          <OutcomeView outcome={outcome} onConfirmLoss={(p) => void deploy(p, true)} onClose={() => setOutcome(null)} />
        </div>
      )}
    </div>
  );
}

function OutcomeView({
  outcome,
  onConfirmLoss,
  onClose,
}: {
  outcome: Outcome;
  onConfirmLoss: (p: PipelineDoc) => void;
  onClose: () => void;
}) {
  switch (outcome.kind) {
    case 'problems': {
      const { problems } = outcome;
      return (
        <>
          <p className="deploy-popup__title">
            {outcome.fromServer ? 'The server refused the pipeline' : 'Not deployed'}:{' '}
            {problems.length === 1 ? 'one problem' : `${problems.length} problems`} to fix first
          </p>
          <ul className="deploy-popup__problems">
            {problems.slice(0, SHOWN_PROBLEMS).map((p) => (
              <li key={`${p.path}|${p.code}|${p.message}`}>
                <code>{formatProblem(p)}</code>
              </li>
            ))}
          </ul>
          {problems.length > SHOWN_PROBLEMS && (
            <p className="deploy-popup__more">…and {problems.length - SHOWN_PROBLEMS} more.</p>
          )}
          <Actions onClose={onClose} />
        </>
      );
    }
    case 'state-loss':
      return (
        <>
          <p className="deploy-popup__title">
            This upgrade cannot keep the state of{' '}
            {outcome.nodes.length === 1 ? 'one node' : `${outcome.nodes.length} nodes`}
          </p>
          {outcome.message.startsWith(REMOVED_OR_RETYPED) ? (
            <p>
              Nodes removed or given another type lose their state (counts, windows, timers):{' '}
              {outcome.nodes.map((id, i) => (
                <span key={id}>
                  {i > 0 && ', '}
                  <code>{id}</code>
                </span>
              ))}
              . Deploy anyway and start them empty?
            </p>
          ) : (
            // A move to the other target or another Flink parallelism: the server's own words say which.
            <p>{outcome.message}. Deploy anyway, without that state?</p>
          )}
          <div className="deploy-popup__actions">
            <button type="button" className="button button--danger" onClick={() => onConfirmLoss(outcome.pipeline)}>
              Deploy and drop that state
            </button>
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </>
      );
    case 'empty':
      return (
        <>
          <p className="deploy-popup__title">Nothing to deploy yet</p>
          <p>
            A deployment writes its results to Kafka: connect a source, through your operators, to a Kafka sink first.
          </p>
          <Actions onClose={onClose} />
        </>
      );
    case 'error':
      return (
        <>
          <p className="deploy-popup__title">{outcome.unreachable ? 'No server to deploy to' : 'Deploy failed'}</p>
          <p>{outcome.message}</p>
          <Actions onClose={onClose} />
        </>
      );
  }
}

function Actions({ onClose }: { onClose: () => void }) {
  return (
    <div className="deploy-popup__actions">
      <button type="button" className="button" onClick={onClose}>
        Close
      </button>
    </div>
  );
}

function outcomeOf(err: unknown, pipeline: PipelineDoc): Outcome {
  if (err instanceof ApiError) {
    if (err.code === 'E_VALIDATION' && err.problems.length > 0)
      return { kind: 'problems', problems: err.problems, fromServer: true };
    if (err.code === 'E_STATE_LOSS') return { kind: 'state-loss', nodes: err.nodes, pipeline, message: err.message };
    return { kind: 'error', message: describeError(err), unreachable: err.code === 'E_UNREACHABLE' };
  }
  return { kind: 'error', message: describeError(err), unreachable: false };
}

/** Closes the popup on Escape or a pointer press outside `root`. */
function useDismiss(root: RefObject<HTMLElement | null>, active: boolean, dismiss: () => void): void {
  const latest = useRef(dismiss);
  useEffect(() => {
    latest.current = dismiss;
  });
  useEffect(() => {
    if (!active) return;
    const onPointer = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) latest.current();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') latest.current();
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [root, active]);
}
