/**
 * The bytes of one unfinished frame, kept as a list of pieces and copied into one array only when
 * the frame is complete, so a frame that arrives in k chunks costs one copy, not k re-concatenations.
 *
 * Tiny pieces are the exception: a peer that writes a byte at a time would otherwise leave one
 * Uint8Array object per byte in the list (far more memory than the bytes themselves), and a short
 * tail cut from a large chunk would keep that whole chunk alive. So pieces below COPY_BELOW bytes
 * are copied into a block; larger pieces are kept by reference. Blocks start small (most partial
 * frames are a few hundred bytes) and double up to MAX_BLOCK_BYTES, so a frame fed a byte at a
 * time fills O(log n + n / 64 KiB) blocks. Every byte is copied at most twice (into a block, then
 * into the frame), which keeps the total linear.
 */

const COPY_BELOW = 4096;
const FIRST_BLOCK_BYTES = 1024;
const MAX_BLOCK_BYTES = 64 * 1024;
/**
 * takeToDecode() joins a frame of this many bytes or more in a buffer it keeps for the next one:
 * a fresh array of a megabyte costs more (zeroing, page faults, old-generation GC) than the copy.
 */
export const REUSE_FROM_BYTES = 64 * 1024;
/** The kept buffer is at most this large; a larger frame is joined in an array of its own. */
export const REUSE_MAX_BYTES = 2 * 1024 * 1024;

export class ChunkList {
  /** Earlier parts of the frame, when it is not all in the block (large pieces, full blocks). */
  private pieces: Uint8Array[] = [];
  /**
   * The block small pieces are copied into: the frame's bytes in it are [blockStart, blockUsed);
   * bytes before blockStart belong to frames already taken (the caller owns them now).
   */
  private block: Uint8Array | null = null;
  private blockStart = 0;
  private blockUsed = 0;
  private nextBlockBytes = FIRST_BLOCK_BYTES;
  private total = 0;
  /** Where takeToDecode() joins large frames (see REUSE_FROM_BYTES); null when none is kept. */
  private joined: Uint8Array | null = null;

  /** Bytes of the buffer kept for joining large frames (not frame bytes: memory held while idle). */
  get keptBytes(): number {
    return this.joined === null ? 0 : this.joined.length;
  }

  /** Bytes held. */
  get byteLength(): number {
    return this.total;
  }

  /** Keeps `bytes` (which the caller must not modify afterwards) at the end of the frame. */
  push(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n === 0) return;
    this.total += n;
    if (n >= COPY_BELOW) {
      this.sealBlock();
      this.pieces.push(bytes);
      return;
    }
    if (this.block === null || this.blockUsed + n > this.block.length) {
      this.sealBlock();
      const size = Math.max(this.nextBlockBytes, n);
      this.nextBlockBytes = Math.min(size * 2, MAX_BLOCK_BYTES);
      this.block = new Uint8Array(size);
      this.blockStart = 0;
      this.blockUsed = 0;
    }
    this.block.set(bytes, this.blockUsed);
    this.blockUsed += n;
  }

  /**
   * The frame's bytes as one array, after which the list is empty. With one piece held, that piece
   * is returned as is; otherwise the pieces are copied once into an array of the exact size. The
   * array is the caller's: the list never writes to it again.
   */
  take(): Uint8Array {
    let out: Uint8Array;
    if (this.pieces.length === 0) {
      // All in the block (the usual case when frames straddle small chunks): one view, no array
      // of pieces. (Measured: sealing cost two subarray() calls, ~50 ns each, per frame.)
      out = this.block === null ? new Uint8Array(0) : this.block.subarray(this.blockStart, this.blockUsed);
      this.blockStart = this.blockUsed;
    } else {
      this.sealBlock();
      const pieces = this.pieces;
      if (pieces.length === 1) {
        out = pieces[0];
      } else {
        out = new Uint8Array(this.total);
        let at = 0;
        for (const piece of pieces) {
          out.set(piece, at);
          at += piece.length;
        }
      }
      this.pieces = [];
    }
    // The unused rest of the block stays for the next frame: writing there never touches the
    // bytes just returned, and it saves an allocation per frame when frames straddle small chunks.
    this.total = 0;
    return out;
  }

  /**
   * The frame's bytes as one array, like take(), for a caller that decodes them at once: the array
   * may be a view of a buffer the list reuses, valid only until the list's next push or take. A
   * large frame (REUSE_FROM_BYTES up to REUSE_MAX_BYTES) is joined there; a small one releases a
   * kept buffer, so a stream that goes back to small messages does not hold it.
   */
  takeToDecode(): Uint8Array {
    const total = this.total;
    if (total < REUSE_FROM_BYTES || total > REUSE_MAX_BYTES || this.pieces.length === 0) {
      if (total < REUSE_FROM_BYTES) this.joined = null;
      return this.take();
    }
    this.sealBlock();
    let joined = this.joined;
    if (joined === null || joined.length < total) {
      joined = new Uint8Array(Math.min(Math.max(total, (joined?.length ?? 0) * 2), REUSE_MAX_BYTES));
      this.joined = joined;
    }
    let at = 0;
    for (const piece of this.pieces) {
      joined.set(piece, at);
      at += piece.length;
    }
    this.pieces = [];
    this.total = 0;
    return joined.subarray(0, total);
  }

  /** Drops everything held, block included (an oversized frame, a reset). */
  clear(): void {
    this.pieces = [];
    this.block = null;
    this.blockStart = 0;
    this.blockUsed = 0;
    this.nextBlockBytes = FIRST_BLOCK_BYTES;
    this.total = 0;
    this.joined = null;
  }

  /** Moves the frame's bytes in the block to `pieces`; the rest of the block stays usable. */
  private sealBlock(): void {
    if (this.block !== null && this.blockUsed > this.blockStart) {
      this.pieces.push(this.block.subarray(this.blockStart, this.blockUsed));
      this.blockStart = this.blockUsed;
    }
  }
}
