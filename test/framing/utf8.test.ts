import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Utf8Decoder } from '../../src/framing/utf8.js';
import { concat, DECODINGS, referenceDecode as expected, utf8 } from './helpers.js';


/** Bytes near the edges of UTF-8: lead bytes, continuations, overlongs, surrogates, > U+10FFFF. */
const edgeByte = fc.constantFrom(0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff);
const bytes = fc.oneof(
  fc.array(fc.oneof(edgeByte, fc.integer({ min: 0, max: 255 })), { maxLength: 12 }).map((b) => new Uint8Array(b)),
  fc.string({ unit: 'binary', maxLength: 20 }).map(utf8),
);

describe('Utf8Decoder', () => {
  it('agrees with a fatal TextDecoder on any bytes, whichever way the previous call sent it', () => {
    fc.assert(
      fc.property(fc.array(bytes, { minLength: 1, maxLength: 8 }), fc.constantFrom(...DECODINGS), (inputs, decoding) => {
        const decoder = new Utf8Decoder(decoding);
        for (const input of inputs) {
          assert.equal(decoder.decode(input), expected(input), `bytes ${[...input]}`);
          const ascii = decoder.decodeAscii(input);
          if (ascii !== null) assert.equal(ascii, expected(input));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('after non-ASCII text (the ICU way) still fails on a cut sequence, and recovers after an error', () => {
    const decoder = new Utf8Decoder();
    assert.equal(decoder.decode(utf8('東京')), '東京');
    assert.equal(decoder.decode(utf8('é').subarray(0, 1)), null); // an incomplete sequence at the end
    assert.equal(decoder.decode(utf8('€')), '€'); // nothing held back from the bad bytes
    assert.equal(decoder.decode(concat([utf8('a'), new Uint8Array([0xe2, 0x82])])), null);
    assert.equal(decoder.decode(utf8('\uFEFF{"é":1}')), '\uFEFF{"é":1}'); // a BOM is kept
    assert.equal(decoder.decode(utf8('{"a":1}')), '{"a":1}');
    assert.equal(decoder.decode(new Uint8Array(0)), '');
  });
});
