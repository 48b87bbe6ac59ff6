/**
 * Concatenated-JSON framing ("json-stream"): JSON values back to back with optional whitespace
 * between and no delimiter, as some raw TCP services and devices speak. A frame ends
 * where its top-level value ends. Output is the JSON text as is.
 *
 * Every top-level JSON value is a frame: objects and arrays (every JSON-RPC message and batch is
 * one), and scalars too: a string, a number, `true`, `false`, `null` (the parser answers those
 * -32600, as the specification does for `1`). A scalar is scanned as what it is, so the brackets
 * inside a top-level string (`"{"`, `Error: "unexpected {"`) are not structure. A number or
 * literal has no closing byte: it is complete when whitespace, a bracket, a quote or a comma
 * follows (or the stream ends), and it is checked byte by byte (json-scalar.ts). Anything else
 * between values (a stray log line) is garbage: reported once per run as a `garbage` error quoting
 * its first 64 bytes, then the framer resyncs at the next `{`, `[` or `"`; a word that only begins
 * like a number or literal (`2026-12-01`, `nothing`) is garbage from its start. A top-level
 * string ends at a raw line end, which JSON never allows inside one, so a stray quote in a log
 * line costs that line only (its frame is then invalid JSON, -32700). One UTF-8 byte-order mark at
 * the very start of the stream is skipped (leading-bom.ts).
 *
 * Inside an object or array the scanner tracks only strings, escapes and nesting depth; it does
 * not validate JSON (a value like `{"a":]` is framed and JSON.parse rejects it later, as -32700).
 * Consequently a value that never closes (an unbalanced bracket or an unterminated string inside
 * it) swallows what follows until maxMessageBytes is reached; the bound caps that damage.
 *
 * Errors. None is fatal:
 * - `oversized`: a value larger than maxMessageBytes. Reported once the bytes held cross the
 *   bound; scanning goes on without keeping the bytes, so the framer recovers at the value's end.
 * - `invalid-utf8`: the value is dropped; its neighbours are unaffected (UTF-8 never hides a
 *   `{`, `}` or `"` inside a multi-byte character, so framing does not depend on decoding).
 * - `garbage`: see above. The error is given when the next value starts (or 64 bytes of garbage
 *   have gone by, or the stream ends), so it comes out the same wherever chunks are cut.
 * - `truncated` (from end()): the stream ended inside an object, an array or a string.
 *
 * Implementation choice (numbers in src/framing/README.md): a hand-written byte scanner that hands
 * each complete value to JSON.parse, many times faster than stream-json's tokenizer + Assembler
 * (which builds each value token by token in JavaScript). The scan of objects and arrays is
 * json-scan.ts's loop, or the host's native one when given (`FramerNatives.jsonScanner`: the Node
 * layer's is WebAssembly, 64 bytes per step); chunks under NATIVE_SCAN_MIN bytes stay in
 * JavaScript, as loading them would cost more than it saves.
 */
import { framingError, oversizedError, quoteBytes, resolveMaxMessageBytes, truncatedError } from './framing-errors.js';
import { MAX_NATIVE_SCAN_STATE, scanJsonValue, VALUE_OPENED, type ScanState } from './json-scan.js';
import { ScalarToken, startsToken, TopLevelString, TOKEN_PREVIEW_BYTES } from './json-scalar.js';
import { LeadingBom } from './leading-bom.js';
import { PartialFrame, smallChunkText } from './partial-frame.js';
import type { FrameEvent, Framer, FramerOptions, JsonScanner } from './types.js';
import { FrameBatch } from './frame-batch.js';

const PREVIEW_BYTES = 64;

const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
/** Below this many bytes a chunk is scanned in JavaScript: loading it into a native scanner costs more. */
const NATIVE_SCAN_MIN = 64;

/** Whether the native scanner holds the chunk being pushed (loaded at its first value). */
const enum Holds {
  Unknown,
  Yes,
  No,
}

/** What kind of top-level scalar is being scanned, if any. */
const enum Scalar {
  None,
  String,
  /** A number or literal (see json-scalar.ts). */
  Token,
}

/** JSON whitespace, allowed between values. */
function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export class JsonStreamFramer implements Framer {
  readonly name = 'json-stream' as const;
  private readonly maxMessageBytes: number;
  private readonly encoder = new TextEncoder();
  private readonly batch: FrameBatch;

  /** Where the scan of the object or array being read stands; 0 between values and in a scalar. */
  private scanState: ScanState = 0;
  /** The host's native scanner, if any, and whether it holds this push's chunk. */
  private readonly scanner: JsonScanner | undefined;
  private scannerHolds = Holds.Unknown;
  /** The top-level scalar being scanned (depth is then 0). */
  private scalar = Scalar.None;
  private readonly token = new ScalarToken();
  private readonly topString = new TopLevelString();
  private readonly bom = new LeadingBom();
  /** The current value's pieces from earlier chunks. */
  private readonly pieces = new PartialFrame();
  /** The chunk being pushed as text, when it is ASCII and small (see push). */
  private chunkText: string | null = null;
  /** The current value is over the bound: it is scanned to its end but not kept. */
  private discarding = false;
  private discardedBytes = 0;

  // Garbage between values: whether a run is open, its first bytes, its length.
  private inGarbage = false;
  private readonly preview = new Uint8Array(PREVIEW_BYTES);
  private garbageBytes = 0;

  constructor(options?: FramerOptions) {
    this.maxMessageBytes = resolveMaxMessageBytes(options);
    this.batch = new FrameBatch(this.name, options?.natives);
    this.scanner = options?.natives?.jsonScanner;
  }

  get bufferedBytes(): number {
    return this.pieces.byteLength;
  }

  push(chunk: Uint8Array): FrameEvent[] {
    if (this.bom.pending) {
      chunk = this.bom.strip(chunk);
      if (chunk.length === 0) return [];
    }
    const events: FrameEvent[] = [];
    const n = chunk.length;
    let pos = 0;
    // A small ASCII chunk is decoded whole, once: its values, whole or in part, are then slices of
    // one string (a value split across chunks costs no copy and no decode call of its own). See
    // partial-frame.ts.
    this.chunkText = smallChunkText(chunk, this.batch.decoder);
    this.scannerHolds = Holds.Unknown;
    while (pos < n) {
      if (this.scanState === 0 && this.scalar === Scalar.None) {
        pos = this.skipToValue(chunk, pos, events);
        if (pos === n) break;
        pos = this.startValue(chunk, pos);
      }
      let end: number;
      if (this.scalar === Scalar.None) {
        end = this.scanValue(chunk, pos);
      } else if (this.scalar === Scalar.String) {
        end = this.topString.scan(chunk, pos);
      } else {
        end = this.token.scan(chunk, pos);
        if (end < -1) {
          // Not a number or literal after all: garbage from the token's start, and on from -end - 2.
          pos = -end - 2;
          this.tokenToGarbage(events);
          continue;
        }
      }
      if (end === -1) {
        this.keepPartial(chunk, events);
        break;
      }
      this.completeValue(chunk, end, events);
      pos = end;
    }
    this.batch.flush(events);
    this.chunkText = null;
    return events;
  }

  end(): FrameEvent[] {
    const heldBom = this.bom.takeHeld(); // the start of a BOM that never completed is data
    const events = heldBom.length > 0 ? this.push(heldBom) : [];
    if (this.scalar === Scalar.Token) {
      // The end of the stream ends a number or literal as a delimiter would.
      if (!this.token.complete) this.tokenToGarbage(events);
      else if (this.discarding) this.discarding = false;
      else this.pieces.finish(new Uint8Array(0), 0, 0, null, this.batch, events);
      this.batch.flush(events);
      this.scalar = Scalar.None;
    }
    if (this.scanState !== 0 || this.scalar === Scalar.String) {
      const where = this.discarding ? 'inside an oversized value that was being skipped' : 'inside a value';
      events.push(truncatedError(this.name, this.pieces.byteLength, where));
    } else if (this.inGarbage) {
      events.push(this.garbageError());
    }
    this.scanState = 0;
    this.scalar = Scalar.None;
    this.bom.reset();
    this.pieces.clear();
    this.discarding = false;
    this.inGarbage = false;
    return events;
  }

  encode(json: string): Uint8Array {
    return this.encoder.encode(json);
  }

  encodeText(json: string): string {
    return json;
  }

  /** Where the current value starts in the chunk being pushed (0 if it began in an earlier one). */
  private valueStart = 0;

  /**
   * Skips whitespace and garbage up to the start of the next value: `{`, `[` or `"` always, a
   * number or literal's first byte outside garbage (inside, `Listening on :8080` stays one run).
   * Returns its position, or the chunk's length if there is none.
   */
  private skipToValue(chunk: Uint8Array, pos: number, events: FrameEvent[]): number {
    const n = chunk.length;
    for (; pos < n; pos++) {
      const b = chunk[pos];
      if (b === OPEN_BRACE || b === OPEN_BRACKET || b === QUOTE) {
        if (this.inGarbage) this.endGarbage(events);
        return pos;
      }
      if (!this.inGarbage) {
        if (isWhitespace(b)) continue;
        if (startsToken(b)) return pos;
      }
      this.addGarbage(b, events);
    }
    return n;
  }

  /** A value starts at `pos`: notes its kind and start; returns where its scanning goes on. */
  private startValue(chunk: Uint8Array, pos: number): number {
    const b = chunk[pos];
    this.valueStart = pos;
    if (b === OPEN_BRACE || b === OPEN_BRACKET) this.scanState = VALUE_OPENED;
    else if (b === QUOTE) {
      this.scalar = Scalar.String;
      this.topString.start();
    } else {
      this.scalar = Scalar.Token;
      this.token.start(b);
    }
    return pos + 1;
  }

  /** The token scanned so far is garbage: its bytes open (or join) a garbage run. */
  private tokenToGarbage(events: FrameEvent[]): void {
    const token = this.token;
    this.scalar = Scalar.None;
    this.pieces.clear();
    this.discarding = false;
    this.valueStart = 0;
    const shown = Math.min(token.length, TOKEN_PREVIEW_BYTES);
    for (let i = 0; i < shown; i++) this.addGarbage(token.preview[i], events);
    this.garbageBytes += token.length - shown;
  }

  /**
   * Scans the value from `pos` (its state carries over between chunks), natively when the host
   * gave a scanner. Returns the position just after its last byte, or -1 if it goes on past this
   * chunk.
   */
  private scanValue(chunk: Uint8Array, pos: number): number {
    const state = this.scanState;
    const scanner = this.scanner;
    let end: number;
    if (scanner !== undefined && state < MAX_NATIVE_SCAN_STATE && chunk.length >= NATIVE_SCAN_MIN && this.scannerHoldsChunk(scanner, chunk)) {
      end = scanner.scan(pos, state);
    } else {
      end = scanJsonValue(chunk, pos, state);
    }
    if (end >= 0) {
      this.scanState = 0;
      return end;
    }
    this.scanState = -1 - end;
    return -1;
  }

  /** Loads this push's chunk into the native scanner, once per push. */
  private scannerHoldsChunk(scanner: JsonScanner, chunk: Uint8Array): boolean {
    if (this.scannerHolds === Holds.Unknown) this.scannerHolds = scanner.load(chunk) ? Holds.Yes : Holds.No;
    return this.scannerHolds === Holds.Yes;
  }

  /** The value ends at `end` in this chunk. */
  private completeValue(chunk: Uint8Array, end: number, events: FrameEvent[]): void {
    const start = this.valueStart;
    const held = this.pieces.byteLength;
    this.scalar = Scalar.None;
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    const size = held + (end - start);
    if (size > this.maxMessageBytes) {
      this.batch.flush(events);
      events.push(oversizedError(this.name, this.maxMessageBytes, size));
      this.pieces.clear();
    } else if (held === 0) {
      if (this.chunkText !== null) events.push({ kind: 'frame', text: this.chunkText.slice(start, end) });
      else this.batch.add(chunk, start, end);
    } else {
      this.pieces.finish(chunk, 0, end, this.chunkText, this.batch, events);
    }
    this.valueStart = 0;
  }

  /** The value goes on past this chunk: keep its bytes, unless that crosses the bound. */
  private keepPartial(chunk: Uint8Array, events: FrameEvent[]): void {
    const start = this.valueStart;
    this.valueStart = 0;
    if (this.discarding) return;
    if (this.pieces.byteLength + chunk.length - start > this.maxMessageBytes) {
      this.batch.flush(events);
      events.push(oversizedError(this.name, this.maxMessageBytes));
      this.pieces.clear();
      this.discarding = true;
      return;
    }
    this.pieces.keep(chunk, start, chunk.length, this.chunkText);
  }

  private addGarbage(b: number, events: FrameEvent[]): void {
    if (!this.inGarbage) {
      this.inGarbage = true;
      this.garbageBytes = 0;
    }
    if (this.garbageBytes < PREVIEW_BYTES) this.preview[this.garbageBytes] = b;
    // After PREVIEW_BYTES the preview is complete: report now rather than at the run's end, so a
    // long run is seen early. garbageBytes then grows past PREVIEW_BYTES, and the run's end is quiet.
    if (++this.garbageBytes === PREVIEW_BYTES) {
      this.batch.flush(events);
      events.push(this.garbageError());
    }
  }

  private endGarbage(events: FrameEvent[]): void {
    if (this.garbageBytes < PREVIEW_BYTES) {
      this.batch.flush(events);
      events.push(this.garbageError());
    }
    this.inGarbage = false;
  }

  private garbageError(): FrameEvent {
    const shown = Math.min(this.garbageBytes, PREVIEW_BYTES);
    const preview = quoteBytes(this.preview.subarray(0, shown)) + (this.garbageBytes > PREVIEW_BYTES ? '...' : '');
    return framingError(
      this.name,
      'garbage',
      `Unexpected bytes between JSON values: "${preview}". Every message must be a JSON object or ` +
        'array; something wrote to the stream outside the JSON-RPC channel (e.g. a log line). ' +
        'Skipping to the next "{" or "[".',
      { preview },
    );
  }
}
