/**
 * Top-level scalars in a concatenated-JSON stream (json-stream.ts), scanned byte by byte as they
 * arrive, a chunk ending anywhere inside them. They are rare, so plain loops are enough.
 *
 * - A string ends at its closing quote, or at a raw line end, which JSON never allows inside a
 *   string: a stray quote in a log line then costs that line only.
 * - A number or literal (`true`, `false`, `null`) has no closing byte: it is complete only when a
 *   delimiter follows it (or the stream ends). The check is exact (JSON's number grammar, the three
 *   literals), so a stray line of text that happens to begin like a value (`2026-12-01 10:00
 *   started`, `note: ...`) is found out at its first wrong byte and reported as garbage, not
 *   framed and answered.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LF = 0x0a;

/** A top-level string; its opening quote has been read. */
export class TopLevelString {
  /** The previous chunk ended on a backslash: the next byte is escaped. */
  private escaped = false;

  start(): void {
    this.escaped = false;
  }

  /**
   * Scans from `pos`. Returns the position just after the closing quote, the position of a raw
   * line end (the string stops there, unterminated), or -1 if it goes on past this chunk.
   */
  scan(chunk: Uint8Array, pos: number): number {
    const n = chunk.length;
    let escaped = this.escaped;
    for (let i = pos; i < n; i++) {
      const b = chunk[i];
      if (b === LF) return i;
      if (escaped) escaped = false;
      else if (b === QUOTE) return i + 1;
      else if (b === BACKSLASH) escaped = true;
    }
    this.escaped = escaped;
    return -1;
  }
}

/** Bytes that end a token: JSON whitespace, brackets, a quote, a comma. */
function endsToken(b: number): boolean {
  return (
    b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 ||
    b === 0x7b || b === 0x7d || b === 0x5b || b === 0x5d || b === 0x22 || b === 0x2c
  );
}

/** Whether `b` may begin a number or a literal. */
export function startsToken(b: number): boolean {
  return b === 0x2d || (b >= 0x30 && b <= 0x39) || b === 0x74 || b === 0x66 || b === 0x6e;
}

/** Where a token stands after the bytes seen so far. */
const enum Step {
  /** A literal: `literal[index]` is the byte expected next. */
  Literal,
  Minus,
  /** A leading `0`: only `.`, an exponent or the end may follow. */
  Zero,
  Integer,
  Dot,
  Fraction,
  Exponent,
  ExponentSign,
  ExponentDigits,
  Invalid,
}

const LITERALS: Record<number, Uint8Array> = {
  0x74: new TextEncoder().encode('true'),
  0x66: new TextEncoder().encode('false'),
  0x6e: new TextEncoder().encode('null'),
};

const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;
const isExponent = (b: number): boolean => b === 0x65 || b === 0x45;

/** Bytes of a token kept to quote it, should it turn out to be garbage. */
export const TOKEN_PREVIEW_BYTES = 64;

export class ScalarToken {
  private step = Step.Invalid;
  private literal: Uint8Array = LITERALS[0x74]!;
  private index = 0;
  /** The token's length so far, and its first bytes. */
  length = 0;
  readonly preview = new Uint8Array(TOKEN_PREVIEW_BYTES);

  /** Begins a token at `b` (a byte for which `startsToken` holds). */
  start(b: number): void {
    this.length = 0;
    this.record(b);
    if (b === 0x2d) this.step = Step.Minus;
    else if (b === 0x30) this.step = Step.Zero;
    else if (isDigit(b)) this.step = Step.Integer;
    else {
      this.step = Step.Literal;
      this.literal = LITERALS[b]!;
      this.index = 1;
    }
  }

  /**
   * Scans from `pos` (after the first byte). Returns the position of the delimiter that ends the
   * token, -1 if it goes on past this chunk, or -2 - r when it turned out to be neither a number
   * nor a literal: garbage, which goes on from position r.
   */
  scan(chunk: Uint8Array, pos: number): number {
    const n = chunk.length;
    for (let i = pos; i < n; i++) {
      const b = chunk[i];
      if (endsToken(b)) return this.complete ? i : -2 - i; // the delimiter is looked at again
      if (!this.accept(b)) return -2 - (i + 1); // b belongs to the garbage
    }
    return -1;
  }

  /** Takes the next byte (not a delimiter); false when it cannot continue a number or literal. */
  private accept(b: number): boolean {
    this.record(b);
    this.step = this.after(b);
    return this.step !== Step.Invalid;
  }

  /** Whether the bytes so far are a whole number or literal (so a delimiter may end it here). */
  get complete(): boolean {
    switch (this.step) {
      case Step.Literal:
        return this.index === this.literal.length;
      case Step.Zero:
      case Step.Integer:
      case Step.Fraction:
      case Step.ExponentDigits:
        return true;
      default:
        return false;
    }
  }

  /** The step after byte `b`: JSON's number grammar, or the literal's next byte. */
  private after(b: number): Step {
    switch (this.step) {
      case Step.Literal:
        if (this.index < this.literal.length && this.literal[this.index] === b) {
          this.index++;
          return Step.Literal;
        }
        return Step.Invalid;
      case Step.Minus:
        return b === 0x30 ? Step.Zero : isDigit(b) ? Step.Integer : Step.Invalid;
      case Step.Zero:
        return b === 0x2e ? Step.Dot : isExponent(b) ? Step.Exponent : Step.Invalid;
      case Step.Integer:
        return isDigit(b) ? Step.Integer : b === 0x2e ? Step.Dot : isExponent(b) ? Step.Exponent : Step.Invalid;
      case Step.Dot:
        return isDigit(b) ? Step.Fraction : Step.Invalid;
      case Step.Fraction:
        return isDigit(b) ? Step.Fraction : isExponent(b) ? Step.Exponent : Step.Invalid;
      case Step.Exponent:
        return b === 0x2b || b === 0x2d ? Step.ExponentSign : isDigit(b) ? Step.ExponentDigits : Step.Invalid;
      case Step.ExponentSign:
      case Step.ExponentDigits:
        return isDigit(b) ? Step.ExponentDigits : Step.Invalid;
      case Step.Invalid:
        return Step.Invalid;
    }
  }

  private record(b: number): void {
    if (this.length < TOKEN_PREVIEW_BYTES) this.preview[this.length] = b;
    this.length++;
  }
}
