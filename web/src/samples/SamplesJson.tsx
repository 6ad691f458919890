/** The samples as JSON text, one sample a line, checked as you type and applied when they are valid. */
import { useEffect, useMemo, useState } from 'react';
import { formatProblem } from '../../../shared/pipeline/errors.ts';
import type { Sample } from '../../../shared/pipeline/types.ts';
import { parseSamplesText, samplesToText } from './edit.ts';

export interface SamplesSubviewProps {
  nodeId: string;
  samples: readonly Sample[];
  onApply(samples: Sample[]): void;
}

/** Beyond this many samples the text view would be slow to type in; the table and files handle those. */
const MAX_TEXT_SAMPLES = 20_000;

export function SamplesJson({ nodeId, samples, onApply }: SamplesSubviewProps) {
  const original = useMemo(() => (samples.length > MAX_TEXT_SAMPLES ? null : samplesToText(samples)), [samples]);
  const [text, setText] = useState(original ?? '');
  useEffect(() => setText(original ?? ''), [original]);
  const checked = useMemo(() => parseSamplesText(text), [text]);
  if (original === null) {
    return (
      <p className="samples-panel__empty">
        {samples.length.toLocaleString()} samples are too many to edit as text here; use the table, or export and import
        a file.
      </p>
    );
  }
  const changed = text !== original;
  return (
    <div className="samples-json">
      <textarea
        className="samples-json__text"
        aria-label={`Samples of ${nodeId} as JSON`}
        value={text}
        spellCheck={false}
        onChange={(e) => setText(e.target.value)}
        rows={Math.min(18, Math.max(6, samples.length + 3))}
      />
      {checked.problems.length > 0 && (
        <ul className="samples-problems" aria-label="Problems in the samples">
          {checked.problems.slice(0, 20).map((p, i) => (
            <li key={i}>{formatProblem(p)}</li>
          ))}
          {checked.problems.length > 20 && <li>… and {checked.problems.length - 20} more</li>}
        </ul>
      )}
      <div className="samples-panel__actions">
        <button
          type="button"
          className="button button--small button--primary"
          disabled={!changed || checked.samples === null}
          onClick={() => checked.samples && onApply(checked.samples)}
        >
          Apply
        </button>
        <button
          type="button"
          className="button button--small button--quiet"
          disabled={!changed}
          onClick={() => setText(original)}
        >
          Revert
        </button>
      </div>
    </div>
  );
}
