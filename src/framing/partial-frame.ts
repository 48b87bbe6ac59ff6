/**
 * The unfinished frame of a framer that finds frame ends in bytes (content-length, json-stream),
 * while its pieces arrive in more than one chunk.
 *
 * Those framers decode a small ASCII chunk whole, once (one decode call per chunk instead of one
 * per frame, see utf8.ts); a piece of such a chunk is then a slice of its string, and the frame's
 * start is held as text (a rope of slices, flattened once by JSON.parse). From the first piece
 * that comes without text (a non-ASCII or a large chunk) the rest is held as bytes, copied once
 * and decoded when the frame is complete, after the text held so far. So a frame split across
 * small ASCII chunks costs no copy and no decode call of its own, and no byte is decoded twice.
 */
import { ChunkList } from './chunk-list.js';
import type { FrameBatch } from './frame-batch.js';
import type { Utf8Decoder } from './utf8.js';
import type { FrameEvent } from './types.js';

/** A frame's start held as text has at most this many pieces (the depth of its rope). */
export const MAX_TEXT_PIECES = 256;
/**
 * Chunks of TEXT_CHUNK_MIN..TEXT_CHUNK_BELOW bytes are decoded whole when ASCII. Below, a decode
 * call's fixed cost (~150 ns) outweighs what it saves; above, frames are mostly whole inside the
 * chunk, and FrameBatch decodes just them, skipping what lies between.
 */
export const TEXT_CHUNK_MIN = 64;
const TEXT_CHUNK_BELOW = 16 * 1024;

/** The chunk as text, when it is ASCII and of a size worth decoding whole; else null. */
export function smallChunkText(chunk: Uint8Array, decoder: Utf8Decoder): string | null {
  const n = chunk.length;
  return n >= TEXT_CHUNK_MIN && n < TEXT_CHUNK_BELOW ? decoder.decodeAscii(chunk) : null;
}

export class PartialFrame {
  private text = '';
  private textPieces = 0;
  private readonly bytes = new ChunkList();

  /** Bytes held (the text is ASCII: a character is a byte). */
  get byteLength(): number {
    return this.text.length + this.bytes.byteLength;
  }

  /**
   * Holds `chunk[start, end)`. `chunkText` is the whole chunk decoded, when it is ASCII, else null.
   * The caller must not modify `chunk` afterwards.
   */
  keep(chunk: Uint8Array, start: number, end: number, chunkText: string | null): void {
    if (start === end) return;
    if (chunkText !== null && this.bytes.byteLength === 0 && this.textPieces < MAX_TEXT_PIECES) {
      this.text += chunkText.slice(start, end);
      this.textPieces++;
      return;
    }
    this.bytes.push(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end));
  }

  /**
   * Completes the frame with `chunk[start, end)` and adds it to `events`: as text when every
   * piece was text, else decoded once through `batch` (whose pending frames come out first; the
   * frame may come out at the batch's next flush, before the frames added after it). Nothing is
   * held afterwards.
   */
  finish(chunk: Uint8Array, start: number, end: number, chunkText: string | null, batch: FrameBatch, events: FrameEvent[]): void {
    batch.flush(events); // frames before this one come out first
    const prefix = this.text;
    this.text = '';
    this.textPieces = 0;
    if (chunkText !== null && this.bytes.byteLength === 0) {
      events.push({ kind: 'frame', text: prefix + chunkText.slice(start, end) });
      return;
    }
    if (end > start) this.bytes.push(chunk.subarray(start, end));
    // The batch may decode it with the chunk's frames that follow, if they go through the batch
    // too (not slices of the chunk's text, which come out at once) and it has no text start.
    if (prefix.length === 0 && chunkText === null) batch.addHeld(this.bytes.takeToDecode(), events);
    else batch.decodeOne(this.bytes.takeToDecode(), events, prefix);
  }

  /** Drops what is held (an oversized frame, the end of the stream). */
  clear(): void {
    this.text = '';
    this.textPieces = 0;
    this.bytes.clear();
  }
}
