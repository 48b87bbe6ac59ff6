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

  /** Drops everything held, block included (an oversized frame, a reset). */
  clear(): void {
    this.pieces = [];
    this.block = null;
    this.blockStart = 0;
    this.blockUsed = 0;
    this.nextBlockBytes = FIRST_BLOCK_BYTES;
    this.total = 0;
  }

  /** Moves the frame's bytes in the block to `pieces`; the rest of the block stays usable. */
  private sealBlock(): void {
    if (this.block !== null && this.blockUsed > this.blockStart) {
      this.pieces.push(this.block.subarray(this.blockStart, this.blockUsed));
      this.blockStart = this.blockUsed;
    }
  }
}
