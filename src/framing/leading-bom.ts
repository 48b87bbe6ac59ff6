/**
 * One UTF-8 byte-order mark (EF BB BF) at the very start of a stream, skipped by every framer
 * (RFC 8259 lets a parser ignore it; Windows tools write one). Only there: a BOM anywhere else is
 * data, and the framers' decoders keep it (see utf8.ts). Its three bytes may arrive in separate
 * chunks, so the bytes that match so far are held back until the mark is complete, or given back
 * when the next byte shows it was not one.
 *
 * A framer asks `pending` once per push (a comparison) and does nothing more once the first bytes
 * have gone by: no per-chunk work on the common path.
 */
const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);
const EMPTY = new Uint8Array(0);

export class LeadingBom {
  /** BOM bytes matched at the start so far (held back); -1 once past the start. */
  private matched = 0;

  /** True until the stream's first bytes have shown whether it begins with a BOM. */
  get pending(): boolean {
    return this.matched >= 0;
  }

  /**
   * The chunk without a leading BOM; or with the bytes held back from earlier chunks put in front
   * of it when they turn out not to start one; or empty while all its bytes may still be a BOM.
   */
  strip(chunk: Uint8Array): Uint8Array {
    const before = this.matched;
    let i = 0;
    while (i < chunk.length && this.matched < BOM.length) {
      if (chunk[i] !== BOM[this.matched]) {
        this.matched = -1;
        return before === 0 ? chunk : concat(BOM.subarray(0, before), chunk);
      }
      this.matched++;
      i++;
    }
    if (this.matched < BOM.length) return EMPTY;
    this.matched = -1;
    return chunk.subarray(i);
  }

  /** At the end of the stream: the bytes held back (part of a BOM that never completed) are data. */
  takeHeld(): Uint8Array {
    const held = this.matched > 0 ? BOM.slice(0, this.matched) : EMPTY;
    this.matched = -1;
    return held;
  }

  /** A new stream starts (the framer was reset by end()). */
  reset(): void {
    this.matched = 0;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
