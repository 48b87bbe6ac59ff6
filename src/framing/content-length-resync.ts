/**
 * Finding the next message after bytes that are not one (content-length.ts): resync looks for the
 * text `Content-Length` (any case, anywhere) and hands the header block the rest of that header.
 *
 * The bytes skipped on the way may be reported as one `garbage` error quoting their first 64
 * bytes (usually a stray console.log on a language server's stdout). The error is given when the
 * next header is found, when a line ends, or once 64 more bytes have gone by (the stream's end
 * too, through `end()`), so one burst of garbage gives one error wherever the chunks were cut.
 */
import { framingError, quoteBytes } from './framing-errors.js';
import type { FrameEvent } from './types.js';

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
/** What resync looks for, lower-cased. */
export const RESYNC_PATTERN = ascii('content-length');

const PREVIEW_BYTES = 64;
const LF = 0x0a;

export class Resync {
  /** How much of RESYNC_PATTERN the last bytes matched. */
  private matched = 0;
  /** The bytes skipped are garbage still to report. */
  private reportGarbage = false;
  private readonly preview = new Uint8Array(PREVIEW_BYTES);
  private previewLength = 0;
  private garbageBytes = 0;

  /** Starts looking. `garbage`: the bytes already skipped to report as garbage, or null for none. */
  start(garbage: Uint8Array | null): void {
    this.matched = 0;
    this.reportGarbage = garbage !== null;
    this.previewLength = 0;
    this.garbageBytes = 0;
    if (garbage !== null) {
      this.preview.set(garbage.subarray(0, PREVIEW_BYTES));
      this.previewLength = Math.min(garbage.length, PREVIEW_BYTES);
      this.garbageBytes = garbage.length;
    }
  }

  /**
   * Scans from `pos`. Returns the position just after `content-length` (the header's name, whose
   * bytes are RESYNC_PATTERN), or -1 when the chunk ended first. `errors` gets the garbage error
   * if it is due.
   */
  scan(chunk: Uint8Array, pos: number, errors: FrameEvent[]): number {
    const last = RESYNC_PATTERN.length - 1;
    for (; pos < chunk.length; pos++) {
      const b = chunk[pos];
      if (this.reportGarbage) {
        if (this.previewLength < PREVIEW_BYTES) this.preview[this.previewLength++] = b;
        // Once this many bytes have gone by, or a line has ended (a stray console.log line, or a
        // peer speaking newline framing), the first PREVIEW_BYTES cannot be part of a header that
        // is still to come, so the error can be given now, the same wherever chunks are cut.
        if (++this.garbageBytes >= PREVIEW_BYTES + last || b === LF) {
          errors.push(this.garbageError(this.garbageBytes));
          this.reportGarbage = false;
        }
      }
      const lower = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
      if (lower === RESYNC_PATTERN[this.matched]) {
        if (this.matched++ === last) {
          const garbage = this.garbageBytes - last - 1;
          if (this.reportGarbage && garbage > 0) errors.push(this.garbageError(garbage));
          this.reportGarbage = false;
          return pos + 1;
        }
      } else {
        this.matched = lower === RESYNC_PATTERN[0] ? 1 : 0;
      }
    }
    return -1;
  }

  /** The stream ended while looking: the garbage error still due, if any. */
  end(): FrameEvent | null {
    const event = this.reportGarbage ? this.garbageError(this.garbageBytes) : null;
    this.reportGarbage = false;
    return event;
  }

  private garbageError(garbageBytes: number): FrameEvent {
    const preview = quoteBytes(this.preview.subarray(0, Math.min(this.previewLength, garbageBytes)));
    return garbageError(preview + (garbageBytes > PREVIEW_BYTES ? '...' : ''));
  }
}

/** Stray output that ran into a header's name after it (`readyContent-Length: 2`). */
export function garbageBeforeHeader(prefix: Uint8Array): FrameEvent {
  return garbageError(quoteBytes(prefix, PREVIEW_BYTES), 'The Content-Length header right after it was used.');
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
