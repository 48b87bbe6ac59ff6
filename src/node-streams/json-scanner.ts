/**
 * The Node layer's native scanner for the json-stream framer (`FramerNatives.jsonScanner`): its
 * scan of objects and arrays (`scanJsonValue` in src/framing/json-scan.ts) in WebAssembly
 * (json-scanner.wat), 64 bytes per step with SIMD bit masks instead of a JavaScript loop per byte.
 * Same results for any bytes (test/node-streams/json-scanner.test.ts checks it against
 * scanJsonValue with fast-check).
 *
 * Each push() copies its chunk into the module's memory once (a memcpy, against the loop's cost
 * per byte); one instance serves every framer in the process, as push() is synchronous. The memory
 * grows to the largest chunk loaded, at most MAX_LOADED_BYTES (a larger chunk is scanned in
 * JavaScript), and is kept.
 */
import type { JsonScanner } from '../framing/types.js';
import { JSON_SCANNER_WASM } from './json-scanner-wasm.js';

/** Chunks up to this size are loaded (the bound on the memory this module keeps). */
export const MAX_LOADED_BYTES = 1024 * 1024;
/** Bytes after the chunk that a 64-byte block at its end may read (masked off by the scanner). */
const SLACK = 64;
const PAGE = 64 * 1024;

/** The few WebAssembly APIs used (the project's `lib` setting declares none). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: { memory: WasmMemory; scan: (from: number, n: number, state: number) => number } };
}

class WasmJsonScanner implements JsonScanner {
  private bytes: Uint8Array;
  private length = 0;

  constructor(
    private readonly memory: WasmMemory,
    private readonly scanLoaded: (from: number, n: number, state: number) => number,
  ) {
    this.bytes = new Uint8Array(memory.buffer);
  }

  load(chunk: Uint8Array): boolean {
    const n = chunk.length;
    if (n > MAX_LOADED_BYTES) return false;
    if (this.bytes.length < n + SLACK) {
      this.memory.grow(Math.ceil((n + SLACK - this.bytes.length) / PAGE));
      this.bytes = new Uint8Array(this.memory.buffer);
    }
    this.bytes.set(chunk);
    this.length = n;
    return true;
  }

  scan(from: number, state: number): number {
    return this.scanLoaded(from, this.length, state);
  }
}

/** The scanner, or undefined where this runtime cannot compile the module (no WebAssembly SIMD). */
export function createJsonScanner(): JsonScanner | undefined {
  try {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const { exports } = new wasm.Instance(new wasm.Module(Buffer.from(JSON_SCANNER_WASM, 'base64')));
    return new WasmJsonScanner(exports.memory, exports.scan);
  } catch {
    return undefined;
  }
}
