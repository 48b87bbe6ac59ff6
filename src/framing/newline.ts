/**
 * Newline framing (NDJSON): one message per line, `\n` ends a frame.
 *
 * Input: a `\r\n` line end is accepted (the `\r` is dropped), and blank or whitespace-only lines
 * are skipped. A line is a frame whatever it holds; whether it is JSON is the parser's question.
 * One UTF-8 byte-order mark at the very start of the stream is skipped (leading-bom.ts).
 * Output: the JSON text, compacted if it spans lines, then `\n`.
 *
 * Errors (none is fatal: the next `\n` always marks where the next message starts):
 * - `oversized`: a line longer than maxMessageBytes (its bytes, not counting the `\n`). Reported as
 *   soon as the bytes held cross the bound; the rest of the line is skipped as it arrives.
 * - `invalid-utf8`: the line is dropped, the lines around it are unaffected.
 * - `truncated` (from end()): the stream ended inside a line. A writer must end its last message
 *   with `\n` too.
 *
 * How it stays fast: for each chunk, the bytes from the first to the last `\n` hold whole lines
 * only, so they are decoded in one call and the string is split on '\n' (0x0A never occurs inside
 * a multi-byte UTF-8 sequence, so byte and string line ends agree). Only the line that straddles
 * chunks is decoded on its own, after its pieces are joined once; when the chunk that ends it is
 * small, that chunk's other lines are joined to it too, for one decode call per chunk.
 */
import { ChunkList } from './chunk-list.js';
import { oversizedError, invalidUtf8Error, resolveMaxMessageBytes, truncatedError } from './framing-errors.js';
import { LeadingBom } from './leading-bom.js';
import type { FrameEvent, Framer, FramerNatives, FramerOptions } from './types.js';
import { MAX_TEXT_PIECES, TEXT_CHUNK_MIN } from './partial-frame.js';
import { Utf8Decoder } from './utf8.js';

const LF = 0x0a;
/** Below this many bytes, a chunk's lines are copied behind a held line start (see push). */
const COPY_LINES_BELOW = 4096;
/** Held bytes are joined with the next chunk (see push) only while fewer than this... */
const JOIN_HELD_BELOW = 4096;
/** ...and only when that chunk has at least this many bytes. */
const JOIN_CHUNK_MIN = 32;
/** Chunks from this size on take the byte path when the host gave native byte search (see push). */
const BYTES_CHUNK_MIN = 16 * 1024;

export class NewlineFramer implements Framer {
  readonly name = 'newline' as const;
  private readonly maxMessageBytes: number;
  private readonly decoder: Utf8Decoder;
  private readonly natives: FramerNatives | undefined;
  private readonly encoder = new TextEncoder();
  /** The start of the current line, cut off by the end of an earlier chunk (byte path). */
  private readonly partial = new ChunkList();
  /** Or the same as text, when it came in ASCII chunks (text path); never both at once. */
  private heldText = '';
  private heldTextPieces = 0;
  /** True while skipping the rest of an oversized line. */
  private skipping = false;
  private readonly bom = new LeadingBom();

  constructor(options?: FramerOptions) {
    this.maxMessageBytes = resolveMaxMessageBytes(options);
    this.natives = options?.natives;
    this.decoder = new Utf8Decoder(this.natives);
  }

  get bufferedBytes(): number {
    return this.partial.byteLength + this.heldText.length;
  }

  push(chunk: Uint8Array): FrameEvent[] {
    if (this.bom.pending) {
      chunk = this.bom.strip(chunk);
      if (chunk.length === 0) return [];
    }
    const events: FrameEvent[] = [];
    let bytes = chunk;
    // The text path: an ASCII chunk is decoded whole and its lines found in the string (String
    // indexOf is memchr; Uint8Array indexOf/lastIndexOf run a scalar loop behind a ~60 ns call, a
    // seventh of framing's time in 1..512-byte chunks and 20-40 us per 64 KiB of a long line).
    if (!this.skipping) {
      const held = this.partial.byteLength;
      if (held === 0) {
        // With native byte search, a large chunk takes the byte path: its lines are still decoded
        // in one call, and a long line's pieces are kept as bytes, copied once and decoded in one
        // call when it ends, instead of a rope of the chunks' strings that JSON.parse must flatten.
        if (chunk.length >= TEXT_CHUNK_MIN && (this.natives === undefined || chunk.length < BYTES_CHUNK_MIN)) {
          const text = this.decoder.decodeAscii(chunk);
          if (text !== null) {
            this.pushText(text, events);
            return events;
          }
        }
      } else if (
        held < JOIN_HELD_BELOW &&
        chunk.length >= JOIN_CHUNK_MIN &&
        chunk.length < COPY_LINES_BELOW &&
        held + chunk.length >= TEXT_CHUNK_MIN &&
        this.decoder.expectsAscii
      ) {
        // A few bytes held (the tail of a tiny chunk): join them with this chunk (one small copy)
        // and decode the two together. If that is ASCII the stream is back on the text path, where
        // it stays; without this, one tiny chunk would keep every later chunk on the byte path
        // (two decode calls and four subarray() calls each, ~0.9 us a chunk in 1..512-byte
        // chunks). The bounds keep it linear: a long line held as bytes (non-ASCII, or a rope
        // that grew too deep) is never copied again, and bytes dripping in one at a time stay on
        // the byte path.
        this.partial.push(chunk);
        bytes = this.partial.take();
        const text = this.decoder.decodeAscii(bytes);
        if (text !== null) {
          this.pushText(text, events);
          return events;
        }
      }
    }
    this.pushBytes(bytes, events);
    return events;
  }

  end(): FrameEvent[] {
    const heldBom = this.bom.takeHeld(); // the start of a BOM that never completed is data
    const events = heldBom.length > 0 ? this.push(heldBom) : [];
    const heldText = this.takeHeldText();
    const held = heldText.length + this.partial.byteLength;
    if (this.skipping) {
      events.push(truncatedError(this.name, 0, 'inside an oversized line that was being skipped'));
    } else if (held > 0) {
      const rest = this.partial.byteLength > 0 ? this.decoder.decode(this.partial.take()) : '';
      if (rest === null || !isBlank(heldText + rest)) events.push(truncatedError(this.name, held, 'inside a line (no final \\n)'));
    }
    this.partial.clear();
    this.skipping = false;
    this.bom.reset();
    return events;
  }

  encode(json: string): Uint8Array {
    return this.encoder.encode(this.encodeText(json));
  }

  encodeText(json: string): string {
    // A line end inside JSON text can only be whitespace between tokens (a string cannot hold a raw
    // one), so compacting pretty-printed JSON changes nothing but the layout.
    const line = json.indexOf('\n') === -1 && json.indexOf('\r') === -1 ? json : JSON.stringify(JSON.parse(json));
    return line + '\n';
  }

  /**
   * The byte path, for chunks that are not ASCII or too small to decode on their own. The line
   * held so far is `heldText` (an ASCII start kept as text) followed by the bytes in `partial`.
   */
  private pushBytes(chunk: Uint8Array, events: FrameEvent[]): void {
    // The last `\n` first: the small-chunk path below needs no other (indexOf costs ~90 ns a call).
    const lastLf = this.natives === undefined ? lastIndexOfLf(chunk) : this.natives.lastIndexOf(chunk, LF);
    if (lastLf === -1) {
      this.keepPartial(chunk, events);
      return;
    }
    const linesEnd = lastLf + 1;
    if (this.skipping) {
      // The first line is the rest of an oversized one: drop it.
      this.skipping = false;
      const firstLf = this.indexOfLf(chunk, 0);
      if (lastLf > firstLf) this.splitWholeLines(chunk.subarray(firstLf + 1, linesEnd), '', events);
    } else if (this.partial.byteLength === 0) {
      this.splitWholeLines(linesEnd === chunk.length ? chunk : chunk.subarray(0, linesEnd), this.takeHeldText(), events);
    } else if (lastLf < COPY_LINES_BELOW) {
      // A small chunk after held bytes: copying its lines behind them (cheap at this size) makes
      // them all one region, decoded in one call instead of two.
      this.partial.push(chunk.subarray(0, linesEnd));
      this.splitWholeLines(this.partial.take(), this.takeHeldText(), events);
    } else {
      const firstLf = this.indexOfLf(chunk, 0);
      this.finishPartialLine(chunk.subarray(0, firstLf), events);
      if (lastLf > firstLf) this.splitWholeLines(chunk.subarray(firstLf + 1, linesEnd), '', events);
    }
    if (linesEnd < chunk.length) this.keepPartial(chunk.subarray(linesEnd), events);
  }

  private indexOfLf(bytes: Uint8Array, from: number): number {
    return this.natives === undefined ? bytes.indexOf(LF, from) : this.natives.indexOf(bytes, LF, from);
  }

  /** The ASCII start of the current line held as text, which is then no longer held. */
  private takeHeldText(): string {
    const text = this.heldText;
    if (text.length > 0) {
      this.heldText = '';
      this.heldTextPieces = 0;
    }
    return text;
  }

  /**
   * `text` is a whole chunk, all ASCII (so a character is a byte): the same as the byte path below,
   * with the unfinished line kept as text (a rope of the chunks' strings, flattened once when the
   * line is complete).
   */
  private pushText(text: string, events: FrameEvent[]): void {
    const max = this.maxMessageBytes;
    let end = text.indexOf('\n');
    if (end === -1) {
      this.keepText(text, events);
      return;
    }
    const held = this.takeHeldText();
    const size = held.length + end;
    if (size > max) events.push(oversizedError(this.name, max, size));
    else pushLine(held.length === 0 ? text.slice(0, end) : held + text.slice(0, end), events);
    let start = end + 1;
    for (;;) {
      end = text.indexOf('\n', start);
      if (end === -1) break;
      if (end - start > max) events.push(oversizedError(this.name, max, end - start));
      else pushLine(text.slice(start, end), events);
      start = end + 1;
    }
    if (start < text.length) this.keepText(text.slice(start), events);
  }

  /** keepPartial for the text path. */
  private keepText(text: string, events: FrameEvent[]): void {
    if (this.heldText.length + text.length > this.maxMessageBytes) {
      events.push(oversizedError(this.name, this.maxMessageBytes));
      this.heldText = '';
      this.heldTextPieces = 0;
      this.skipping = true;
      return;
    }
    this.heldText += text;
    if (++this.heldTextPieces === MAX_TEXT_PIECES) this.heldTextToBytes(); // bound the rope's depth
  }

  /** Moves a line start held as text to `partial` (ASCII: the same bytes), for the byte path. */
  private heldTextToBytes(): void {
    if (this.heldText.length === 0) return;
    this.partial.push(this.encoder.encode(this.heldText));
    this.heldText = '';
    this.heldTextPieces = 0;
  }

  /** Holds the start of a line whose end has not arrived, unless that makes it too long. */
  private keepPartial(bytes: Uint8Array, events: FrameEvent[]): void {
    if (this.skipping || bytes.length === 0) return;
    const held = this.heldText.length + this.partial.byteLength + bytes.length;
    if (held > this.maxMessageBytes) {
      events.push(oversizedError(this.name, this.maxMessageBytes));
      this.partial.clear();
      this.takeHeldText();
      this.skipping = true;
      return;
    }
    this.partial.push(bytes);
  }

  /** `head` ends the line held in `heldText` + `partial`. */
  private finishPartialLine(head: Uint8Array, events: FrameEvent[]): void {
    const prefix = this.takeHeldText();
    const size = prefix.length + this.partial.byteLength + head.length;
    if (size > this.maxMessageBytes) {
      events.push(oversizedError(this.name, this.maxMessageBytes, size));
      this.partial.clear();
      return;
    }
    this.partial.push(head);
    const bytes = this.partial.takeToDecode();
    const text = this.decoder.decode(bytes);
    if (text === null) events.push(invalidUtf8Error(this.name, prefix.length + bytes.length));
    else pushLine(prefix + text, events);
  }

  /** `region` holds whole lines, each ended by `\n`; `prefix` (ASCII) goes before the first. */
  private splitWholeLines(region: Uint8Array, prefix: string, events: FrameEvent[]): void {
    const text = this.decoder.decode(region);
    if (text === null) {
      this.splitLinesOneByOne(region, prefix, events);
      return;
    }
    const max = this.maxMessageBytes;
    // Only a region longer than the bound can hold a line longer than it. In ASCII text a
    // character is a byte; otherwise each line's byte length is found by a second (native) scan
    // of the bytes alongside the string.
    const checkSizes = prefix.length + region.length > max;
    const byBytes = checkSizes && text.length !== region.length;
    let start = 0;
    let byteStart = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end === -1) break;
      const head = start === 0 ? prefix : '';
      if (checkSizes) {
        let size = end - start;
        if (byBytes) {
          const byteEnd = this.indexOfLf(region, byteStart);
          size = byteEnd - byteStart;
          byteStart = byteEnd + 1;
        }
        if (head.length + size > max) {
          events.push(oversizedError(this.name, max, head.length + size));
          start = end + 1;
          continue;
        }
      }
      pushLine(head.length === 0 ? text.slice(start, end) : head + text.slice(start, end), events);
      start = end + 1;
    }
  }

  /** The region is not valid UTF-8: decode line by line so only the bad lines are lost. */
  private splitLinesOneByOne(region: Uint8Array, prefix: string, events: FrameEvent[]): void {
    let start = 0;
    for (;;) {
      const end = this.indexOfLf(region, start);
      if (end === -1) break;
      const head = start === 0 ? prefix : '';
      const size = head.length + end - start;
      if (size > this.maxMessageBytes) {
        events.push(oversizedError(this.name, this.maxMessageBytes, size));
      } else {
        const text = this.decoder.decode(region.subarray(start, end));
        if (text === null) events.push(invalidUtf8Error(this.name, size));
        else pushLine(head + text, events);
      }
      start = end + 1;
    }
  }
}

/**
 * `chunk.lastIndexOf(LF)`, by hand for tiny chunks: the native call costs ~100 ns on a plain
 * Uint8Array whatever its length, half the cost of a byte fed on its own.
 */
function lastIndexOfLf(chunk: Uint8Array): number {
  if (chunk.length > 16) return chunk.lastIndexOf(LF);
  for (let i = chunk.length - 1; i >= 0; i--) if (chunk[i] === LF) return i;
  return -1;
}

/** Adds one line (without its `\n`) as a frame, dropping a `\r` before the `\n` and blank lines. */
function pushLine(line: string, events: FrameEvent[]): void {
  const n = line.length;
  const text = n > 0 && line.charCodeAt(n - 1) === 0x0d ? line.slice(0, n - 1) : line;
  // JSON starts with a non-blank character, so the trim runs only for lines that look blank.
  if (text.length === 0 || (text.charCodeAt(0) <= 0x20 && isBlank(text))) return;
  events.push({ kind: 'frame', text });
}

/** Only JSON's own whitespace counts (String.prototype.trim would also drop U+FEFF and friends). */
function isBlank(text: string): boolean {
  return /^[ \t\r\n]*$/.test(text);
}
