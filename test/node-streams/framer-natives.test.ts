import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Dispatcher } from '../../src/dispatch/index.js';
import { nodeFramerNatives } from '../../src/node-streams/framer-natives.js';
import { connect } from '../../src/node-streams/index.js';
import { concat, referenceDecode as expected, utf8 } from '../framing/helpers.js';
import { memoryPair } from './helpers.js';


const b = (...bytes: number[]) => new Uint8Array(bytes);

/** Pieces of byte strings near the edges of UTF-8, valid and invalid. */
const piece = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }).map(utf8), // any code point (lone surrogates become U+FFFD)
  fc.string({ unit: 'grapheme-ascii', maxLength: 8 }).map(utf8),
  fc.constantFrom(
    b(0xef, 0xbb, 0xbf), // a byte-order mark
    b(0xed, 0xa0, 0x80), // U+D800, a lone high surrogate encoded as UTF-8
    b(0xed, 0xbf, 0xbf), // U+DFFF, a lone low surrogate
    b(0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80), // a surrogate pair encoded as two 3-byte sequences (CESU-8)
    b(0xc0, 0x80), // overlong NUL
    b(0xc1, 0xbf), // overlong
    b(0xe0, 0x80, 0xaf), // overlong '/'
    b(0xf0, 0x80, 0x80, 0xaf), // overlong '/'
    b(0xf4, 0x90, 0x80, 0x80), // above U+10FFFF
    b(0xf5, 0x80, 0x80, 0x80), // a lead byte that never starts a sequence
    b(0xe2, 0x82), // '€' cut short
    b(0xf0, 0x9f, 0x98), // '😀' cut short
    b(0xc3), // 'é' cut short
    b(0x80), // a lone continuation byte
    b(0xff),
  ),
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 6 }).map((a) => new Uint8Array(a)),
);

/** Valid text long enough to take the transcode path (which starts at 1 KiB). */
const filler = fc.constantFrom('', 'a'.repeat(1500), 'naïve 東京 😀 '.repeat(100), '\uFEFF{"x":"日本語"}'.repeat(60));

/** Byte strings: a filler before, between or after random edge pieces, so each is tried at both sizes. */
const inputs = fc
  .tuple(fc.array(piece, { maxLength: 6 }), filler, fc.nat(6), fc.boolean())
  .map(([pieces, text, at, lastPieceOnly]) => {
    const parts = [...pieces];
    const fill = utf8(text);
    if (lastPieceOnly) parts.unshift(fill); // the edge piece at the very end (a truncated sequence there)
    else parts.splice(Math.min(at, parts.length), 0, fill);
    return concat(parts);
  });

describe('nodeFramerNatives', () => {
  it('decode() gives exactly what a fatal, BOM-keeping TextDecoder gives, and null where it throws', () => {
    fc.assert(
      fc.property(inputs, (bytes) => {
        assert.equal(nodeFramerNatives.decode(bytes), expected(bytes), `bytes ${[...bytes.subarray(-24)]} (${bytes.length})`);
      }),
      { numRuns: 4000 },
    );
  });

  it('decodeAscii() gives the text of ASCII bytes and null for any other', () => {
    fc.assert(
      fc.property(inputs, (bytes) => {
        const isAscii = bytes.every((x) => x < 0x80);
        assert.equal(nodeFramerNatives.decodeAscii(bytes), isAscii ? expected(bytes) : null);
      }),
      { numRuns: 2000 },
    );
  });

  it('indexOf() and lastIndexOf() give what Uint8Array\'s methods give, on views too', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(3), fc.nat(3), fc.constantFrom(0x0a, 0x22, 0x00, 0xff), fc.nat(45), (all, cutStart, cutEnd, byte, from) => {
        const bytes = all.subarray(Math.min(cutStart, all.length), Math.max(Math.min(cutStart, all.length), all.length - cutEnd));
        assert.equal(nodeFramerNatives.indexOf(bytes, byte, from), bytes.indexOf(byte, from));
        assert.equal(nodeFramerNatives.lastIndexOf(bytes, byte), bytes.lastIndexOf(byte));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads views into a larger buffer by their own bounds', () => {
    const whole = utf8(`xx${'é'.repeat(800)}yy`);
    assert.equal(nodeFramerNatives.decode(whole.subarray(2, whole.length - 2)), 'é'.repeat(800));
    assert.equal(nodeFramerNatives.decode(whole.subarray(1, 3)), null); // 'x' and half an 'é'
    assert.equal(nodeFramerNatives.decodeAscii(whole.subarray(0, 2)), 'xx');
    assert.equal(nodeFramerNatives.decode(new Uint8Array(0)), '');
  });

  it('rejects what TextDecoder rejects at the transcode sizes too (a long text ending in a cut sequence)', () => {
    const long = concat([utf8('é'.repeat(1000)), b(0xe2, 0x82)]);
    assert.equal(nodeFramerNatives.decode(long), null);
    const surrogate = concat([utf8('a'.repeat(2000)), b(0xed, 0xa0, 0x80)]);
    assert.equal(nodeFramerNatives.decode(surrogate), null);
    const bom = utf8(`\uFEFF${'ü'.repeat(1000)}`);
    assert.equal(nodeFramerNatives.decode(bom), `\uFEFF${'ü'.repeat(1000)}`);
  });
});

describe('connect() hands the natives to the engine', () => {
  it("every framing's incoming bytes are decoded by nodeFramerNatives (the portable code imports no node: module)", async () => {
    const native = nodeFramerNatives.decode;
    const nativeAscii = nodeFramerNatives.decodeAscii;
    let calls = 0;
    nodeFramerNatives.decode = (bytes) => (calls++, native(bytes));
    nodeFramerNatives.decodeAscii = (bytes) => (calls++, nativeAscii(bytes));
    try {
      for (const framing of ['newline', 'content-length', 'json-stream'] as const) {
        const before = calls;
        const { a, b } = memoryPair();
        const server = connect(a, { framing, dispatcher: new Dispatcher().add('hi', () => 'héllo') });
        const client = connect(b, { framing });
        assert.equal(await client.request('hi'), 'héllo');
        assert.ok(calls - before >= 2, `${framing}: both ends decoded natively (${calls - before} calls)`);
        await client.close();
        await server.closed;
      }
    } finally {
      nodeFramerNatives.decode = native;
      nodeFramerNatives.decodeAscii = nativeAscii;
    }
  });
});
