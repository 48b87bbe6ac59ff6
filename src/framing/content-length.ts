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
 * The header block is read by content-length-header.ts, the search for the next header after an
 * error by content-length-resync.ts; this file holds the framer's state and the bodies.
 *
 * How it stays fast: a header written exactly as `Content-Length: N\r\n\r\n` (what nearly every
 * implementation writes) is matched in place; any other header runs through a byte-at-a-time state
 * machine, which is cheap because headers are short and bounded. A body that lies whole inside the
 * chunk is not copied: bodies are batched per chunk and decoded together (see utf8.ts), or, in a
 * small ASCII chunk, sliced from the chunk decoded whole, as are the pieces of a body split across
 * such chunks (see partial-frame.ts).
 */
import { HeaderBlock, HeaderEnd } from './content-length-header.js';
import { Resync, RESYNC_PATTERN } from './content-length-resync.js';
import { oversizedError, resolveMaxMessageBytes, truncatedError } from './framing-errors.js';
import { LeadingBom } from './leading-bom.js';
import { PartialFrame, smallChunkText } from './partial-frame.js';
import type { FrameEvent, Framer, FramerOptions } from './types.js';
import { FrameBatch } from './frame-batch.js';
import { utf8ByteLength } from './utf8.js';

const enum State {
  Header,
  Body,
  /** Skipping the `skipRemaining` bytes of a body that was rejected. */
  Skip,
  /** Looking for the next `Content-Length` header. */
  Resync,
}

export class ContentLengthFramer implements Framer {
  readonly name = 'content-length' as const;
  private readonly maxMessageBytes: number;
  private readonly encoder = new TextEncoder();
  private readonly utf8Length: (text: string) => number;
  private readonly batch: FrameBatch;
  private state = State.Header;
  /** The header block being read, when it did not match the fast path. */
  private readonly header = new HeaderBlock();
  private readonly resyncer = new Resync();
  /** Errors from the header block or resync, moved to the output after the frames before them. */
  private readonly errors: FrameEvent[] = [];

  // The body being read, and the chunk being pushed as text when it is ASCII and small (see push).
  private bodyLength = 0;
  private readonly body = new PartialFrame();
  private readonly bom = new LeadingBom();
  private chunkText: string | null = null;

  private skipRemaining = 0;

  constructor(options?: FramerOptions) {
    this.maxMessageBytes = resolveMaxMessageBytes(options);
    this.batch = new FrameBatch(this.name, options?.natives);
    this.utf8Length = options?.utf8Length ?? utf8ByteLength;
  }

  get bufferedBytes(): number {
    return this.header.length + this.body.byteLength;
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
          const bodyStart = this.header.length === 0 ? this.header.matchFast(chunk, pos) : -1;
          if (bodyStart !== -1) {
            this.startBody(this.header.bodyLength, events);
            pos = bodyStart;
          } else {
            pos = this.readHeader(chunk, pos, events);
          }
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
    if (this.state === State.Header && this.header.length > 0) {
      events.push(truncatedError(this.name, this.header.length, 'inside a header block'));
    } else if (this.state === State.Body) {
      events.push(truncatedError(this.name, this.body.byteLength, `inside a body of ${this.bodyLength} bytes`));
    } else if (this.state === State.Skip) {
      events.push(truncatedError(this.name, 0, 'inside a rejected body that was being skipped'));
    } else if (this.state === State.Resync) {
      const garbage = this.resyncer.end();
      if (garbage !== null) events.push(garbage);
    }
    this.state = State.Header;
    this.header.reset();
    this.body.clear();
    this.skipRemaining = 0;
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

  /** Moves the errors the header block or resync found to `events`, after the frames before them. */
  private reportErrors(events: FrameEvent[]): void {
    const errors = this.errors;
    if (errors.length === 0) return;
    this.batch.flush(events);
    for (const error of errors) events.push(error);
    errors.length = 0;
  }

  /** Runs the header block's reader from `pos`; returns where it stopped. */
  private readHeader(chunk: Uint8Array, pos: number, events: FrameEvent[]): number {
    const header = this.header;
    pos = header.read(chunk, pos, this.errors);
    this.reportErrors(events);
    switch (header.end) {
      case HeaderEnd.Pending:
        break;
      case HeaderEnd.Body:
        this.startBody(header.bodyLength, events);
        break;
      case HeaderEnd.Skip:
        this.startSkip(header.bodyLength);
        break;
      case HeaderEnd.Resync:
        this.startResync(null);
        break;
      case HeaderEnd.Garbage:
        this.startResync(header.garbage());
        break;
    }
    return pos;
  }

  // ---- Body ---------------------------------------------------------------------------------

  private startBody(length: number, events: FrameEvent[]): void {
    if (length > this.maxMessageBytes) {
      this.batch.flush(events);
      events.push(oversizedError(this.name, this.maxMessageBytes, length));
      this.startSkip(length);
    } else if (length === 0) {
      this.batch.flush(events);
      events.push({ kind: 'frame', text: '' });
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

  // ---- Resync -------------------------------------------------------------------------------

  /** Looks for the next header; `garbage`: the bytes skipped so far, to report, or null. */
  private startResync(garbage: Uint8Array | null): void {
    this.header.reset();
    this.state = State.Resync;
    this.resyncer.start(garbage);
  }

  /** Looks for `content-length`; on finding it, reads the rest of that header. */
  private resync(chunk: Uint8Array, pos: number, events: FrameEvent[]): number {
    const found = this.resyncer.scan(chunk, pos, this.errors);
    this.reportErrors(events);
    if (found === -1) return chunk.length;
    // Continue as if the name's bytes had been read as a header.
    this.state = State.Header;
    this.header.resumeWith(RESYNC_PATTERN);
    return found;
  }
}
