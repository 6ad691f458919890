/**
 * Dead letters (SPEC §5): under `onError: "route"` a record that fails leaves on the node's `error` port as value
 * `{ "error": message, "node": id, "input": inputValue }`, key, timestamp and headers kept.
 *
 * A dead letter must always be deliverable, or the one record it is about stops the job: a 900 KB Kafka record that
 * was not JSON made a dead letter past Kafka's default 1 MB message limit, and a value nested 20 000 deep made
 * `JSON.stringify` overflow the stack. So a dead letter is always small and always encodable:
 *
 * - `error` is at most ERROR_TEXT_CHARS characters (`...` marks the cut; see `Operator.handleError`);
 * - `input` is the input as it was when its JSON text takes at most DEAD_LETTER_INPUT_BYTES (64 KiB) of UTF-8;
 * - a larger input is carried as the start of its text, a string whose JSON text fits those 64 KiB: of the string
 *   itself when the input is text (a raw Kafka value that is not JSON), of its JSON text otherwise; the dead letter
 *   then adds `"truncated": true` and `"originalBytes"`, the size in UTF-8 bytes of the whole text;
 * - an input nested deeper than MAX_JSON_DEPTH levels (or circular), or one JSON cannot encode, is carried as a
 *   short text saying so, in parentheses, with `"truncated": true` and no `originalBytes` (it has no JSON text).
 *
 * A dead letter is thus under 90 KiB of JSON, whatever failed. Small failures keep exactly the documented shape.
 */
import { MAX_JSON_DEPTH, clipText, jsonStringBytes, jsonText, prefixWithinJsonBytes, utf8Length } from './json-text.ts';

export { MAX_JSON_DEPTH };

/** The most UTF-8 bytes the JSON text of a dead letter's `input` takes. */
export const DEAD_LETTER_INPUT_BYTES = 64 * 1024;

/** The most characters of an error message (a dead letter's `error`, a failure's reason, what observers hear). */
export const ERROR_TEXT_CHARS = 4096;

export interface DeadLetter {
  error: string;
  node: string;
  input: unknown;
  /** Present (true) only when `input` is not the whole input. */
  truncated?: true;
  /** The size in UTF-8 bytes of the whole input's text, when `input` carries its start. */
  originalBytes?: number;
}

/** An error message as a dead letter and a failure carry it: at most ERROR_TEXT_CHARS characters. */
export function capErrorText(message: string): string {
  return clipText(message, ERROR_TEXT_CHARS);
}

/** The value of a dead letter for `input` failing at `node` with `error`; never throws. */
export function deadLetter(error: string, node: string, input: unknown): DeadLetter {
  const letter: DeadLetter = { error: capErrorText(error), node, input: input === undefined ? null : input };
  if (typeof input === 'string') {
    if (jsonStringBytes(input) > DEAD_LETTER_INPUT_BYTES) truncate(letter, input);
    return letter;
  }
  const encoded = jsonText(letter.input);
  if (!encoded.ok) {
    letter.input = `(${encoded.why})`;
    letter.truncated = true;
  } else if (encoded.text !== undefined && utf8Length(encoded.text) > DEAD_LETTER_INPUT_BYTES) {
    truncate(letter, encoded.text);
  }
  return letter;
}

function truncate(letter: DeadLetter, text: string): void {
  letter.input = prefixWithinJsonBytes(text, DEAD_LETTER_INPUT_BYTES);
  letter.truncated = true;
  letter.originalBytes = utf8Length(text);
}
