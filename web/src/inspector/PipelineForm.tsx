/** The pipeline's own fields, shown in the inspector when nothing is selected. */
import { useId } from 'react';
import type { Field } from '../../../shared/pipeline/schema.ts';
import { formatProblem, type ValidationProblem } from '../../../shared/pipeline/errors.ts';
import { useWeirStore, weirStore } from '../store/index.ts';
import { FieldEditor, problemsAt } from './fields.tsx';

// The same limits the validator applies to `settings` (SPEC §1).
const SETTINGS: Record<string, Field> = {
  checkpointIntervalMs: {
    kind: 'duration',
    label: 'Checkpoint interval',
    min: 1,
    default: 1000,
    description: 'how often a deployment commits state and output',
  },
  delivery: { kind: 'enum', label: 'Delivery', values: ['exactly-once', 'at-least-once'], default: 'exactly-once' },
  maxParallelism: {
    kind: 'integer',
    label: 'Max parallelism',
    min: 1,
    max: 32768,
    default: 128,
    description: 'number of key groups; fixed once deployed',
  },
};

const sealHistory = () => weirStore.getState().sealHistory();

function Problems({ problems }: { problems: readonly ValidationProblem[] }) {
  if (problems.length === 0) return null;
  return (
    <ul className="field__problems">
      {problems.map((p) => (
        <li key={`${p.path}:${p.code}`}>{formatProblem(p)}</li>
      ))}
    </ul>
  );
}

export function PipelineForm() {
  const { name, id, description, settings, problems, nodeCount } = useWeirStore((s) => ({
    name: s.document.name,
    id: s.document.id,
    description: s.document.description,
    settings: s.document.settings,
    problems: s.problems,
    nodeCount: s.document.nodes.length,
  }));
  const nameId = useId();
  const idId = useId();
  const descriptionId = useId();
  const set = (key: 'name' | 'id' | 'description', value: string) =>
    weirStore.getState().setPipelineValue(key, key === 'description' && value === '' ? undefined : value, {
      coalesce: `pipeline:${key}`,
    });

  return (
    <div className="inspector__body">
      <header className="inspector__node-header">
        <div>
          <h2 className="inspector__title">Pipeline</h2>
          <p className="inspector__subtitle">
            {nodeCount} node{nodeCount === 1 ? '' : 's'} · select a node to edit it
          </p>
        </div>
      </header>
      <section className="inspector__section" aria-label="Pipeline">
        <div className={`field${problemsAt(problems, 'name').length > 0 ? ' field--invalid' : ''}`}>
          <label className="field__label" htmlFor={nameId}>
            Name
          </label>
          <input
            id={nameId}
            className="input"
            value={name}
            onChange={(e) => set('name', e.target.value)}
            onBlur={sealHistory}
          />
          <Problems problems={problemsAt(problems, 'name')} />
        </div>
        <div className={`field${problemsAt(problems, 'id').length > 0 ? ' field--invalid' : ''}`}>
          <label className="field__label" htmlFor={idId}>
            Pipeline id
          </label>
          <input
            id={idId}
            className="input input--mono"
            value={id}
            spellCheck={false}
            onChange={(e) => set('id', e.target.value)}
            onBlur={sealHistory}
          />
          <p className="field__hint">Lower-case letters, digits and “-”; the exported file is named after it.</p>
          <Problems problems={problemsAt(problems, 'id')} />
        </div>
        <div className="field">
          <label className="field__label" htmlFor={descriptionId}>
            Description<span className="field__optional">optional</span>
          </label>
          <textarea
            id={descriptionId}
            className="input"
            rows={3}
            value={description ?? ''}
            onChange={(e) => set('description', e.target.value)}
            onBlur={sealHistory}
          />
        </div>
      </section>
      <section className="inspector__section" aria-label="Settings">
        <h3 className="inspector__section-title">Settings</h3>
        {Object.entries(SETTINGS).map(([key, field]) => (
          <FieldEditor
            key={key}
            nodeId=""
            name={key}
            field={field}
            value={settings?.[key as keyof typeof settings]}
            path={['settings', key]}
            problemPath={`settings.${key}`}
            problems={problems}
            onChange={(value) => {
              const next: Record<string, unknown> = { ...settings };
              if (value === undefined) delete next[key];
              else next[key] = value;
              weirStore.getState().setPipelineValue('settings', Object.keys(next).length === 0 ? undefined : next, {
                coalesce: `pipeline:settings.${key}`,
              });
            }}
            onBlur={sealHistory}
          />
        ))}
      </section>
    </div>
  );
}
