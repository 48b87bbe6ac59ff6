import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FrameBatch } from '../../src/framing/frame-batch.js';
import type { FrameEvent } from '../../src/framing/index.js';
import { nodeFramerNatives } from '../../src/node-streams/framer-natives.js';
import { concat, DECODINGS, referenceDecode, summary, utf8 } from './helpers.js';

/** What one frame must come out as: its text decoded alone, or an invalid-utf8 error. */
const alone = (bytes: Uint8Array): string => referenceDecode(bytes) ?? '!invalid-utf8';

/** Frame bytes: ASCII, non-ASCII, a raw separator (0x1E), invalid or cut UTF-8, a BOM. */
const frameBytes = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 30 }).map(utf8),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(utf8),
  fc.array(fc.constantFrom('{"a":"', 'é', '東京', '😀', '\x1e', '\uFEFF', '"}', 'x'), { maxLength: 8 }).map((p) => utf8(p.join(''))),
  fc.constantFrom(new Uint8Array([0xc3]), new Uint8Array([0xed, 0xa0, 0x80]), new Uint8Array([0xe2, 0x82]), new Uint8Array([0x80, 0x41])),
);
/** What lies between frames in a chunk: headers or whitespace, always ASCII. */
const gap = fc.constantFrom('', ' ', '\r\n', 'Content-Length: 12\r\n\r\n').map(utf8);

/** Adds `frames` to `batch` as one chunk's (each after its gap), and what each must give to `expected`. */
function addChunk(batch: FrameBatch, frames: ReadonlyArray<readonly [Uint8Array, Uint8Array]>, expected: string[]): void {
  const chunk = concat(frames.flatMap(([g, f]) => [g, f]));
  let at = 0;
  for (const [g, f] of frames) {
    at += g.length;
    batch.add(chunk, at, at + f.length);
    expected.push(alone(f));
    at += f.length;
  }
}

describe('FrameBatch', () => {
  it('gives each frame exactly as decoding it alone would, batch after batch, with both decodings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(gap, frameBytes), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...DECODINGS),
        (batches, decoding) => {
          const batch = new FrameBatch('content-length', decoding);
          for (const frames of batches) {
            const expected: string[] = [];
            addChunk(batch, frames, expected);
            const events: FrameEvent[] = [];
            batch.flush(events);
            assert.deepEqual(summary(events), expected);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a held frame (completed from earlier chunks) comes out first and as alone, joined or not', () => {
    // After a non-ASCII batch a held frame is joined in front of the chunk's frames; a raw 0x1E or
    // invalid UTF-8 in either forces the one-by-one fallback.
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.option(frameBytes, { nil: undefined }), fc.array(fc.tuple(gap, frameBytes), { maxLength: 6 })), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(...DECODINGS),
        (batches, decoding) => {
          const batch = new FrameBatch('content-length', decoding);
          for (const [held, frames] of batches) {
            const events: FrameEvent[] = [];
            const expected: string[] = [];
            if (held !== undefined) {
              batch.addHeld(held.slice(), events);
              expected.push(alone(held));
            }
            addChunk(batch, frames, expected);
            batch.flush(events);
            assert.deepEqual(summary(events), expected);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('decodes a held non-ASCII frame and the chunk\'s frames in one call', () => {
    let calls = 0;
    const counting = { ...nodeFramerNatives, decode: (bytes: Uint8Array) => (calls++, nodeFramerNatives.decode(bytes)) };
    const batch = new FrameBatch('content-length', counting);
    const chunk = utf8('{"a":"é"}{"b":"東京"}');
    const events: FrameEvent[] = [];
    batch.add(chunk, 0, 10);
    batch.add(chunk, 10, chunk.length);
    batch.flush(events); // the stream is not ASCII from here on
    calls = 0;
    batch.addHeld(utf8('{"held":"😀"}'), events);
    batch.add(chunk, 0, 10);
    batch.add(chunk, 10, chunk.length);
    batch.flush(events);
    assert.equal(calls, 1);
    assert.deepEqual(summary(events), ['{"a":"é"}', '{"b":"東京"}', '{"held":"😀"}', '{"a":"é"}', '{"b":"東京"}']);
  });

  it('splits non-ASCII frames joined for one decode, and falls back when a frame holds the separator itself', () => {
    for (const decoding of DECODINGS) {
      const batch = new FrameBatch('json-stream', decoding);
      const frames = ['{"a":"é"}', '{"b":"東京"}', '{"c":"\x1e"}', '{"d":1}'];
      const chunk = utf8(frames.join(''));
      let at = 0;
      for (const f of frames) {
        const n = utf8(f).length;
        batch.add(chunk, at, at + n);
        at += n;
      }
      const events: FrameEvent[] = [];
      batch.flush(events);
      assert.deepEqual(summary(events), frames);
    }
  });
});
