/**
 * The Node layer's natives for the framers (`FramerOptions.natives`): the same strings, the same
 * rejections and the same positions as the framers' defaults (`TextDecoder`, `Uint8Array`
 * methods), through faster ones.
 *
 * - ASCII (most JSON-RPC traffic): `buffer.isAscii` (a SIMD scan) then `latin1Slice`, a plain copy
 *   into a one-byte string, called on the bytes directly: the same work as TextDecoder's fast path,
 *   kept so that one decoder serves every call.
 * - Non-ASCII: `buffer.transcode(bytes, 'utf8', 'ucs2')` (ICU's converter, one pass) and
 *   `ucs2Slice`, faster per byte than TextDecoder's ICU path (src/framing/README.md has the
 *   figures). Its fixed cost per call is higher, so short inputs stay with TextDecoder; the framers
 *   make one call per region of a chunk, never one per message where they can help it (see
 *   src/framing/frame-batch.ts).
 *
 * transcode rejects what a fatal TextDecoder rejects (overlongs, surrogates, truncated sequences,
 * code points above U+10FFFF) and keeps a byte-order mark; test/node-streams/framer-natives.test.ts
 * checks both against TextDecoder over random bytes.
 *
 * Byte search: `Buffer#indexOf` / `lastIndexOf` (memchr-like) on the bytes directly; Uint8Array's
 * own run a scalar loop behind a slower call, which makes long lines costly to search.
 *
 * json-stream's scan of objects and arrays: WebAssembly with SIMD (json-scanner.ts).
 */
import { isAscii, transcode } from 'node:buffer';
import type { FramerNatives } from '../framing/types.js';
import { createJsonScanner } from './json-scanner.js';

/** Buffer's own methods, which work on any Uint8Array (the slicers are not in Node's type declarations). */
interface BufferMethods {
  latin1Slice(this: Uint8Array, start: number, end: number): string;
  ucs2Slice(this: Uint8Array, start: number, end: number): string;
  indexOf(this: Uint8Array, byte: number, from: number): number;
  lastIndexOf(this: Uint8Array, byte: number, from: number): number;
}
const { latin1Slice, ucs2Slice, indexOf, lastIndexOf } = Buffer.prototype as unknown as BufferMethods;

/** Below this many bytes, TextDecoder's lower fixed cost per call wins over transcode. */
const TRANSCODE_MIN = 1024;

const fallback = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A Buffer made by `transcode`, kept (exported, so that the module holds it) for as long as the
 * process runs. A Buffer made in C++ gets its prototype set after it is created, which moves it
 * to a map that V8 holds only weakly. When a full GC finds no such Buffer alive, that map dies
 * and every optimized function that checked for it (the framers' decoding paths) is thrown away
 * ("deoptimization, reason: weak objects", seen with --trace-deopt) and must warm up again; one
 * Buffer alive keeps the map, and the code.
 */
export const TRANSCODE_MAP_HOLDER: Uint8Array = transcode(new Uint8Array([0xc3, 0xa9]), 'utf8', 'ucs2');

export const nodeFramerNatives: FramerNatives = {
  indexOf(bytes: Uint8Array, byte: number, from: number): number {
    return from >= bytes.length ? -1 : indexOf.call(bytes, byte, from);
  },
  lastIndexOf(bytes: Uint8Array, byte: number): number {
    return bytes.length === 0 ? -1 : lastIndexOf.call(bytes, byte, bytes.length - 1);
  },
  decode(bytes: Uint8Array): string | null {
    if (isAscii(bytes)) return latin1Slice.call(bytes, 0, bytes.length);
    try {
      if (bytes.length < TRANSCODE_MIN) return fallback.decode(bytes);
      const units = transcode(bytes, 'utf8', 'ucs2');
      return ucs2Slice.call(units, 0, units.length);
    } catch {
      return null;
    }
  },
  decodeAscii(bytes: Uint8Array): string | null {
    return isAscii(bytes) ? latin1Slice.call(bytes, 0, bytes.length) : null;
  },
  jsonScanner: createJsonScanner(),
};
