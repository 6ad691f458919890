/**
 * Generated samples: a template, a count and a seed. A few hundred can be stored as the source's samples; for big
 * runs (a million events) the events are made inside the simulation worker and never enter the document.
 */
import { useMemo, useState } from 'react';
import { useWeirStore } from '../store/index.ts';
import { seededRandom } from '../../../shared/random.ts';
import { compileTemplate, EXAMPLE_TEMPLATE, GENERATOR_FUNCTIONS } from './generator.ts';
import type { SamplesSubviewProps } from './SamplesJson.tsx';

/** More than this many stored samples make the pipeline file unwieldy; simulate them instead. */
const MAX_STORED = 100_000;

export function SamplesGenerator({ nodeId, samples, onApply }: SamplesSubviewProps) {
  const [template, setTemplate] = useState(EXAMPLE_TEMPLATE);
  const [countText, setCountText] = useState('100');
  const [seedText, setSeedText] = useState('1');
  const runSimulation = useWeirStore((s) => s.runSimulation);
  const compiled = useMemo(() => compileTemplate(template), [template]);
  const count = Number(countText);
  const seed = Number(seedText);
  const countOk = Number.isSafeInteger(count) && count > 0;
  const seedOk = Number.isSafeInteger(seed);
  const preview = useMemo(() => {
    if (!compiled.ok) return [];
    const random = seededRandom(seedOk ? seed : 1);
    return [0, 1, 2].map((i) => JSON.stringify(compiled.sample(i, random)));
  }, [compiled, seed, seedOk]);
  const canStore = compiled.ok && countOk && seedOk && count <= MAX_STORED;

  return (
    <div className="samples-generator">
      <label className="samples-field">
        <span>
          Template (JSON; strings like <code>int(1,100)</code> are generated)
        </span>
        <textarea
          aria-label={`Generator template of ${nodeId}`}
          value={template}
          spellCheck={false}
          rows={4}
          onChange={(e) => setTemplate(e.target.value)}
        />
      </label>
      <details className="samples-generator__help">
        <summary>Functions</summary>
        <ul>
          {GENERATOR_FUNCTIONS.map((f) => (
            <li key={f.call}>
              <code>{f.call}</code> — {f.meaning}
            </li>
          ))}
        </ul>
      </details>
      <div className="samples-generator__numbers">
        <label className="samples-field">
          <span>Events</span>
          <input
            aria-label="Number of events to generate"
            inputMode="numeric"
            value={countText}
            onChange={(e) => setCountText(e.target.value)}
            aria-invalid={!countOk}
          />
        </label>
        <label className="samples-field">
          <span>Seed</span>
          <input
            aria-label="Random seed"
            inputMode="numeric"
            value={seedText}
            onChange={(e) => setSeedText(e.target.value)}
            aria-invalid={!seedOk}
          />
        </label>
      </div>
      {compiled.ok ? (
        <figure className="bare-figure" aria-label="Preview of generated samples">
          <pre className="samples-import__first">{preview.join('\n')}</pre>
        </figure>
      ) : (
        <p className="samples-problems">{compiled.message}</p>
      )}
      <div className="samples-panel__actions">
        <button
          type="button"
          className="button button--small button--primary"
          disabled={!canStore}
          onClick={() => compiled.ok && onApply(compiled.generate(count, seed))}
        >
          Replace samples
        </button>
        <button
          type="button"
          className="button button--small"
          disabled={!canStore}
          onClick={() => compiled.ok && onApply([...samples, ...compiled.generate(count, seed)])}
        >
          Append
        </button>
        <button
          type="button"
          className="button button--small"
          disabled={!compiled.ok || !countOk || !seedOk}
          title="Runs the pipeline on these events without storing them in the pipeline"
          onClick={() => runSimulation({ generated: { [nodeId]: { template, count, seed } } })}
        >
          Simulate with {countOk ? count.toLocaleString() : 'N'} events
        </button>
      </div>
      {countOk && count > MAX_STORED && (
        <p className="samples-panel__hint">
          More than {MAX_STORED.toLocaleString()} events are only simulated, not stored in the pipeline.
        </p>
      )}
    </div>
  );
}
