import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { JsonStreamFramer } from '../../src/framing/index.js';
import { scanJsonValue, VALUE_OPENED } from '../../src/framing/json-scan.js';
import { nodeFramerNatives } from '../../src/node-streams/framer-natives.js';
import { createJsonScanner, MAX_LOADED_BYTES } from '../../src/node-streams/json-scanner.js';
import { JSON_SCANNER_WASM } from '../../src/node-streams/json-scanner-wasm.js';
import { feed, utf8 } from '../framing/helpers.js';

const scanner = createJsonScanner();

/** Bytes that matter to the scan, often: quotes, backslashes, brackets; then anything. */
const byte = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d) },
  { weight: 4, arbitrary: fc.constantFrom(0x61, 0x20, 0x3a, 0x2c, 0xc3, 0xa9, 0x7c, 0x3b, 0x1b) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
/** Runs of one byte (long backslash runs, long strings) mixed with single bytes. */
const bytes = fc
  .array(fc.oneof(byte.map((b) => [b]), fc.tuple(byte, fc.integer({ min: 2, max: 40 })).map(([b, k]) => new Array<number>(k).fill(b))), {
    maxLength: 40,
  })
  .map((runs) => new Uint8Array(runs.flat()));
/** A state inside a value: a depth, maybe in a string, maybe with an escape pending there. */
const state = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.constantFrom(0, 1, 3)).map(([depth, flags]) => depth * 4 + flags);

describe('the WebAssembly JSON scanner', () => {
  it('is available on Node 20, and the Node layer gives it to the framers', () => {
    assert.ok(scanner !== undefined);
    assert.ok(nodeFramerNatives.jsonScanner !== undefined);
  });

  it('returns exactly what scanJsonValue returns, for any bytes, start and state', () => {
    fc.assert(
      fc.property(bytes, fc.nat(), state, (chunk, at, s) => {
        if (chunk.length === 0) return;
        const from = at % chunk.length;
        assert.ok(scanner!.load(chunk));
        assert.equal(scanner!.scan(from, s), scanJsonValue(chunk, from, s), `bytes ${[...chunk]} from ${from} state ${s}`);
      }),
      { numRuns: 20000 },
    );
  });

  it('carries its state across chunks as scanJsonValue does', () => {
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(), { maxLength: 6 }), (stream, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let last = 0;
        for (const p of [...points, stream.length]) {
          if (p > last) chunks.push(stream.slice(last, p));
          last = p;
        }
        // Both scan the same stream from an opened value, reopening one after each value's end.
        const run = (scan: (chunk: Uint8Array, from: number, s: number) => number): number[] => {
          const out: number[] = [];
          let s = VALUE_OPENED;
          for (const chunk of chunks) {
            let from = 0;
            while (from < chunk.length) {
              const r = scan(chunk, from, s);
              out.push(r);
              if (r < 0) {
                s = -1 - r;
                break;
              }
              s = VALUE_OPENED;
              from = r;
            }
          }
          return out;
        };
        const native = run((chunk, from, s) => {
          if (from === 0) scanner!.load(chunk);
          return scanner!.scan(from, s);
        });
        assert.deepEqual(native, run(scanJsonValue));
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses chunks over its memory bound; the framer then scans them itself', () => {
    assert.equal(scanner!.load(new Uint8Array(MAX_LOADED_BYTES + 1)), false);
    const value = `{"text":"${'x\\"}{'.repeat(Math.ceil(MAX_LOADED_BYTES / 5))}"}`;
    const stream = utf8(`${value}{"b":1}`);
    const events = feed(new JsonStreamFramer({ natives: nodeFramerNatives, maxMessageBytes: 4 * MAX_LOADED_BYTES }), [stream, utf8('[2]')]);
    assert.deepEqual(
      events.map((e) => (e.kind === 'frame' ? e.text.length : e.kind)),
      [value.length, 7, 3],
    );
    // The same value in chunks the scanner does load.
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < stream.length; at += 65536) chunks.push(stream.subarray(at, at + 65536));
    const loaded = feed(new JsonStreamFramer({ natives: nodeFramerNatives, maxMessageBytes: 4 * MAX_LOADED_BYTES }), [...chunks, utf8('[2]')]);
    assert.deepEqual(loaded.map((e) => (e.kind === 'frame' ? e.text.length : e.kind)), [value.length, 7, 3]);
  });

  it('its committed bytes are json-scanner.wat assembled (npm run build:wasm)', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const tool = (await import(pathToFileURL(`${root}tools/assemble-json-scanner.mjs`).href)) as { generate(wat: string): Promise<string> };
    const generated = await tool.generate(readFileSync(`${root}src/node-streams/json-scanner.wat`, 'utf8'));
    assert.equal(generated.includes(`'${JSON_SCANNER_WASM}'`), true, 'json-scanner-wasm.ts is stale: run npm run build:wasm');
  });
});
