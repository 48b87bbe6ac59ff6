/**
 * The contract every framer keeps. A framer turns a byte stream into frames (the JSON text of one
 * message each) and one message's JSON text into bytes. It is pure: no I/O, no timers, no `node:`
 * imports, so it runs anywhere `Uint8Array` and `TextDecoder` exist.
 */
import type { JsonRpcException } from '../parser/errors.js';

/**
 * The framings a peer can speak. `'auto'` reads the framing from the first bytes received and
 * then writes in it too (see auto.ts); until then it writes newline-delimited JSON.
 */
export type FramingName = 'newline' | 'content-length' | 'json-stream' | 'auto';

/** 64 MiB: the default bound on one message's size in bytes. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * What `push()` and `end()` return, in stream order.
 * - `frame`: the complete JSON text of one message (decoded from UTF-8 exactly once).
 * - `error`: bytes that could not be framed (an oversized frame, a bad header, invalid UTF-8,
 *   garbage, a stream cut mid-message). `fatal` is true when the framer cannot find the start of
 *   the next message and every later `push()` is ignored; otherwise it has recovered and goes on.
 */
export type FrameEvent =
  | { readonly kind: 'frame'; readonly text: string }
  | { readonly kind: 'error'; readonly error: JsonRpcException; readonly fatal: boolean };

export interface FramerOptions {
  /**
   * The largest frame, in bytes, that is buffered. A larger one is reported as soon as it crosses
   * the bound, and its bytes are discarded as they arrive. Default 64 MiB.
   */
  maxMessageBytes?: number;
  /**
   * The UTF-8 byte length of a string, used by `encodeText()` for Content-Length headers. Default:
   * `utf8ByteLength` (pure); a host with a native one should pass it (Node's `Buffer.byteLength`
   * is ~5x faster on 2 KB messages).
   */
  utf8Length?: (text: string) => number;
  /**
   * Native byte work for incoming bytes (UTF-8 decoding, byte search). Default: `TextDecoder` and
   * `Uint8Array` methods (pure, see utf8.ts); a host with faster natives should pass them (the Node
   * layer passes `nodeFramerNatives`, built on `Buffer` and `buffer.transcode`). They must give
   * exactly the defaults' results.
   */
  natives?: FramerNatives;
}

/**
 * The byte work a framer does most, for a host to do natively. The decoders must return exactly
 * what `new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)` returns (a
 * byte-order mark kept as U+FEFF), or null where that throws; the searches what `Uint8Array`'s
 * methods of the same names return.
 */
export interface FramerNatives {
  /** The text of `bytes`, or null if they are not valid UTF-8. */
  decode(bytes: Uint8Array): string | null;
  /** The text of `bytes` if they are all ASCII, else null (then nothing is said of their validity). */
  decodeAscii(bytes: Uint8Array): string | null;
  /** The first position of `byte` in `bytes` at or after `from`, or -1. */
  indexOf(bytes: Uint8Array, byte: number, from: number): number;
  /** The last position of `byte` in `bytes`, or -1. */
  lastIndexOf(bytes: Uint8Array, byte: number): number;
  /**
   * json-stream's scan of an object or array, done natively (optional). It must return exactly
   * what the framer's own `scanJsonValue` (json-scan.ts) returns, whatever the bytes.
   */
  jsonScanner?: JsonScanner;
}

/**
 * A native `scanJsonValue` (json-scan.ts): one chunk is loaded, then scanned from each value's
 * start. Synchronous and without callbacks, so one scanner may serve many framers: each loads its
 * chunk at the start of every push().
 */
export interface JsonScanner {
  /** Makes a copy of `chunk` the bytes later scan() calls read; false if it is too large for that. */
  load(chunk: Uint8Array): boolean;
  /**
   * `scanJsonValue(chunk, from, state)` on the loaded chunk. The framer calls it only in states
   * below 2^30 (a depth under 2^28), so a native scanner may keep its state in 32 bits.
   */
  scan(from: number, state: number): number;
}

export interface Framer {
  readonly name: FramingName;
  /**
   * Feeds the next chunk of the stream, of any size. Returns the frames (and errors) this chunk
   * completes, in order; an unfinished remainder is kept for the next call.
   */
  push(chunk: Uint8Array): FrameEvent[];
  /**
   * The stream has ended. Returns an error if it ended inside a frame (the remote side disconnected
   * mid-message), else nothing. The framer is reset and may be reused.
   */
  end(): FrameEvent[];
  /** The bytes of one message's JSON text, framed for the wire, ready for a single write. */
  encode(json: string): Uint8Array;
  /**
   * The same frame as text: its UTF-8 encoding is exactly `encode(json)`. For hosts that write
   * strings (a Node socket encodes natively, once for all the frames of a write).
   */
  encodeText(json: string): string;
  /** Bytes held for an unfinished frame (never more than maxMessageBytes plus a header's bound). */
  readonly bufferedBytes: number;
}
