/**
 * A byte stream's input not parsed yet: the chunks the transport delivered ahead of the engine's
 * decisions, handed to the framer a slice at a time. It holds at most `maxBytes` (one chunk alone
 * may be larger: a transport that pauses delivers one chunk after it was asked to); `push()`
 * refuses what would pass that, for a transport that ignores `pause()`.
 */
export class Inbox {
  private chunks: Uint8Array[] = [];
  /** Bytes of `chunks[0]` already taken. */
  private offset = 0;
  /** Bytes held (past `offset`). */
  bytes = 0;

  constructor(readonly maxBytes: number) {}

  /** Keeps `chunk`; false (kept nothing) when it would take what is held past `maxBytes`. */
  push(chunk: Uint8Array): boolean {
    if (this.bytes > 0 && this.bytes + chunk.byteLength > this.maxBytes) return false;
    this.chunks.push(chunk);
    this.bytes += chunk.byteLength;
    return true;
  }

  /** The next at most `max` bytes, taken out (a view into the chunk, not a copy); empty when none. */
  take(max: number): Uint8Array {
    const chunk = this.chunks[0];
    if (chunk === undefined) return EMPTY;
    const start = this.offset;
    const end = Math.min(chunk.byteLength, start + max);
    const slice = start === 0 && end === chunk.byteLength ? chunk : chunk.subarray(start, end);
    if (end === chunk.byteLength) {
      this.chunks.shift();
      this.offset = 0;
    } else {
      this.offset = end;
    }
    this.bytes -= end - start;
    return slice;
  }

  clear(): void {
    this.chunks = [];
    this.offset = 0;
    this.bytes = 0;
  }
}

const EMPTY = new Uint8Array(0);
