/**
 * A source's samples in the inspector: how many there are and their problems. The samples editor itself opens in
 * the panel below the canvas, where a table of records has room.
 */
import { formatProblem, type ValidationProblem } from '../../../shared/pipeline/errors.ts';
import { useWeirStore, weirStore } from '../store/index.ts';

export function SourceSamplesSlot({ nodeId, problems }: { nodeId: string; problems: readonly ValidationProblem[] }) {
  const count = useWeirStore((s) => s.document.nodes.find((n) => n.id === nodeId)?.samples?.length ?? 0);
  const open = useWeirStore((s) => s.bottomPanel === 'samples');
  return (
    <section className="inspector__section" aria-label="Samples">
      <h3 className="inspector__section-title">Samples</h3>
      <p className="inspector__description">
        {count === 0
          ? 'No samples yet: simulation feeds a source its samples.'
          : `${count.toLocaleString()} sample${count === 1 ? '' : 's'} drive this source in simulation.`}
      </p>
      <button
        type="button"
        className="button button--small"
        aria-pressed={open}
        onClick={() => weirStore.getState().showPanel(open ? null : 'samples')}
      >
        {open ? 'Hide samples' : 'Edit samples'}
      </button>
      {problems.length > 0 && (
        <ul className="field__problems">
          {problems.map((p) => (
            <li key={`${p.path}:${p.code}`}>{formatProblem(p)}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
