/**
 * Inputs whose text is not the stored value: integers, durations (`1m` shown, 60000 stored), node ids. While the
 * text does not parse, it stays as typed with a hint; the document keeps its last good value.
 */
import { useState, type InputHTMLAttributes } from 'react';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

interface DraftInputProps<T> extends Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'onBlur'> {
  value: T;
  format(value: T): string;
  parse(text: string): Parsed<T>;
  onCommit(value: T): void;
  onBlur?(): void;
  /** Commit only on Enter or leaving the field (renames), instead of on every keystroke. */
  commitOnBlur?: boolean;
}

export function DraftInput<T>({ value, format, parse, onCommit, onBlur, commitOnBlur, ...rest }: DraftInputProps<T>) {
  // The draft belongs to the value it was typed over; when the value changes elsewhere (undo), the draft is dropped.
  const [draft, setDraft] = useState<{ text: string; over: T; message: string | null } | null>(null);
  const live = draft !== null && Object.is(draft.over, value) ? draft : null;
  const text = live ? live.text : format(value);

  const accept = (next: string) => {
    const parsed = parse(next);
    if (!parsed.ok) return setDraft({ text: next, over: value, message: parsed.message });
    if (commitOnBlur) return setDraft({ text: next, over: value, message: null });
    // Keep the text as typed while the field has focus: `1` is already a duration, but the user is writing `1m`.
    setDraft({ text: next, over: parsed.value, message: null });
    if (!Object.is(parsed.value, value)) onCommit(parsed.value);
  };
  const finish = () => {
    if (live && live.message === null && commitOnBlur) {
      const parsed = parse(live.text);
      setDraft(null);
      if (parsed.ok && !Object.is(parsed.value, value)) onCommit(parsed.value);
    } else if (live && live.message === null) setDraft(null);
    onBlur?.();
  };

  return (
    <>
      <input
        {...rest}
        value={text}
        aria-invalid={live?.message ? true : undefined}
        onChange={(e) => accept(e.target.value)}
        onBlur={finish}
        onKeyDown={(e) => {
          if (e.key === 'Enter') finish();
          if (e.key === 'Escape') setDraft(null);
        }}
      />
      {live?.message && (
        <p className="field__hint field__hint--invalid" role="alert">
          {live.message}
        </p>
      )}
    </>
  );
}
