/**
 * UTF-8 decoding for framers, built around one measured fact: a TextDecoder call has a fixed cost
 * comparable to JSON.parse-ing a short message, so decoding each ~200-byte frame on its own costs
 * ~20% of the throughput, while decoding a whole chunk's worth of frames in one call costs a few %.
 *
 * All decoders are fatal (invalid UTF-8 is an error entry, never U+FFFD smuggled into a message)
 * and keep a byte-order mark (stripping one only at the start of a decode() call would make the
 * result depend on where chunks were cut).
 */
import type { FramerNatives } from './types.js';

/** (The global's instance type, spelled so that it compiles with or without the DOM lib.) */
type TextDecoderInstance = InstanceType<typeof TextDecoder>;

const createDecoder = (): TextDecoderInstance => new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const STREAM = { stream: true } as const;

/**
 * A fatal UTF-8 decoder that takes, for each call, the faster of two ways Node decodes:
 * - ASCII (most JSON-RPC traffic): a plain decode() is Node's fast path (simdutf validation, then
 *   a copy into a one-byte string), ~0.1 us per 200-byte message; the ICU way costs ~3x that.
 * - Non-ASCII: that fast path hands the bytes to V8, which decodes UTF-8 in two scalar passes,
 *   ~4 ns/byte: 12 us for a 3 KB message of mixed scripts, about as long as JSON.parse-ing it.
 *   decode() in stream mode goes through ICU's converter instead: one pass, 7-8 us (measured,
 *   Node 20). Node turns the fast path off for good on a decoder once it sees `stream: true`,
 *   hence two decoders.
 * Whether bytes are ASCII is known only after decoding them, so each call follows the previous
 * one (a stream's messages tend to be alike); a wrong guess costs speed, never correctness.
 *
 * Both ways give the same strings and reject the same bytes (checked over random byte strings in
 * test/framing/utf8.test.ts): stream mode holds back an incomplete sequence at the end instead of
 * failing, so when the last byte is not ASCII a flushing decode() follows, which throws for one;
 * after an error the ICU decoder is replaced, so nothing of the bad bytes is carried over.
 *
 * A host may pass its own `FramerNatives` (the Node layer does: see FramerOptions); both ways are
 * then replaced by it, and only the guess of ASCII or not is kept.
 */
export class Utf8Decoder {
  private readonly fast = createDecoder();
  private icu = createDecoder();
  /** The last decode produced fewer characters than bytes: expect non-ASCII next. */
  private nonAscii = false;

  constructor(private readonly host?: FramerNatives) {}

  /** False while the last decode saw non-ASCII text (`decodeAscii()` would return null at once). */
  get expectsAscii(): boolean {
    return !this.nonAscii;
  }

  /** Decodes `bytes`, or returns null if they are not valid UTF-8. A byte-order mark is kept. */
  decode(bytes: Uint8Array): string | null {
    const host = this.host;
    const text = host !== undefined ? host.decode(bytes) : this.nonAscii ? this.decodeWithIcu(bytes) : tryDecode(this.fast, bytes);
    if (text !== null) this.nonAscii = text.length !== bytes.length;
    return text;
  }

  /**
   * The text of `bytes` if they are all ASCII, else null (and then nothing is said about their
   * validity). While the previous decode saw non-ASCII text it returns null at once, so a
   * non-ASCII stream does not pay for decodes it cannot use.
   */
  decodeAscii(bytes: Uint8Array): string | null {
    if (this.nonAscii || bytes.length === 0 || bytes[bytes.length - 1] >= 0x80) return null;
    const host = this.host;
    if (host !== undefined) {
      const ascii = host.decodeAscii(bytes);
      if (ascii === null) this.nonAscii = true;
      return ascii;
    }
    const text = tryDecode(this.fast, bytes);
    if (text === null) return null;
    if (text.length !== bytes.length) {
      this.nonAscii = true;
      return null;
    }
    return text;
  }

  private decodeWithIcu(bytes: Uint8Array): string | null {
    try {
      const text = this.icu.decode(bytes, STREAM);
      return bytes.length > 0 && bytes[bytes.length - 1] >= 0x80 ? text + this.icu.decode() : text;
    } catch {
      this.icu = createDecoder();
      return null;
    }
  }
}

/** Decodes `bytes`, or returns null if they are not valid UTF-8. */
function tryDecode(decoder: TextDecoderInstance, bytes: Uint8Array): string | null {
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The length in bytes of `text` encoded as UTF-8 (as TextEncoder encodes it: a lone surrogate
 * becomes U+FFFD, 3 bytes). ASCII text, the common case, is answered by one native regex scan.
 */
export function utf8ByteLength(text: string): number {
  if (!NON_ASCII.test(text)) return text.length;
  const n = text.length;
  let length = n;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      length += 1;
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 2; // a surrogate pair: 2 units, 4 bytes
      i++;
    } else {
      length += 2;
    }
  }
  return length;
}
