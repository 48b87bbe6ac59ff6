/**
 * The frames that lie whole inside one chunk, collected as byte ranges and decoded together:
 * a decode call has a fixed cost comparable to JSON.parse-ing a short message (Node's transcode
 * costs more still), so one call per chunk instead of one per frame.
 *
 * - ASCII (seen after the fact: the string is exactly as long as the bytes): the bytes from the
 *   first frame's start to the last one's end are decoded in one call, gaps (headers, whitespace)
 *   included, and each frame is a slice of that string.
 * - Otherwise the frames are copied into one array with SEPARATOR between them, decoded in one
 *   call, and the text split on it. SEPARATOR is a control character, which JSON text never holds
 *   raw, and an ASCII byte, which UTF-8 never hides inside a multi-byte character, so the joined
 *   bytes are valid exactly when every frame is, and each piece decodes as its frame alone would.
 *   A frame that is not JSON may hold one: then the count of pieces is wrong, and the frames are
 *   decoded one by one instead. Invalid UTF-8 anywhere also falls back to one by one, which pins
 *   the error on the frame that has it.
 * The first way is tried while the last batch was ASCII, so bytes are decoded twice only in the
 * one batch where the stream turns from ASCII to not.
 *
 * A frame completed from earlier chunks (`addHeld`) lies in an array of its own. While the stream
 * is not ASCII it is joined in front of the chunk's frames, so a chunk costs one decode call, not
 * two (a transcode call has a high fixed cost); otherwise it is decoded at once, as before.
 */
import { invalidUtf8Error } from './framing-errors.js';
import type { FrameEvent, FramingName, FramerNatives } from './types.js';
import { Utf8Decoder } from './utf8.js';

const SEPARATOR = 0x1e;
const SEPARATOR_TEXT = '\x1e';
/** The array frames are joined in is kept for the next batch while at most this large. */
const KEEP_JOINED_BYTES = 256 * 1024;
/** A held frame this large or larger is decoded on its own: its call's fixed cost is small beside it. */
const JOIN_HELD_BELOW = 64 * 1024;

export class FrameBatch {
  private chunk: Uint8Array | null = null;
  /**
   * Start and end of each frame added, in `ranges[0, count)`. The array is reused and never
   * shrunk: `ranges.length = 0` is a runtime call (JSArray::SetLength in the profile).
   */
  private readonly ranges: number[] = [];
  private count = 0;
  /** A frame completed from earlier chunks, to decode before the chunk's frames (see addHeld), or null. */
  private held: Uint8Array | null = null;
  /** The last batch was not ASCII: join and decode without trying the region first. */
  private nonAscii = false;
  private joined: Uint8Array = new Uint8Array(0);
  /** Also for the framer's own decoding, so that both follow one guess of ASCII or not. */
  readonly decoder: Utf8Decoder;

  constructor(
    private readonly framing: FramingName,
    decoding?: FramerNatives,
  ) {
    this.decoder = new Utf8Decoder(decoding);
  }

  /** Adds the frame `chunk[start, end)`; every add before a flush must use the same chunk. */
  add(chunk: Uint8Array, start: number, end: number): void {
    this.chunk = chunk;
    this.ranges[this.count++] = start;
    this.ranges[this.count++] = end;
  }

  /**
   * Adds a frame completed from earlier chunks, `bytes` (not modified until the next flush), as
   * the first of this batch: call it when nothing is pending, before any add(). Decoded at once
   * while the stream is ASCII or when large, else joined with the chunk's frames at the flush.
   */
  addHeld(bytes: Uint8Array, events: FrameEvent[]): void {
    if (this.nonAscii && bytes.length < JOIN_HELD_BELOW) {
      this.held = bytes;
      return;
    }
    this.decodeOne(bytes, events);
  }

  /** Decodes the frames added so far into `events`, in order. Call before adding any other event. */
  flush(events: FrameEvent[]): void {
    const count = this.count;
    const chunk = this.chunk;
    const held = this.held;
    if (held !== null) {
      this.held = null;
      this.count = 0;
      this.chunk = null;
      if (count === 0 || chunk === null) this.decodeOne(held, events);
      else this.joinAndSplit(chunk, count, held, events);
      return;
    }
    if (count === 0 || chunk === null) return;
    this.count = 0;
    this.chunk = null;
    const ranges = this.ranges;
    if (count === 2) {
      this.decodeOne(chunk.subarray(ranges[0], ranges[1]), events);
      this.nonAscii = !this.decoder.expectsAscii;
      return;
    }
    if (!this.nonAscii) {
      const first = ranges[0];
      const last = ranges[count - 1];
      const region = this.decoder.decode(chunk.subarray(first, last));
      if (region !== null && region.length === last - first) {
        for (let r = 0; r < count; r += 2) {
          events.push({ kind: 'frame', text: region.slice(ranges[r] - first, ranges[r + 1] - first) });
        }
        return;
      }
      if (region === null) {
        this.oneByOne(chunk, count, null, events);
        return;
      }
    }
    this.joinAndSplit(chunk, count, null, events);
  }

  /** Decodes one frame assembled from several chunks, after `prefix` (its start, held as text). */
  decodeOne(bytes: Uint8Array, events: FrameEvent[], prefix = ''): void {
    const text = this.decoder.decode(bytes);
    if (text === null) events.push(invalidUtf8Error(this.framing, prefix.length + bytes.length));
    else events.push({ kind: 'frame', text: prefix.length === 0 ? text : prefix + text });
  }

  /** The frames joined by SEPARATOR, `held` first, one decode, split (see the top of this file). */
  private joinAndSplit(chunk: Uint8Array, count: number, held: Uint8Array | null, events: FrameEvent[]): void {
    const ranges = this.ranges;
    const pieces = count / 2 + (held === null ? 0 : 1);
    let size = pieces - 1 + (held === null ? 0 : held.length);
    for (let r = 0; r < count; r += 2) size += ranges[r + 1] - ranges[r];
    let joined = this.joined;
    if (joined.length < size) {
      joined = new Uint8Array(Math.max(size, Math.min(joined.length * 2, KEEP_JOINED_BYTES)));
      if (joined.length <= KEEP_JOINED_BYTES) this.joined = joined;
    }
    let at = 0;
    if (held !== null) {
      joined.set(held);
      joined[held.length] = SEPARATOR;
      at = held.length + 1;
    }
    for (let r = 0; r < count; r += 2) {
      if (r > 0) joined[at++] = SEPARATOR;
      joined.set(chunk.subarray(ranges[r], ranges[r + 1]), at);
      at += ranges[r + 1] - ranges[r];
    }
    const text = this.decoder.decode(joined.subarray(0, size));
    if (text === null) {
      this.oneByOne(chunk, count, held, events);
      return;
    }
    this.nonAscii = text.length !== size;
    const frames: string[] = [];
    let start = 0;
    for (let p = 1; p < pieces; p++) {
      const end = text.indexOf(SEPARATOR_TEXT, start);
      if (end === -1) break;
      frames.push(text.slice(start, end));
      start = end + 1;
    }
    if (frames.length !== pieces - 1 || text.indexOf(SEPARATOR_TEXT, start) !== -1) {
      this.oneByOne(chunk, count, held, events); // a frame held a SEPARATOR of its own
      return;
    }
    frames.push(text.slice(start));
    for (const frame of frames) events.push({ kind: 'frame', text: frame });
  }

  /** Each frame decoded on its own (`held` first), so invalid UTF-8 is pinned on the frame that has it. */
  private oneByOne(chunk: Uint8Array, count: number, held: Uint8Array | null, events: FrameEvent[]): void {
    const ranges = this.ranges;
    let allAscii = held === null || this.decodeAlone(held, events);
    for (let r = 0; r < count; r += 2) {
      if (!this.decodeAlone(chunk.subarray(ranges[r], ranges[r + 1]), events)) allAscii = false;
    }
    this.nonAscii = !allAscii;
  }

  /** One frame's bytes decoded into `events`; whether they were ASCII. */
  private decodeAlone(bytes: Uint8Array, events: FrameEvent[]): boolean {
    const text = this.decoder.decode(bytes);
    if (text === null) {
      events.push(invalidUtf8Error(this.framing, bytes.length));
      return false;
    }
    events.push({ kind: 'frame', text });
    return text.length === bytes.length;
  }
}
