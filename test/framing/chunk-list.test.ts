import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ChunkList } from '../../src/framing/chunk-list.js';
import { concat } from './helpers.js';

describe('ChunkList', () => {
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
