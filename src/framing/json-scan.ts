/**
 * json-stream's scan of an object or array (json-stream.ts): finds where the value open at a
 * position ends, tracking only strings, escapes and nesting depth (JSON validity is the parser's
 * business). A value may span chunks, so the scan's state carries over between calls, packed in
 * one number (`ScanState`): the same contract a host's native scanner keeps (`JsonScanner` in
 * types.ts; the Node layer's is WebAssembly), so the two can be swapped chunk by chunk.
 *
 * The loop is plain JavaScript, one comparison for most bytes. Measured against jumping from
 * quote to quote with indexOf (a call's cost outweighs the bytes it skips in typical short
 * strings) and against scanning a decoded string with charCodeAt, it was the fastest of the three.
 */

/**
 * Where a scan stands between chunks: `depth * 4 + escapePending * 2 + inString`. `depth` is the
 * nesting depth (0 between values), `inString` whether a string is open, `escapePending` whether
 * the last byte was a backslash inside it (so the next chunk's first byte is escaped).
 */
export type ScanState = number;

/** The state just after a value's opening `{` or `[`. */
export const VALUE_OPENED: ScanState = 4;

/** A host's JsonScanner is used only in states below this (see JsonScanner.scan in types.ts). */
export const MAX_NATIVE_SCAN_STATE: ScanState = 2 ** 30;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
/**
 * `[` and `]` are `{` and `}` less this bit, and no other byte is: `(b | CASE_BIT) === OPEN_BRACE`
 * tests for both openers in one comparison (likewise the closers), in the hottest loop.
 */
const CASE_BIT = 0x20;

/**
 * Scans `chunk` from `from` in state `state` (never 0: a value is open). Returns the position just
 * after the value's last byte, or `-1 - s` when the value goes on past the chunk, `s` being the
 * state at the chunk's end.
 */
export function scanJsonValue(chunk: Uint8Array, from: number, state: ScanState): number {
  const n = chunk.length;
  let depth = Math.floor(state / 4);
  let i = from;
  if ((state & 1) !== 0) {
    i = skipStringBody(chunk, (state & 2) !== 0 ? i + 1 : i);
    if (i >= n) return stoppedInString(i, depth, n);
    i++;
  }
  for (; i < n; i++) {
    const b = chunk[i];
    if (b === QUOTE) {
      i = skipStringBody(chunk, i + 1);
      if (i >= n) return stoppedInString(i, depth, n);
    } else if ((b | CASE_BIT) === OPEN_BRACE) {
      depth++; // `{` or `[`
    } else if ((b | CASE_BIT) === CLOSE_BRACE && --depth === 0) {
      return i + 1;
    }
  }
  return -1 - depth * 4;
}

/** The chunk ended inside a string; `end` (from skipStringBody) tells whether on a backslash. */
function stoppedInString(end: number, depth: number, n: number): number {
  return -1 - (depth * 4 + (end > n ? 3 : 1));
}

/**
 * Skips string content from `i` to the closing quote and returns its position; or returns the
 * chunk's length if the string goes on, or the length + 1 if the chunk ends on a backslash (so the
 * next chunk's first byte is escaped). Most string bytes (lower-case letters, UTF-8 beyond ASCII)
 * lie above the backslash, the larger of the two bytes looked for, so one comparison rules them out.
 */
function skipStringBody(chunk: Uint8Array, i: number): number {
  const n = chunk.length;
  for (; i < n; i++) {
    const c = chunk[i];
    if (c <= BACKSLASH) {
      if (c === QUOTE) return i;
      if (c === BACKSLASH) i++;
    }
  }
  return i;
}
