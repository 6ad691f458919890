/**
 * A source's samples as rows: the value as JSON, key, timestamp and partition; watermark markers as rows of their
 * own. Rows are virtualized, so ten thousand generated samples scroll as smoothly as ten.
 */
import { memo, useEffect, useRef, useState, type CSSProperties } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { ValidationProblem } from '../../../shared/pipeline/errors.ts';
import { isWatermarkSample, type Sample } from '../../../shared/pipeline/types.ts';
import { formatKey, parseInteger, parseKey, parseValue } from './edit.ts';

export interface SamplesTableProps {
  nodeId: string;
  samples: readonly Sample[];
  problems: ReadonlyMap<number, ValidationProblem[]>;
  onReplace(index: number, sample: Sample): void;
  onMove(from: number, to: number): void;
  onRemove(index: number): void;
}

const ROW_HEIGHT = 34;

/** A text input that keeps what the user typed until it parses; `commit` returns an error message or null. */
function DraftInput({
  value,
  commit,
  label,
  className,
  inputMode,
}: {
  value: string;
  commit(text: string): string | null;
  label: string;
  className: string;
  inputMode?: 'numeric';
}) {
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState<string | null>(null);
  const focused = useRef(false);
  useEffect(() => {
    if (!focused.current) {
      setDraft(value);
      setError(null);
    }
  }, [value]);
  return (
    <input
      className={`${className}${error ? ' is-invalid' : ''}`}
      aria-label={label}
      aria-invalid={error !== null}
      title={error ?? undefined}
      value={draft}
      spellCheck={false}
      inputMode={inputMode}
      onFocus={() => (focused.current = true)}
      onBlur={() => {
        focused.current = false;
        if (error === null) setDraft(value);
      }}
      onChange={(e) => {
        setDraft(e.target.value);
        setError(commit(e.target.value));
      }}
    />
  );
}

function withMember<T extends object>(sample: T, name: string, value: unknown): T {
  const next = { ...sample } as Record<string, unknown>;
  if (value === undefined) delete next[name];
  else next[name] = value;
  return next as T;
}

interface RowProps {
  index: number;
  /** Where the row is placed in the scrolling body, in pixels from its top. */
  start: number;
  count: number;
  sample: Sample;
  problems: ValidationProblem[] | undefined;
  onReplace(index: number, sample: Sample): void;
  onMove(from: number, to: number): void;
  onRemove(index: number): void;
}

const SampleRow = memo(function SampleRow({
  index,
  start,
  count,
  sample,
  problems,
  onReplace,
  onMove,
  onRemove,
}: RowProps) {
  const n = index + 1;
  const integerCommit = (name: string) => (text: string) => {
    const parsed = parseInteger(text);
    if (Number.isNaN(parsed)) return 'an integer number of milliseconds';
    onReplace(index, withMember(sample, name, parsed));
    return null;
  };
  const partition = (
    <DraftInput
      className="samples-row__partition"
      label={`Partition of sample ${n}`}
      value={sample.partition === undefined ? '' : String(sample.partition)}
      inputMode="numeric"
      commit={(text) => {
        const parsed = parseInteger(text);
        if (Number.isNaN(parsed) || (parsed !== undefined && parsed < 0)) return 'an integer ≥ 0';
        onReplace(index, withMember(sample, 'partition', parsed));
        return null;
      }}
    />
  );
  const marker = isWatermarkSample(sample);
  return (
    <tr
      className={`samples-row${marker ? ' samples-row--watermark' : ''}${problems ? ' has-problems' : ''}`}
      aria-label={`Sample ${n}`}
      aria-rowindex={index + 2}
      style={{
        position: 'absolute',
        top: 0,
        left: 0,
        right: 0,
        height: ROW_HEIGHT,
        transform: `translateY(${start}px)`,
      }}
    >
      <td className="samples-row__index" title={problems?.map((p) => `${p.path}: ${p.message}`).join('\n')}>
        {problems ? '⚠' : n}
      </td>
      {marker ? (
        <td className="samples-row__marker">
          <span className="samples-row__marker-label">watermark</span>
          <DraftInput
            className="samples-row__watermark"
            label={`Watermark of sample ${n}`}
            value={String(sample.watermark)}
            inputMode="numeric"
            commit={integerCommit('watermark')}
          />
        </td>
      ) : (
        <>
          <td className="samples-row__value-cell">
            <DraftInput
              className="samples-row__value"
              label={`Value of sample ${n}`}
              value={JSON.stringify(sample.value)}
              commit={(text) => {
                const parsed = parseValue(text);
                if (!parsed.ok) return `not JSON: ${parsed.message}`;
                onReplace(index, { ...sample, value: parsed.value });
                return null;
              }}
            />
          </td>
          <td>
            <DraftInput
              className="samples-row__key"
              label={`Key of sample ${n}`}
              value={formatKey(sample.key)}
              commit={(text) => {
                onReplace(index, withMember(sample, 'key', parseKey(text)));
                return null;
              }}
            />
          </td>
          <td>
            <DraftInput
              className="samples-row__timestamp"
              label={`Timestamp of sample ${n}`}
              value={sample.timestamp === undefined ? '' : String(sample.timestamp)}
              inputMode="numeric"
              commit={integerCommit('timestamp')}
            />
          </td>
        </>
      )}
      <td>{partition}</td>
      <td className="samples-row__actions">
        <button
          type="button"
          className="icon-button"
          aria-label={`Move sample ${n} up`}
          title="Move up"
          disabled={index === 0}
          onClick={() => onMove(index, index - 1)}
        >
          ↑
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label={`Move sample ${n} down`}
          title="Move down"
          disabled={index === count - 1}
          onClick={() => onMove(index, index + 1)}
        >
          ↓
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label={`Remove sample ${n}`}
          title="Remove"
          onClick={() => onRemove(index)}
        >
          ✕
        </button>
      </td>
    </tr>
  );
});

export function SamplesTable({ nodeId, samples, problems, onReplace, onMove, onRemove }: SamplesTableProps) {
  const scrollRef = useRef<HTMLTableSectionElement>(null);
  const virtualizer = useVirtualizer({
    count: samples.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  // A real table, laid out by CSS as the virtualized list it is: the body scrolls, its rows are placed.
  return (
    <table className="samples-table" aria-label={`Samples of ${nodeId}`} aria-rowcount={samples.length + 1}>
      <thead>
        <tr className="samples-row samples-row--header" aria-rowindex={1}>
          <th scope="col">#</th>
          <th scope="col">value (JSON)</th>
          <th scope="col">key</th>
          <th scope="col">timestamp</th>
          <th scope="col" title="partition">
            part.
          </th>
          <th scope="col" />
        </tr>
      </thead>
      <tbody
        className="samples-table__body"
        ref={scrollRef}
        style={{ '--rows-height': `${virtualizer.getTotalSize()}px` } as CSSProperties}
      >
        {virtualizer.getVirtualItems().map((item) => (
          <SampleRow
            key={item.key}
            index={item.index}
            start={item.start}
            count={samples.length}
            sample={samples[item.index]!}
            problems={problems.get(item.index)}
            onReplace={onReplace}
            onMove={onMove}
            onRemove={onRemove}
          />
        ))}
      </tbody>
    </table>
  );
}
