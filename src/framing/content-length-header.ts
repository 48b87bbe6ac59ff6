/**
 * The header block of one content-length message (content-length.ts), read byte by byte as it
 * arrives, cut anywhere by the chunks:
 *
 *     Content-Length: 52\r\n
 *     Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n      (optional)
 *     \r\n
 *
 * Header names are RFC 9110 tokens, matched case-insensitively; values are printable ASCII or tabs.
 * Unknown headers are ignored, as LSP says. When the block ends (or turns out not to be one),
 * `read()` says what the framer does next (`HeaderEnd`) and adds the errors found to its `errors`
 * argument. The block as nearly every implementation writes it (`Content-Length: N\r\n\r\n`, whole
 * in one chunk) is matched in place by `matchFast()` instead.
 */
import { framingError, quoteBytes } from './framing-errors.js';
import { garbageBeforeHeader, RESYNC_PATTERN } from './content-length-resync.js';
import type { FrameEvent } from './types.js';

/** The largest header block accepted. */
export const MAX_HEADER_BYTES = 8 * 1024;

const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;
const TAB = 0x09;
/** The length of `Content-Length: `, which startsWithFastPrefix matches. */
const FAST_PREFIX_BYTES = 16;

const CONTENT_TYPE = Uint8Array.from('content-type', (c) => c.charCodeAt(0));

/** RFC 9110 token characters, the only ones a header name may hold. */
const IS_TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  IS_TOKEN[c.charCodeAt(0)] = 1;
}

/** Where the reader is inside the block. */
const enum LineState {
  Name,
  Value,
  /** After the `\r` of a header line. */
  LineLf,
  /** After the `\r` of the empty line that ends the block. */
  EndLf,
}

/** What follows the block `read()` just finished. */
export const enum HeaderEnd {
  /** The block goes on in the next chunk. */
  Pending,
  /** A body of `bodyLength` bytes (errors were reported only for stray output before the name). */
  Body,
  /** A body of `bodyLength` bytes to skip: it was rejected (the error says why). */
  Skip,
  /** The body's length is unknown: look for the next header (the error says why). */
  Resync,
  /** A byte that cannot be in a header: `garbage()` holds the block before it; look for the next header. */
  Garbage,
}

export class HeaderBlock {
  private readonly bytes = new Uint8Array(MAX_HEADER_BYTES);
  /** Bytes of the block read so far. */
  length = 0;
  /** The body's length, after a block that ended in `Body` or `Skip`. */
  bodyLength = 0;
  private lineState = LineState.Name;
  private lineStart = 0;
  private colonAt = 0;
  /** How many Content-Length headers were read, and where the first one's value lies in `bytes`. */
  private lengthCount = 0;
  private firstValueStart = 0;
  private firstValueEnd = 0;
  /** The texts of all Content-Length values, once there is more than one; else null. */
  private lengthValues: string[] | null = null;
  private charset: string | null = null;
  /** The first line's name was stray output glued onto `Content-Length` (see readLine). */
  private glued: { prefix: Uint8Array; value: string } | null = null;

  /** How the last `read()` ended. */
  end = HeaderEnd.Pending;

  /**
   * Reads header bytes from `pos` until the block ends or the chunk does, and sets `end`. Returns
   * the position after the last byte taken; `errors` gets the errors found, in order. On `Garbage`
   * the offending byte is not taken: it may start the next header.
   */
  read(chunk: Uint8Array, pos: number, errors: FrameEvent[]): number {
    this.end = HeaderEnd.Pending;
    const bytes = this.bytes;
    // The length and line state live in locals while the loop runs (as fields they cost a load
    // and a store a byte) and are stored back before anything else reads them.
    let length = this.length;
    let state = this.lineState;
    for (; pos < chunk.length; pos++) {
      const b = chunk[pos];
      if (length === 0 && (b === CR || b === LF)) continue; // blank lines between messages
      if (length === MAX_HEADER_BYTES) {
        errors.push(
          framingError(
            'content-length',
            'header-too-long',
            `No end of header block (\\r\\n\\r\\n) within ${MAX_HEADER_BYTES} bytes; ` +
              `skipping to the next Content-Length header. It began: "${quoteBytes(bytes)}"`,
            { limit: MAX_HEADER_BYTES, preview: quoteBytes(bytes) },
          ),
        );
        this.reset();
        this.end = HeaderEnd.Resync;
        return pos;
      }
      bytes[length++] = b;
      switch (state) {
        case LineState.Name:
          if (b < 128 && IS_TOKEN[b] === 1) continue;
          if (b === COLON && length - 1 > this.lineStart) {
            this.colonAt = length - 1;
            state = LineState.Value;
            continue;
          }
          if (b === CR && length - 1 === this.lineStart) {
            state = LineState.EndLf;
            continue;
          }
          return this.garbageAt(length, pos);
        case LineState.Value:
          if (b === CR) state = LineState.LineLf;
          else if (!((b >= 0x20 && b < 0x7f) || b === TAB)) return this.garbageAt(length, pos);
          continue;
        case LineState.LineLf:
          if (b !== LF) return this.garbageAt(length, pos);
          this.readLine(this.lineStart, this.colonAt, length - 2);
          this.lineStart = length;
          state = LineState.Name;
          continue;
        case LineState.EndLf:
          if (b !== LF) return this.garbageAt(length, pos);
          this.length = length;
          return this.stop(this.endBlock(errors), pos + 1);
      }
    }
    this.length = length;
    this.lineState = state;
    return pos;
  }

  /** Matches `Content-Length: <digits>\r\n\r\n` at `pos`, whole in this chunk: returns the body's start (`bodyLength` is set), or -1. */
  matchFast(chunk: Uint8Array, pos: number): number {
    const n = chunk.length;
    let i = pos;
    if (n - i < FAST_PREFIX_BYTES + 5) return -1;
    if (!startsWithFastPrefix(chunk, i)) return -1;
    i += FAST_PREFIX_BYTES;
    let length = 0;
    const digitsStart = i;
    for (let b = chunk[i]; b >= 0x30 && b <= 0x39; b = chunk[++i]) length = length * 10 + (b - 0x30);
    if (i === digitsStart || i - digitsStart > 15 || n - i < 4) return -1;
    if (chunk[i] !== CR || chunk[i + 1] !== LF || chunk[i + 2] !== CR || chunk[i + 3] !== LF) return -1;
    this.bodyLength = length;
    return i + 4;
  }

  /**
   * After `read()` ended in `Garbage`: the block's bytes before the offending one, as a view valid
   * until the next read. The block is reset.
   */
  garbage(): Uint8Array {
    const before = this.bytes.subarray(0, this.length - 1);
    this.reset();
    return before;
  }

  /** Starts a block whose first bytes, `name`, were found by resync. */
  resumeWith(name: Uint8Array): void {
    this.reset();
    this.bytes.set(name);
    this.length = name.length;
  }

  reset(): void {
    this.length = 0;
    this.lineState = LineState.Name;
    this.lineStart = 0;
    this.lengthCount = 0;
    this.lengthValues = null;
    this.charset = null;
    this.glued = null;
  }

  private stop(end: HeaderEnd, pos: number): number {
    this.end = end;
    return pos;
  }

  /** The byte at `pos`, the block's `length`th, cannot be in a header: see garbage(). */
  private garbageAt(length: number, pos: number): number {
    this.length = length;
    return this.stop(HeaderEnd.Garbage, pos);
  }

  private readLine(start: number, colon: number, end: number): void {
    const bytes = this.bytes;
    // Names are compared as bytes, and a Content-Length value is kept as where it lies: building
    // strings cost more than the rest of the block (cpu profile, headers cut by small chunks,
    // which miss the fast match; a third of that time was the garbage collector's).
    if (endsWithName(bytes, start, colon, RESYNC_PATTERN)) {
      if (colon - start === RESYNC_PATTERN.length) {
        if (this.lengthCount++ === 0) {
          this.firstValueStart = colon + 1;
          this.firstValueEnd = end;
        } else {
          const values = this.lengthValues ?? [valueText(bytes, this.firstValueStart, this.firstValueEnd)];
          values.push(valueText(bytes, colon + 1, end));
          this.lengthValues = values;
        }
      } else if (start === 0) {
        // Output without a line end or a colon (a bare `stdout.write('ready')` in the server) run
        // into the next header: `readyContent-Length: 2`. A name of token characters, so a valid
        // unknown header; endBlock uses it only if the block has no real Content-Length.
        this.glued = { prefix: bytes.slice(start, colon - RESYNC_PATTERN.length), value: valueText(bytes, colon + 1, end) };
      }
    } else if (colon - start === CONTENT_TYPE.length && endsWithName(bytes, start, colon, CONTENT_TYPE)) {
      this.charset = charsetOf(valueText(bytes, colon + 1, end));
    }
  }

  /** The block is complete: what its headers say comes next. */
  private endBlock(errors: FrameEvent[]): HeaderEnd {
    const charset = this.charset;
    const glued = this.glued;
    // The usual block, one Content-Length of plain digits, is read without building strings.
    const plain = this.lengthCount === 1 ? plainLength(this.bytes, this.firstValueStart, this.firstValueEnd) : -1;
    const values = plain >= 0 ? null : this.lengthTexts();
    this.reset();
    if (values === null) {
      this.bodyLength = plain;
    } else {
      const end = this.checkLengths(values, glued, errors);
      if (end !== HeaderEnd.Body) return end;
    }
    if (charset !== null && charset !== 'utf-8' && charset !== 'utf8') {
      errors.push(
        framingError(
          'content-length',
          'unsupported-charset',
          `Content-Type charset "${charset}" is not supported (only utf-8); the ${this.bodyLength}-byte body was skipped.`,
          { charset },
        ),
      );
      return HeaderEnd.Skip;
    }
    return HeaderEnd.Body;
  }

  /** The texts of the Content-Length values read (call before reset()). */
  private lengthTexts(): string[] {
    if (this.lengthCount === 0) return [];
    return this.lengthValues ?? [valueText(this.bytes, this.firstValueStart, this.firstValueEnd)];
  }

  /**
   * What Content-Length values that are not one plain number say: `Body` (bodyLength set),
   * or `Skip` / `Resync` with the error in `errors`.
   */
  private checkLengths(texts: string[], glued: { prefix: Uint8Array; value: string } | null, errors: FrameEvent[]): HeaderEnd {
    let values = texts;
    if (values.length === 0 && glued !== null) {
      errors.push(garbageBeforeHeader(glued.prefix));
      values = [glued.value];
    }
    if (values.length === 0) {
      errors.push(
        framingError(
          'content-length',
          'missing-content-length',
          'Header block without a Content-Length header; skipping to the next Content-Length header. ' +
            'Every message must start with "Content-Length: <body bytes>\\r\\n".',
        ),
      );
      return HeaderEnd.Resync;
    }
    const length = parseLength(values[0]);
    if (length < 0) {
      const negative = /^-\s*\d+$/.test(values[0]);
      errors.push(
        framingError(
          'content-length',
          'invalid-content-length',
          `${negative ? 'Negative' : 'Invalid'} Content-Length ${JSON.stringify(values[0])}; ` +
            'it must be the body length in bytes, a non-negative integer. Skipping to the next header.',
          { value: values[0] },
        ),
      );
      return HeaderEnd.Resync;
    }
    this.bodyLength = length;
    if (values.length > 1) {
      const agree = values.every((v) => parseLength(v) === length);
      errors.push(
        framingError(
          'content-length',
          'duplicate-content-length',
          `${values.length} Content-Length headers (${values.join(', ')}) in one header block; ` +
            (agree ? `skipping the ${length}-byte body.` : 'skipping to the next header.'),
          { values },
        ),
      );
      return agree ? HeaderEnd.Skip : HeaderEnd.Resync;
    }
    return HeaderEnd.Body;
  }
}

/**
 * `chunk[i..]` starts with `Content-Length: ` (the caller has checked the length).
 * Written out against constants: a loop over the prefix's bytes took a third of framing's cost
 * (cpu profile, ~200-byte messages in 64 KiB chunks).
 */
function startsWithFastPrefix(chunk: Uint8Array, i: number): boolean {
  return (
    chunk[i] === 0x43 && chunk[i + 1] === 0x6f && chunk[i + 2] === 0x6e && chunk[i + 3] === 0x74 && // Cont
    chunk[i + 4] === 0x65 && chunk[i + 5] === 0x6e && chunk[i + 6] === 0x74 && chunk[i + 7] === 0x2d && // ent-
    chunk[i + 8] === 0x4c && chunk[i + 9] === 0x65 && chunk[i + 10] === 0x6e && chunk[i + 11] === 0x67 && // Leng
    chunk[i + 12] === 0x74 && chunk[i + 13] === 0x68 && chunk[i + 14] === 0x3a && chunk[i + 15] === 0x20 // th:_
  );
}

/**
 * Whether `bytes[start, end)` ends with `name` (lower-case ASCII letters and '-'), in any case:
 * setting bit 0x20 lower-cases a letter and leaves '-' as it is (and no other byte a header name
 * may hold becomes a letter or '-').
 */
function endsWithName(bytes: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  const from = end - name.length;
  if (from < start) return false;
  for (let i = 0; i < name.length; i++) if ((bytes[from + i] | 0x20) !== name[i]) return false;
  return true;
}

/** The text of a header's value, `bytes[start, end)`, trimmed (all below 0x80: the reader admits nothing else). */
function valueText(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]);
  return text.trim();
}

/**
 * The value `bytes[start, end)` as parseLength(valueText(...)) reads it, when it is 1 to 15 digits
 * between spaces or tabs (the only blanks a value holds, which trim() drops): else -1, and the
 * caller goes the way of the text. 15 digits stay below 2^53, so the sum is exact.
 */
function plainLength(bytes: Uint8Array, start: number, end: number): number {
  while (start < end && (bytes[start] === 0x20 || bytes[start] === TAB)) start++;
  while (end > start && (bytes[end - 1] === 0x20 || bytes[end - 1] === TAB)) end--;
  if (end === start || end - start > 15) return -1;
  let length = 0;
  for (let i = start; i < end; i++) {
    const digit = bytes[i] - 0x30;
    if (digit < 0 || digit > 9) return -1;
    length = length * 10 + digit;
  }
  return length;
}

/** A Content-Length value as a number, or -1 if it is not a non-negative integer. */
function parseLength(value: string): number {
  if (!/^\d+$/.test(value)) return -1;
  const n = Number(value);
  return n <= Number.MAX_SAFE_INTEGER ? n : -1;
}

/** The charset parameter of a Content-Type value, lower-cased, or null if it has none. */
function charsetOf(contentType: string): string | null {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType);
  return match === null ? null : match[1].toLowerCase();
}
