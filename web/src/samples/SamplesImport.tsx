/** Samples from a file (JSON Lines, JSON or CSV), previewed before they replace or extend the current ones. */
import { useId, useRef, useState } from 'react';
import { parseSamplesFile, toJsonLines, type ImportResult } from './import.ts';
import type { SamplesSubviewProps } from './SamplesJson.tsx';

interface Loaded extends ImportResult {
  fileName: string;
}

export function SamplesImport({ nodeId, samples, onApply }: SamplesSubviewProps) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [reading, setReading] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const hintId = useId();

  async function read(file: File) {
    setReading(true);
    try {
      const text = await file.text();
      setLoaded({ fileName: file.name, ...parseSamplesFile(file.name, text) });
    } finally {
      setReading(false);
    }
  }

  function download() {
    const url = URL.createObjectURL(new Blob([toJsonLines(samples)], { type: 'application/x-ndjson' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${nodeId}.samples.jsonl`;
    a.click();
    URL.revokeObjectURL(url);
  }

  return (
    <div className="samples-import">
      <p className="samples-panel__hint" id={hintId}>
        JSON Lines (one sample or value a line, as <code>weir simulate --input {nodeId}=FILE</code> reads), a JSON
        array, or CSV with a header row (numbers and booleans are parsed).
      </p>
      {/* The browser's own file input cannot be styled: it stays hidden, and a button of the app's kind opens it. */}
      <div className="samples-import__file">
        <button
          type="button"
          className="button button--small"
          aria-describedby={hintId}
          disabled={reading}
          onClick={() => fileInput.current?.click()}
        >
          Choose a file…
        </button>
        <input
          ref={fileInput}
          type="file"
          hidden
          accept=".jsonl,.ndjson,.json,.csv,.txt"
          aria-label={`Import samples of ${nodeId} from a file`}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void read(file);
            e.target.value = '';
          }}
        />
      </div>
      {reading && <p className="samples-panel__hint">Reading…</p>}
      {loaded && (
        <div className="samples-import__preview" aria-live="polite">
          <p>
            <strong>{loaded.fileName}</strong>: {loaded.samples.length.toLocaleString()} sample
            {loaded.samples.length === 1 ? '' : 's'}
            {loaded.problems.length > 0 &&
              `, ${loaded.problems.length} line${loaded.problems.length === 1 ? '' : 's'} skipped`}
          </p>
          {loaded.samples.length > 0 && (
            <pre className="samples-import__first">
              {loaded.samples
                .slice(0, 3)
                .map((s) => JSON.stringify(s))
                .join('\n')}
            </pre>
          )}
          {loaded.problems.length > 0 && (
            <ul className="samples-problems">
              {loaded.problems.slice(0, 10).map((p, i) => (
                <li key={i}>{p}</li>
              ))}
            </ul>
          )}
          <div className="samples-panel__actions">
            <button
              type="button"
              className="button button--small button--primary"
              disabled={loaded.samples.length === 0}
              onClick={() => {
                onApply(loaded.samples);
                setLoaded(null);
              }}
            >
              Replace samples
            </button>
            <button
              type="button"
              className="button button--small"
              disabled={loaded.samples.length === 0}
              onClick={() => {
                onApply([...samples, ...loaded.samples]);
                setLoaded(null);
              }}
            >
              Append
            </button>
            <button type="button" className="button button--small button--quiet" onClick={() => setLoaded(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {samples.length > 0 && (
        <div className="samples-panel__actions">
          <button type="button" className="button button--small button--quiet" onClick={download}>
            Download as JSON Lines
          </button>
        </div>
      )}
    </div>
  );
}
