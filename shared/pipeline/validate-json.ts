/**
 * Reading pipeline text: JSON.parse, and when it fails, one E_JSON problem with a line and a column. JSON.parse
 * names a position for some errors only ("Unexpected token '}', … is not valid JSON" has none), so a small scanner
 * finds where the text stops being JSON; the message is still the parser's. Text that nests arrays and objects
 * deeper than `MAX_JSON_DEPTH` is refused before it is parsed.
 */
import { problem, type ValidationProblem } from './errors.ts';

/**
 * How deep arrays and objects may nest in a document. Every walk of a document (validation, copies, serializing,
 * the scanner below) recurses, and tens of thousands of levels overflow the stack after seconds of work; a pipeline
 * needs a dozen.
 */
export const MAX_JSON_DEPTH = 256;

export type ParsedText = { ok: true; value: unknown } | { ok: false; problem: ValidationProblem };

export function parseJsonText(text: string): ParsedText {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const tooDeep = nestedTooDeep(source);
  if (tooDeep >= 0) {
    const { line, column } = lineAndColumn(source, tooDeep);
    return {
      ok: false,
      problem: problem(
        '',
        'E_JSON',
        `line ${line}, column ${column}: arrays and objects nest deeper than ${MAX_JSON_DEPTH} levels here, the most a document may have`,
      ),
    };
  }
  try {
    return { ok: true, value: JSON.parse(source) };
  } catch (err) {
    const { line, column, reason } = jsonSyntaxError(source, err);
    return {
      ok: false,
      problem: problem(
        '',
        'E_JSON',
        `line ${line}, column ${column}: ${reason}; the file must be one JSON document (no comments, no trailing commas)`,
      ),
    };
  }
}

/** Where JSON.parse failed on `text` and why, without the parser's own position or its echo of the text. */
export function jsonSyntaxError(text: string, error: unknown): { line: number; column: number; reason: string } {
  const reason = String((error as Error).message)
    // V8 echoes the text around the error, cut short with `...` at either end when the document is long.
    .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '');
  return { ...lineAndColumn(text, errorOffset(text)), reason };
}

/**
 * The offset of the first `[` or `{` (outside strings) that opens a level deeper than `limit`; -1 when there is
 * none. One pass over the text, which need not be JSON.
 */
export function nestedTooDeep(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string: skip to its closing quote, over escapes.
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
    } else if (c === 91 || c === 123) {
      if (++depth > limit) return i;
    } else if (c === 93 || c === 125) {
      depth--;
    }
  }
  return -1;
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Offset of the first character that cannot continue a JSON document (text.length when it ends too early). */
export function errorOffset(text: string): number {
  let i = 0;
  const fail = (at: number): never => {
    throw new JsonStop(at);
  };
  const space = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) fail(i);
  };
  const string = () => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) return void i++;
      if (c < 32) fail(i);
      if (c === 92) {
        i++;
        if (text[i] === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) fail(i + k);
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? '@')) fail(i);
      }
      i++;
    }
    fail(i);
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match || match[0] === '-') fail(i + (match?.[0].length ?? 0));
    i += match![0].length;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') return void i++;
      for (;;) {
        space();
        if (text[i] !== '"') fail(i);
        string();
        space();
        if (text[i] !== ':') fail(i);
        i++;
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail(i);
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail(i);
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    fail(i);
  };
  try {
    value();
    space();
    if (i < text.length) fail(i);
  } catch (err) {
    if (err instanceof JsonStop) return Math.min(err.offset, text.length);
    throw err;
  }
  return text.length;
}

class JsonStop {
  readonly offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }
}
