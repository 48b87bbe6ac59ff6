import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ChunkList, REUSE_FROM_BYTES, REUSE_MAX_BYTES } from '../../src/framing/chunk-list.js';
import { concat } from './helpers.js';

/** Bytes that differ from frame to frame, so a stale or overwritten buffer shows. */
const filled = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

describe('ChunkList', () => {
  it('takeToDecode() gives each frame exactly, frame after frame, around the reused buffer\'s sizes and growth', () => {
    // Frame sizes around REUSE_FROM_BYTES, around a doubling of the kept buffer, and above REUSE_MAX_BYTES.
    const size = fc.oneof(
      fc.integer({ min: 1, max: 3000 }),
      fc.integer({ min: REUSE_FROM_BYTES - 5000, max: REUSE_FROM_BYTES + 5000 }),
      fc.integer({ min: 2 * REUSE_FROM_BYTES - 100, max: 3 * REUSE_FROM_BYTES }),
      fc.constantFrom(REUSE_MAX_BYTES - 1, REUSE_MAX_BYTES, REUSE_MAX_BYTES + 1),
    );
    const frame = fc.tuple(size, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }), fc.nat(255));
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 5 }), (frames) => {
        const list = new ChunkList();
        for (const [n, cutFractions, seed] of frames) {
          const bytes = filled(n, seed);
          const cuts = [...new Set(cutFractions.map((f) => Math.floor(f * n)))].sort((a, b) => a - b);
          let from = 0;
          for (const c of [...cuts, n]) {
            list.push(bytes.slice(from, c));
            from = Math.max(from, c);
          }
          assert.deepEqual(list.takeToDecode(), bytes);
          assert.equal(list.byteLength, 0);
          assert.ok(list.keptBytes <= REUSE_MAX_BYTES);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps the buffer for large frames only: a small frame or clear() releases it', () => {
    const list = new ChunkList();
    const half = REUSE_FROM_BYTES / 2 + 1;
    list.push(filled(half, 1));
    list.push(filled(half, 2));
    const first = list.takeToDecode();
    assert.equal(list.keptBytes, 2 * half);
    list.push(filled(half, 3));
    list.push(filled(half, 4));
    assert.equal(list.takeToDecode().buffer, first.buffer); // reused, not reallocated
    list.push(filled(10, 5));
    list.takeToDecode();
    assert.equal(list.keptBytes, 0); // back to small messages: released
    list.push(filled(half, 6));
    list.push(filled(half, 7));
    list.takeToDecode();
    list.clear();
    assert.equal(list.keptBytes, 0);
  });

  it('take() returns exactly the bytes pushed, in order, for any mix of small and large pieces', () => {
    const piece = fc.oneof(fc.uint8Array({ maxLength: 50 }), fc.uint8Array({ minLength: 4000, maxLength: 70000 }));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const list = new ChunkList();
        for (const p of pieces) list.push(p);
        const expected = concat(pieces);
        assert.equal(list.byteLength, expected.length);
        assert.deepEqual(list.take(), expected);
        assert.equal(list.byteLength, 0);
        assert.equal(list.take().length, 0);
      }),
      { numRuns: 100 },
    );
  });

  it('copies small pieces (so the caller may drop its chunk) and keeps a large one by reference', () => {
    const list = new ChunkList();
    const small = new Uint8Array([1, 2, 3]);
    list.push(small);
    small[0] = 9;
    assert.deepEqual(list.take(), new Uint8Array([1, 2, 3]));
    const large = new Uint8Array(10000);
    list.push(large);
    assert.equal(list.take(), large); // one piece: no copy
  });

  it('a byte at a time fills blocks, not one object per byte, and reassembles correctly', () => {
    const list = new ChunkList();
    const n = 200_000;
    for (let i = 0; i < n; i++) list.push(new Uint8Array([i & 0xff]));
    const out = list.take();
    assert.equal(out.length, n);
    for (let i = 0; i < n; i += 9973) assert.equal(out[i], i & 0xff);
  });
});
