/**
 * Framing detection ("auto"): reads the framing from the first bytes the other side sends.
 *
 * - `Content-Length:` (any case) first: LSP-style headers, read by the content-length framer.
 * - `{` or `[` first: JSON, read by the json-stream framer, which takes newline-delimited messages
 *   (a newline is whitespace between values) and concatenated ones alike; and unlike the newline
 *   framer it does not need a message to sit on one line.
 * - Leading whitespace and, at the very start, a UTF-8 byte order mark are skipped.
 * - Any other line is an error quoting its first 64 bytes (`garbage`, `data.framing: 'auto'`; an
 *   HTTP status or request line is called HTTP), and detection starts again on the next line: a
 *   server may print a banner before it speaks JSON-RPC.
 *
 * Detection looks at one byte at a time and holds at most the 15 bytes of `Content-Length:`, so
 * the decision, and every event, is the same wherever the chunks are cut.
 *
 * Writing: before anything was detected, in `defaultFraming` (newline unless told otherwise: a
 * client must speak first); afterwards in the framing detected, so a server answers in the framing
 * it was spoken to (newline-delimited for JSON). `end()` resets reading for a new stream; writing
 * stays in the framing detected, since answers may still be due after the other side's input ended.
 */
import { ContentLengthFramer } from './content-length.js';
import { framingError, quoteBytes } from './framing-errors.js';
import { JsonStreamFramer } from './json-stream.js';
import { NewlineFramer } from './newline.js';
import type { FrameEvent, Framer, FramerOptions } from './types.js';

/** How the framing was detected: the reader used for everything after the first bytes. */
export type DetectedFraming = 'content-length' | 'json-stream';

export interface AutoFramerOptions extends FramerOptions {
  /** How to write before the other side has sent anything. Default `'newline'`. */
  defaultFraming?: 'newline' | 'content-length';
}

const PREVIEW_BYTES = 64;
const LF = 0x0a;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const BOM = [0xef, 0xbb, 0xbf];
/** Lowercase; a byte matches if it, or-ed with 0x20 when a letter, is the same. */
const HEADER = Array.from('content-length:', (c) => c.charCodeAt(0));

/** What starts a line, seen from its first bytes. */
type LineStart = 'skip' | 'json' | 'header' | 'more' | 'other';

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

function lower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
}

/** `Content-Length:` with `matched` of its bytes already seen: is `b` the next one, the last one, or neither? */
function matchHeader(b: number, matched: number): LineStart {
  if (lower(b) !== HEADER[matched]) return 'other';
  return matched + 1 === HEADER.length ? 'header' : 'more';
}

export class AutoFramer implements Framer {
  readonly name = 'auto' as const;
  private readonly options: FramerOptions;
  private readonly defaultWriter: Framer;
  /** Set once the framing is known; every later byte goes to it. */
  private reader: Framer | undefined;
  private writer: Framer;

  /** Bytes of the stream seen so far while undetected; only the first 3 matter (the BOM). */
  private position = 0;
  /** Bytes of `Content-Length:` matched at the start of this line; they are held in `preview`. */
  private headerMatched = 0;
  /** Bytes of a byte order mark matched at the start of the stream (held in `preview` until it is whole). */
  private bomMatched = 0;
  /** Inside a line that is neither JSON nor a header, until its `\n`. */
  private inGarbage = false;
  private garbageBytes = 0;
  private readonly preview = new Uint8Array(PREVIEW_BYTES);

  constructor(options: AutoFramerOptions = {}) {
    const { defaultFraming = 'newline', ...framerOptions } = options;
    this.options = framerOptions;
    this.defaultWriter = defaultFraming === 'content-length' ? new ContentLengthFramer(framerOptions) : new NewlineFramer(framerOptions);
    // Constructing the default writer checked maxMessageBytes: a bad bound throws here, not on the first push.
    this.writer = this.defaultWriter;
  }

  /** The framing detected so far, if any. */
  get detected(): DetectedFraming | undefined {
    return this.reader?.name as DetectedFraming | undefined;
  }

  get bufferedBytes(): number {
    return this.reader !== undefined ? this.reader.bufferedBytes : this.headerMatched;
  }

  push(chunk: Uint8Array): FrameEvent[] {
    if (this.reader !== undefined) return this.reader.push(chunk);
    const events: FrameEvent[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      const position = this.position++;
      if (this.inGarbage) {
        this.addGarbage(b, events);
        continue;
      }
      const start = this.classify(b, position);
      if (start === 'skip') continue;
      if (start === 'more') {
        this.preview[this.headerMatched++] = b;
        continue;
      }
      if (start === 'other') {
        this.startGarbage(b, events);
        continue;
      }
      // Detected: the bytes held so far and the rest of this chunk are the chosen reader's.
      const held = start === 'header' ? this.heldHeader(b) : undefined;
      const rest = start === 'header' ? chunk.subarray(i + 1) : chunk.subarray(i);
      this.detect(start === 'header' ? 'content-length' : 'json-stream');
      if (held !== undefined) events.push(...this.reader!.push(held));
      if (rest.length > 0) events.push(...this.reader!.push(rest));
      break;
    }
    return events;
  }

  end(): FrameEvent[] {
    let events: FrameEvent[] = [];
    if (this.reader !== undefined) {
      events = this.reader.end();
    } else if (this.inGarbage || this.headerMatched > 0 || (this.bomMatched > 0 && this.bomMatched < BOM.length)) {
      // A line cut off by the end: what was held is garbage too.
      if (!this.inGarbage) this.startGarbage(undefined, events);
      this.finishGarbage(events);
    }
    // Reading starts over, but writing keeps the framing detected: answers still due after the
    // input ended (a half-closed stream) go out in the framing the other side spoke.
    this.reader = undefined;
    this.position = 0;
    this.headerMatched = 0;
    this.bomMatched = 0;
    this.inGarbage = false;
    return events;
  }

  encode(json: string): Uint8Array {
    return this.writer.encode(json);
  }

  encodeText(json: string): string {
    return this.writer.encodeText(json);
  }

  /** What byte `b`, at `position` in the stream, says about the current line. */
  private classify(b: number, position: number): LineStart {
    if (this.headerMatched > 0) return matchHeader(b, this.headerMatched);
    if (position < BOM.length && position === this.bomMatched) {
      if (b === BOM[position]) {
        this.preview[this.bomMatched++] = b;
        return 'skip';
      }
      // A BOM cut short is not a BOM: its bytes start the garbage (startGarbage takes them as held).
      if (this.bomMatched > 0) return 'other';
    }
    if (isWhitespace(b)) return 'skip';
    if (b === OPEN_BRACE || b === OPEN_BRACKET) return 'json';
    return matchHeader(b, 0);
  }

  private detect(framing: DetectedFraming): void {
    if (framing === 'content-length') {
      this.reader = new ContentLengthFramer(this.options);
      this.writer = this.reader;
    } else {
      this.reader = new JsonStreamFramer(this.options);
      this.writer = this.defaultWriter.name === 'newline' ? this.defaultWriter : new NewlineFramer(this.options);
    }
  }

  /** The held start of `Content-Length:` plus its last byte `b`, for the reader. */
  private heldHeader(b: number): Uint8Array {
    const held = new Uint8Array(this.headerMatched + 1);
    held.set(this.preview.subarray(0, this.headerMatched));
    held[this.headerMatched] = b;
    this.headerMatched = 0;
    return held;
  }

  /** The line is garbage from here: the held header bytes (if any) and `b` start its preview. */
  private startGarbage(b: number | undefined, events: FrameEvent[]): void {
    this.inGarbage = true;
    // Held bytes sit at the start of `preview`: a header's start, or a BOM's that was cut short.
    this.garbageBytes = this.headerMatched > 0 ? this.headerMatched : this.bomMatched < BOM.length ? this.bomMatched : 0;
    this.headerMatched = 0;
    this.bomMatched = BOM.length;
    if (b !== undefined) this.addGarbage(b, events);
  }

  private addGarbage(b: number, events: FrameEvent[]): void {
    if (b === LF) {
      this.finishGarbage(events);
      this.inGarbage = false;
      return;
    }
    if (this.garbageBytes < PREVIEW_BYTES) this.preview[this.garbageBytes] = b;
    // With the preview full, report now rather than at the line's end, so a long line is seen early.
    if (++this.garbageBytes === PREVIEW_BYTES) events.push(this.garbageError());
  }

  /** The garbage line ended: report it, unless that was done when its preview filled up. */
  private finishGarbage(events: FrameEvent[]): void {
    if (this.garbageBytes < PREVIEW_BYTES) events.push(this.garbageError());
  }

  private garbageError(): FrameEvent {
    const bytes = this.preview.subarray(0, Math.min(this.garbageBytes, PREVIEW_BYTES));
    const preview = quoteBytes(bytes) + (this.garbageBytes > PREVIEW_BYTES ? '...' : '');
    const http = looksLikeHttp(bytes);
    const message = http
      ? `The other side speaks HTTP ("${preview}"), not JSON-RPC over a byte stream; use an HTTP client.`
      : `Cannot tell the framing from "${preview}": expected a "Content-Length:" header (LSP) or a JSON ` +
        'object or array. Something wrote to the stream outside the JSON-RPC channel (e.g. a banner or ' +
        'a log line); skipping to the next line.';
    return framingError('auto', 'garbage', message, { preview, ...(http ? { http: true } : {}) });
  }
}

/** An HTTP status line (`HTTP/1.1 400 ...`) or request line (`GET / HTTP/1.1`). */
export function looksLikeHttp(bytes: Uint8Array): boolean {
  let text = '';
  for (let i = 0; i < Math.min(bytes.length, PREVIEW_BYTES); i++) text += String.fromCharCode(bytes[i]);
  return /^HTTP\/\d/.test(text) || /^[A-Z]+ \S+ HTTP\/\d/.test(text);
}
