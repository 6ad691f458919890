/**
 * JSON text of values that come from the data (a record's value, what a UDF returned or threw), for error messages
 * and dead letters (SPEC §5). Such a value may be nested deeper than `JSON.stringify` can recurse (it overflows the
 * stack at a few thousand levels), circular, or not JSON at all (a BigInt); one bad record must never make the code
 * that describes it throw, so nothing here throws.
 */

/**
 * Nesting (arrays and objects inside one another) beyond which a value is described instead of encoded. Far below
 * where `JSON.stringify` overflows, so that the encoding also succeeds deep in the engine's call stack and with a
 * dead letter's own level around it, and below the 1000 levels at which common JSON readers stop by default
 * (Jackson's limit), so that whoever consumes a dead-letter topic can read it.
 */
export const MAX_JSON_DEPTH = 512;

/** Where a value text is clipped inside a message (`…, got <value>`, `(input: <value>)`). */
export const PREVIEW_CHARS = 200;

/** A value's JSON text: `text` is undefined where JSON has none (undefined, a function), as with JSON.stringify. */
export type JsonText = { ok: true; text: string | undefined } | { ok: false; tooDeep: boolean; why: string };

/** Whether arrays and objects nest more than `limit` levels deep in `value`; a circular value does. No recursion. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()! + 1;
    if (v === null || typeof v !== 'object') continue;
    if (depth > limit) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (let i = 0; i < children.length; i++) {
      const child: unknown = children[i];
      if (child !== null && typeof child === 'object') {
        values.push(child);
        depths.push(depth);
      }
    }
  }
  return false;
}

/** `JSON.stringify(value)`, or why it cannot be had: nested deeper than MAX_JSON_DEPTH, circular, not encodable. */
export function jsonText(value: unknown): JsonText {
  try {
    if (nestsDeeperThan(value, MAX_JSON_DEPTH))
      return { ok: false, tooDeep: true, why: `a JSON value nested deeper than ${MAX_JSON_DEPTH} levels` };
    return { ok: true, text: JSON.stringify(value) };
  } catch (err) {
    const reason = safeMessage(err);
    return {
      ok: false,
      tooDeep: false,
      why: `a value that cannot be encoded as JSON${reason ? ` (${clipText(reason, PREVIEW_CHARS)})` : ''}`,
    };
  }
}

/**
 * The value as text for a message: its JSON text, else `String(value)` (undefined, a function, a BigInt), else a
 * parenthesised sentence saying why there is no text (too deep, circular).
 */
export function describeValue(value: unknown): string {
  const encoded = jsonText(value);
  if (encoded.ok && encoded.text !== undefined) return encoded.text;
  if (!encoded.ok && encoded.tooDeep) return `(${encoded.why})`;
  try {
    return String(value);
  } catch {
    return `(${encoded.ok ? 'a value that has no text' : encoded.why})`;
  }
}

/** `describeValue` clipped to `maxChars` characters (`...` marks the cut). */
export function preview(value: unknown, maxChars = PREVIEW_CHARS): string {
  return clipText(describeValue(value), maxChars);
}

/** `text` cut to at most `maxChars` UTF-16 code units, ending in `...` when cut; never splits a surrogate pair. */
export function clipText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = Math.max(0, maxChars - 3);
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return text.slice(0, end) + '...';
}

/** The size of `text` in UTF-8 bytes (a lone surrogate counts as the 3 bytes of U+FFFD, which encoders write). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (isHighSurrogate(c) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * The longest prefix of `text` whose JSON string literal (`JSON.stringify(prefix)`, quotes and escapes included)
 * takes at most `maxBytes` UTF-8 bytes. Escapes count: binary data read as text is mostly `\u00XX` and U+FFFD.
 */
export function prefixWithinJsonBytes(text: string, maxBytes: number): string {
  return text.slice(0, scanJsonString(text, maxBytes).end);
}

/** The size in UTF-8 bytes of `JSON.stringify(text)`. */
export function jsonStringBytes(text: string): number {
  return scanJsonString(text, Infinity).bytes;
}

/** Walks `text` as JSON.stringify escapes it, while its literal fits `maxBytes`: where it stopped, and the bytes so far. */
function scanJsonString(text: string, maxBytes: number): { end: number; bytes: number } {
  let bytes = 2;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    let units = 1;
    let cost: number;
    if (c === 0x22 || c === 0x5c) cost = 2;
    else if (c < 0x20) cost = c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
    else if (c < 0x80) cost = 1;
    else if (c < 0x800) cost = 2;
    else if (isHighSurrogate(c) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      cost = 4;
      units = 2;
    } else if (isHighSurrogate(c) || isLowSurrogate(c))
      cost = 6; // a lone surrogate: JSON.stringify writes \udXXX
    else cost = 3;
    if (bytes + cost > maxBytes) break;
    bytes += cost;
    i += units;
  }
  return { end: i, bytes };
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** What an error thrown while encoding says, without trusting it (its message could be a throwing getter). */
function safeMessage(err: unknown): string {
  try {
    if (typeof err === 'string') return err;
    const message = (err as { message?: unknown } | null)?.message;
    return typeof message === 'string' ? message : '';
  } catch {
    return '';
  }
}
