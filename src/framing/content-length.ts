/**
 * Content-Length framing: the Language Server Protocol's base protocol.
 *
 *     Content-Length: 52\r\n
 *     Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n      (optional)
 *     \r\n
 *     {"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}
 *
 * Header names are case-insensitive, unknown headers are ignored, `\r\n\r\n` ends the block, and
 * Content-Length counts the body's bytes. Blank lines between messages are tolerated, and so is
 * one UTF-8 byte-order mark at the very start of the stream (leading-bom.ts). Output is always
 * `Content-Length: <bytes>\r\n\r\n<body>` in one Uint8Array.
 *
 * Errors. None is fatal: the framer always either knows the body's length and skips it, or looks
 * for the next `Content-Length` header (case-insensitive, anywhere) and starts again there.
 * - `oversized` (Content-Length above maxMessageBytes), `unsupported-charset` (a charset other than
 *   utf-8/utf8), `invalid-utf8` (a body that is not UTF-8): reported as soon as known; the body's
 *   bytes are skipped as they arrive, never buffered.
 * - `duplicate-content-length`: if the values agree the body is skipped by that length, else
 *   the framer resyncs at the next header.
 * - `missing-content-length`, `invalid-content-length` (negative, non-numeric, beyond 2^53): the
 *   body's length is unknown, so its bytes are skipped silently up to the next header.
 * - `header-too-long`: no `\r\n\r\n` within 8 KiB; resyncs at the next header.
 * - `garbage`: bytes that cannot be a header (a line without a colon, a name with a space, a bare
 *   `\n`): usually a stray console.log on a language server's stdout. The error quotes the first
 *   64 bytes and is emitted when the next header is found (or 64 more bytes have gone by, or the
 *   stream ends), so one burst of garbage yields one error wherever the chunks were cut. A line
 *   that is a valid `Name: value\r\n` header (`DEBUG: x`) is an unknown header, ignored as LSP
 *   says. Output with no line end run into a header's name (`readyContent-Length: 2`) is
 *   reported as garbage, and that header is used when the block has no real Content-Length.
 * - `truncated` (from end()): the stream ended inside a header block or a body.
 *
 * How it stays fast: a header written exactly as `Content-Length: N\r\n\r\n` (what nearly every
 * implementation writes) is matched in place; any other header runs through a byte-at-a-time state
 * machine, which is cheap because headers are short and bounded. A body that lies whole inside the
 * chunk is not copied: bodies are batched per chunk and decoded together (see utf8.ts), or, in a
 * small ASCII chunk, sliced from the chunk decoded whole, as are the pieces of a body split across
 * such chunks (see partial-frame.ts).
 */
import {
  framingError,
  oversizedError,
  quoteBytes,
  resolveMaxMessageBytes,
  truncatedError,
} from './framing-errors.js';
import { LeadingBom } from './leading-bom.js';
import { PartialFrame, smallChunkText } from './partial-frame.js';
import type { FrameEvent, Framer, FramerOptions } from './types.js';
import { FrameBatch } from './frame-batch.js';
import { utf8ByteLength } from './utf8.js';

/** The largest header block accepted. */
export const MAX_HEADER_BYTES = 8 * 1024;
const PREVIEW_BYTES = 64;

const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;
const TAB = 0x09;

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
/** The header as nearly everyone writes it, matched without the state machine. */
const FAST_PREFIX = ascii('Content-Length: ');
/** What resync looks for, lower-cased. */
const RESYNC_PATTERN = ascii('content-length');

/** RFC 9110 token characters, the only ones a header name may hold. */
const IS_TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  IS_TOKEN[c.charCodeAt(0)] = 1;
}

const enum State {
  Header,
  Body,
  /** Skipping the `skipRemaining` bytes of a body that was rejected. */
  Skip,
  /** Looking for the next `Content-Length` header. */
  Resync,
}

const enum HeaderState {
  Name,
  Value,
  /** After the `\r` of a header line. */
  LineLf,
  /** After the `\r` of the empty line that ends the block. */
  EndLf,
}

export class ContentLengthFramer implements Framer {
  readonly name = 'content-length' as const;
  private readonly maxMessageBytes: number;
  private readonly encoder = new TextEncoder();
  private readonly utf8Length: (text: string) => number;
  private readonly batch: FrameBatch;
  private state = State.Header;

  // The header block being read (only when it did not match the fast path).
  private readonly header = new Uint8Array(MAX_HEADER_BYTES);
  private headerLength = 0;
  private headerState = HeaderState.Name;
  private lineStart = 0;
  private colonAt = 0;
  private lengthValues: string[] = [];
  private charset: string | null = null;
  /** The first line's name was stray output glued onto `Content-Length` (see readHeaderLine). */
  private glued: { prefix: Uint8Array; value: string } | null = null;

  // The body being read, and the chunk being pushed as text when it is ASCII and small (see push).
  private bodyLength = 0;
  private readonly body = new PartialFrame();
  private readonly bom = new LeadingBom();
  private chunkText: string | null = null;

  private skipRemaining = 0;

  // Resync: how much of RESYNC_PATTERN the last bytes matched, and the garbage being reported.
  private matched = 0;
  private reportGarbage = false;
  private readonly preview = new Uint8Array(PREVIEW_BYTES);
  private previewLength = 0;
  private garbageBytes = 0;

  constructor(options?: FramerOptions) {
    this.maxMessageBytes = resolveMaxMessageBytes(options);
    this.batch = new FrameBatch(this.name, options?.natives);
    this.utf8Length = options?.utf8Length ?? utf8ByteLength;
  }

  get bufferedBytes(): number {
    return this.headerLength + this.body.byteLength;
  }

  push(chunk: Uint8Array): FrameEvent[] {
    if (this.bom.pending) {
      chunk = this.bom.strip(chunk);
      if (chunk.length === 0) return [];
    }
    const events: FrameEvent[] = [];
    const n = chunk.length;
    let pos = 0;
    // A small ASCII chunk is decoded whole, once: its bodies, whole or in part, are then slices
    // of one string (a body split across chunks costs no copy and no decode call of its own:
    // ~0.4 us a message in 1..512-byte chunks). See partial-frame.ts.
    if (this.state !== State.Resync) this.chunkText = smallChunkText(chunk, this.batch.decoder);
    while (pos < n) {
      switch (this.state) {
        case State.Header: {
          const afterFast = this.headerLength === 0 ? this.matchFastHeader(chunk, pos, events) : -1;
          pos = afterFast === -1 ? this.readHeader(chunk, pos, events) : afterFast;
          break;
        }
        case State.Body:
          pos = this.readBody(chunk, pos, events);
          break;
        case State.Skip: {
          const skipped = Math.min(this.skipRemaining, n - pos);
          this.skipRemaining -= skipped;
          pos += skipped;
          if (this.skipRemaining === 0) this.state = State.Header;
          break;
        }
        case State.Resync:
          pos = this.resync(chunk, pos, events);
          break;
      }
    }
    this.batch.flush(events);
    this.chunkText = null;
    return events;
  }

  end(): FrameEvent[] {
    const heldBom = this.bom.takeHeld(); // the start of a BOM that never completed is data
    const events = heldBom.length > 0 ? this.push(heldBom) : [];
    if (this.state === State.Header && this.headerLength > 0) {
      events.push(truncatedError(this.name, this.headerLength, 'inside a header block'));
    } else if (this.state === State.Body) {
      events.push(truncatedError(this.name, this.body.byteLength, `inside a body of ${this.bodyLength} bytes`));
    } else if (this.state === State.Skip) {
      events.push(truncatedError(this.name, 0, 'inside a rejected body that was being skipped'));
    } else if (this.state === State.Resync && this.reportGarbage) {
      events.push(this.garbageError(this.garbageBytes));
    }
    this.state = State.Header;
    this.resetHeader();
    this.body.clear();
    this.skipRemaining = 0;
    this.reportGarbage = false;
    this.bom.reset();
    return events;
  }

  encode(json: string): Uint8Array {
    const body = this.encoder.encode(json);
    const header = `Content-Length: ${body.length}\r\n\r\n`;
    const out = new Uint8Array(header.length + body.length);
    for (let i = 0; i < header.length; i++) out[i] = header.charCodeAt(i);
    out.set(body, header.length);
    return out;
  }

  encodeText(json: string): string {
    return `Content-Length: ${this.utf8Length(json)}\r\n\r\n${json}`;
  }

  private report(events: FrameEvent[], event: FrameEvent): void {
    this.batch.flush(events); // frames before this point come out first
    events.push(event);
  }

  // ---- Header -------------------------------------------------------------------------------

  /** Matches `Content-Length: <digits>\r\n\r\n` at `pos`; returns the body's start, or -1. */
  private matchFastHeader(chunk: Uint8Array, pos: number, events: FrameEvent[]): number {
    const n = chunk.length;
    let i = pos;
    if (n - i < FAST_PREFIX.length + 5) return -1;
    if (!startsWithFastPrefix(chunk, i)) return -1;
    i += FAST_PREFIX.length;
    let length = 0;
    const digitsStart = i;
    for (let b = chunk[i]; b >= 0x30 && b <= 0x39; b = chunk[++i]) length = length * 10 + (b - 0x30);
    if (i === digitsStart || i - digitsStart > 15 || n - i < 4) return -1;
    if (chunk[i] !== CR || chunk[i + 1] !== LF || chunk[i + 2] !== CR || chunk[i + 3] !== LF) return -1;
    this.startBody(length, events);
    return i + 4;
  }

  /** Runs the header state machine over `chunk` from `pos`; returns where it stopped. */
  private readHeader(chunk: Uint8Array, pos: number, events: FrameEvent[]): number {
    const header = this.header;
    for (; pos < chunk.length; pos++) {
      const b = chunk[pos];
      if (this.headerLength === 0 && (b === CR || b === LF)) continue; // blank lines between messages
      if (this.headerLength === MAX_HEADER_BYTES) {
        this.report(
          events,
          framingError(
            this.name,
            'header-too-long',
            `No end of header block (\\r\\n\\r\\n) within ${MAX_HEADER_BYTES} bytes; ` +
              `skipping to the next Content-Length header. It began: "${quoteBytes(header)}"`,
            { limit: MAX_HEADER_BYTES, preview: quoteBytes(header) },
          ),
        );
        this.startResync(false);
        return pos;
      }
      header[this.headerLength++] = b;
      switch (this.headerState) {
        case HeaderState.Name:
          if (b < 128 && IS_TOKEN[b] === 1) continue;
          if (b === COLON && this.headerLength - 1 > this.lineStart) {
            this.colonAt = this.headerLength - 1;
            this.headerState = HeaderState.Value;
            continue;
          }
          if (b === CR && this.headerLength - 1 === this.lineStart) {
            this.headerState = HeaderState.EndLf;
            continue;
          }
          return this.garbageInHeader(pos);
        case HeaderState.Value:
          if (b === CR) this.headerState = HeaderState.LineLf;
          else if (!((b >= 0x20 && b < 0x7f) || b === TAB)) return this.garbageInHeader(pos);
          continue;
        case HeaderState.LineLf:
          if (b !== LF) return this.garbageInHeader(pos);
          this.readHeaderLine(this.lineStart, this.colonAt, this.headerLength - 2);
          this.lineStart = this.headerLength;
          this.headerState = HeaderState.Name;
          continue;
        case HeaderState.EndLf:
          if (b !== LF) return this.garbageInHeader(pos);
          this.endHeaderBlock(events);
          return pos + 1;
      }
    }
    return pos;
  }

  private readHeaderLine(start: number, colon: number, end: number): void {
    const name = latin1(this.header.subarray(start, colon)).toLowerCase();
    const value = latin1(this.header.subarray(colon + 1, end)).trim();
    if (name === 'content-length') this.lengthValues.push(value);
    else if (name === 'content-type') this.charset = charsetOf(value);
    else if (start === 0 && name.endsWith('content-length')) {
      // Output without a line end or a colon (a bare `stdout.write('ready')` in the server) run into the next
      // header: `readyContent-Length: 2`. A name of token characters, so a valid unknown header;
      // endHeaderBlock uses it only if the block has no real Content-Length.
      const prefixEnd = colon - RESYNC_PATTERN.length;
      this.glued = { prefix: this.header.slice(start, prefixEnd), value };
    }
  }

  private endHeaderBlock(events: FrameEvent[]): void {
    const charset = this.charset;
    const glued = this.glued;
    let values = this.lengthValues;
    this.resetHeader();
    if (values.length === 0 && glued !== null) {
      this.report(events, this.garbageBeforeHeader(glued.prefix));
      values = [glued.value];
    }
    if (values.length === 0) {
      this.report(
        events,
        framingError(
          this.name,
          'missing-content-length',
          'Header block without a Content-Length header; skipping to the next Content-Length header. ' +
            'Every message must start with "Content-Length: <body bytes>\\r\\n".',
        ),
      );
      this.startResync(false);
      return;
    }
    const length = parseLength(values[0]);
    if (length < 0) {
      const negative = /^-\s*\d+$/.test(values[0]);
      this.report(
        events,
        framingError(
          this.name,
          'invalid-content-length',
          `${negative ? 'Negative' : 'Invalid'} Content-Length ${JSON.stringify(values[0])}; ` +
            'it must be the body length in bytes, a non-negative integer. Skipping to the next header.',
          { value: values[0] },
        ),
      );
      this.startResync(false);
      return;
    }
    if (values.length > 1) {
      const agree = values.every((v) => parseLength(v) === length);
      this.report(
        events,
        framingError(
          this.name,
          'duplicate-content-length',
          `${values.length} Content-Length headers (${values.join(', ')}) in one header block; ` +
            (agree ? `skipping the ${length}-byte body.` : 'skipping to the next header.'),
          { values },
        ),
      );
      if (agree) this.startSkip(length);
      else this.startResync(false);
      return;
    }
    if (charset !== null && charset !== 'utf-8' && charset !== 'utf8') {
      this.report(
        events,
        framingError(
          this.name,
          'unsupported-charset',
          `Content-Type charset "${charset}" is not supported (only utf-8); the ${length}-byte body was skipped.`,
          { charset },
        ),
      );
      this.startSkip(length);
      return;
    }
    this.startBody(length, events);
  }

  private resetHeader(): void {
    this.headerLength = 0;
    this.headerState = HeaderState.Name;
    this.lineStart = 0;
    this.lengthValues = [];
    this.charset = null;
    this.glued = null;
  }

  // ---- Body ---------------------------------------------------------------------------------

  private startBody(length: number, events: FrameEvent[]): void {
    if (length > this.maxMessageBytes) {
      this.report(events, oversizedError(this.name, this.maxMessageBytes, length));
      this.startSkip(length);
    } else if (length === 0) {
      this.report(events, { kind: 'frame', text: '' });
      this.state = State.Header;
    } else {
      this.bodyLength = length;
      this.state = State.Body;
    }
  }

  private readBody(chunk: Uint8Array, pos: number, events: FrameEvent[]): number {
    const available = chunk.length - pos;
    const held = this.body.byteLength;
    const text = this.chunkText;
    if (held === 0 && available >= this.bodyLength) {
      // The whole body is in this chunk: no copy; a slice of the chunk's text, or decoded with
      // its neighbours.
      const end = pos + this.bodyLength;
      if (text !== null) events.push({ kind: 'frame', text: text.slice(pos, end) });
      else this.batch.add(chunk, pos, end);
      this.state = State.Header;
      return end;
    }
    const need = this.bodyLength - held;
    if (available < need) {
      this.body.keep(chunk, pos, chunk.length, text);
      return chunk.length;
    }
    this.body.finish(chunk, pos, pos + need, text, this.batch, events);
    this.state = State.Header;
    return pos + need;
  }

  private startSkip(length: number): void {
    this.skipRemaining = length;
    this.state = length > 0 ? State.Skip : State.Header;
  }

  // ---- Garbage and resync -------------------------------------------------------------------

  /** The byte at `pos` cannot belong to a header: report the block so far as garbage. */
  private garbageInHeader(pos: number): number {
    const before = this.header.subarray(0, this.headerLength - 1);
    this.startResync(true);
    this.preview.set(before.subarray(0, PREVIEW_BYTES));
    this.previewLength = Math.min(before.length, PREVIEW_BYTES);
    this.garbageBytes = before.length;
    return pos; // the offending byte is scanned again: it may start the next header
  }

  private startResync(reportGarbage: boolean): void {
    this.resetHeader();
    this.state = State.Resync;
    this.matched = 0;
    this.reportGarbage = reportGarbage;
    this.previewLength = 0;
    this.garbageBytes = 0;
  }

  /** Looks for `content-length` (any case); on finding it, reads the rest of that header. */
  private resync(chunk: Uint8Array, pos: number, events: FrameEvent[]): number {
    const last = RESYNC_PATTERN.length - 1;
    for (; pos < chunk.length; pos++) {
      const b = chunk[pos];
      if (this.reportGarbage) {
        if (this.previewLength < PREVIEW_BYTES) this.preview[this.previewLength++] = b;
        // Once this many bytes have gone by, or a line has ended (a stray console.log line, or a
        // peer speaking newline framing), the first PREVIEW_BYTES cannot be part of a header that
        // is still to come, so the error can be given now, the same wherever chunks are cut.
        if (++this.garbageBytes >= PREVIEW_BYTES + last || b === LF) {
          this.report(events, this.garbageError(this.garbageBytes));
          this.reportGarbage = false;
        }
      }
      const lower = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
      if (lower === RESYNC_PATTERN[this.matched]) {
        if (this.matched++ === last) {
          const garbage = this.garbageBytes - last - 1;
          if (this.reportGarbage && garbage > 0) this.report(events, this.garbageError(garbage));
          this.reportGarbage = false;
          this.resumeAfterResync();
          return pos + 1;
        }
      } else {
        this.matched = lower === RESYNC_PATTERN[0] ? 1 : 0;
      }
    }
    return pos;
  }

  /** The header name was found by resync: continue as if its bytes had been read as a header. */
  private resumeAfterResync(): void {
    this.state = State.Header;
    this.resetHeader();
    this.header.set(RESYNC_PATTERN);
    this.headerLength = RESYNC_PATTERN.length;
  }

  private garbageError(garbageBytes: number): FrameEvent {
    const preview = quoteBytes(this.preview.subarray(0, Math.min(this.previewLength, garbageBytes)));
    return garbageError(preview + (garbageBytes > PREVIEW_BYTES ? '...' : ''));
  }

  /** Stray output that ran into the header name after it (see readHeaderLine). */
  private garbageBeforeHeader(prefix: Uint8Array): FrameEvent {
    return garbageError(quoteBytes(prefix, PREVIEW_BYTES), 'The Content-Length header right after it was used.');
  }
}

function garbageError(preview: string, then = 'Skipping to the next Content-Length header.'): FrameEvent {
  return framingError(
    'content-length',
    'garbage',
    `Unexpected bytes where a Content-Length header should start: "${preview}". ` +
      'Something wrote to stdout outside the JSON-RPC channel, e.g. console.log ' +
      '(a language server must log to stderr or through the protocol). ' +
      then,
    { preview },
  );
}

/**
 * `chunk[i..]` starts with `Content-Length: ` (the caller has checked the length). Written out
 * against constants: the loop over FAST_PREFIX took ~75 ns a message, a third of framing's cost
 * (cpu profile, ~200-byte messages in 64 KiB chunks). FAST_PREFIX spells the same bytes.
 */
function startsWithFastPrefix(chunk: Uint8Array, i: number): boolean {
  return (
    chunk[i] === 0x43 && chunk[i + 1] === 0x6f && chunk[i + 2] === 0x6e && chunk[i + 3] === 0x74 && // Cont
    chunk[i + 4] === 0x65 && chunk[i + 5] === 0x6e && chunk[i + 6] === 0x74 && chunk[i + 7] === 0x2d && // ent-
    chunk[i + 8] === 0x4c && chunk[i + 9] === 0x65 && chunk[i + 10] === 0x6e && chunk[i + 11] === 0x67 && // Leng
    chunk[i + 12] === 0x74 && chunk[i + 13] === 0x68 && chunk[i + 14] === 0x3a && chunk[i + 15] === 0x20 // th:_
  );
}

/** The text of a header's bytes (all below 0x80 here: the state machine admits nothing else). */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return text;
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
