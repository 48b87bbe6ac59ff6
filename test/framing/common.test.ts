/** Properties every framer keeps: chunking never changes the output, round trips, linear cost. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  ContentLengthFramer,
  createFramer,
  DEFAULT_MAX_MESSAGE_BYTES,
  JsonStreamFramer,
  NewlineFramer,
  type Framer,
  type FramingName,
} from '../../src/framing/index.js';
import { parseMessage } from '../../src/parser/messages.js';
import { concat, cutAt, cutEvery, cutFractions, feed, messageJson, summary, timeBest, toCuts, utf8 } from './helpers.js';

const NAMES: FramingName[] = ['newline', 'content-length', 'json-stream'];

function encodeAll(framer: Framer, messages: readonly string[]): Uint8Array {
  return concat(messages.map((m) => framer.encode(m)));
}

describe('createFramer', () => {
  it('returns the framer of each name, and rejects unknown names and bad bounds', () => {
    assert.ok(createFramer('newline') instanceof NewlineFramer);
    assert.ok(createFramer('content-length') instanceof ContentLengthFramer);
    assert.ok(createFramer('json-stream') instanceof JsonStreamFramer);
    for (const name of NAMES) assert.equal(createFramer(name).name, name);
    assert.throws(() => createFramer('xml' as FramingName), /Unknown framing "xml"/);
    assert.throws(() => new NewlineFramer({ maxMessageBytes: 0 }), RangeError);
    assert.throws(() => new ContentLengthFramer({ maxMessageBytes: 1.5 }), RangeError);
    assert.equal(DEFAULT_MAX_MESSAGE_BYTES, 64 * 1024 * 1024);
  });
});

for (const name of NAMES) {
  describe(`${name}: chunking never changes the result`, () => {
    it('random messages, random chunkings: the frames are exactly the messages', () => {
      fc.assert(
        fc.property(fc.array(messageJson, { minLength: 1, maxLength: 8 }), cutFractions, (messages, fractions) => {
          const framer = createFramer(name);
          const bytes = encodeAll(framer, messages);
          const events = feed(framer, cutAt(bytes, toCuts(fractions, bytes.length)));
          assert.deepEqual(summary(events), messages);
          assert.equal(framer.bufferedBytes, 0);
        }),
        { numRuns: 300 },
      );
    });

    it('chunks of any size, many of them 64+ bytes and ASCII (decoded whole), give the frames a byte at a time gives', () => {
      // Large ASCII messages, unicode ones and ones over the bound, cut into chunks of 1..600
      // bytes, tiny ones and 64+ ones often: pieces of a frame held as text, as bytes, and
      // switching from one to the other.
      const text = fc.oneof(
        fc.stringMatching(/^[ -~]{0,400}$/, { size: 'max' }),
        fc.string({ unit: 'grapheme', maxLength: 60, size: 'max' }),
      );
      const message = text.map((t) => JSON.stringify({ t }));
      fc.assert(
        fc.property(fc.array(message, { minLength: 1, maxLength: 10 }), fc.array(fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 64, max: 160 }), fc.integer({ min: 1, max: 600 })), { minLength: 1 }), (messages, sizes) => {
          const bytes = encodeAll(createFramer(name), messages);
          const expected = summary(feed(createFramer(name, { maxMessageBytes: 300 }), cutEvery(bytes, 1)));
          const framer = createFramer(name, { maxMessageBytes: 300 });
          const events = [];
          for (let at = 0, k = 0; at < bytes.length; k++) {
            const size = sizes[k % sizes.length]!;
            events.push(...framer.push(bytes.subarray(at, at + size)));
            at += size;
          }
          events.push(...framer.end());
          assert.deepEqual(summary(events), expected);
          assert.equal(framer.bufferedBytes, 0);
        }),
        { numRuns: 300 },
      );
    });

    it('a 40 KB message in 64-byte chunks with a tiny chunk in the middle comes out whole', () => {
      // Text pieces, bytes from the tiny chunk on, and past 256 pieces (the text rope's bound).
      const json = JSON.stringify({ s: Array.from({ length: 8000 }, (_, i) => i).join() }); // no repeating piece
      const framer = createFramer(name);
      const bytes = encodeAll(framer, [json, '[1]']);
      const events = [];
      for (let at = 0, k = 0; at < bytes.length; k++) {
        const size = k === 100 ? 3 : 64;
        events.push(...framer.push(bytes.subarray(at, at + size)));
        at += size;
      }
      assert.deepEqual(summary([...events, ...framer.end()]), [json, '[1]']);
    });

    it('one byte at a time gives the same frames', () => {
      fc.assert(
        fc.property(fc.array(messageJson, { minLength: 1, maxLength: 4 }), (messages) => {
          const framer = createFramer(name);
          assert.deepEqual(summary(feed(framer, cutEvery(encodeAll(framer, messages), 1))), messages);
        }),
        { numRuns: 50 },
      );
    });

    it('every pair of split points of a small stream', () => {
      const messages = ['{"a":"é\\"\\\\"}', '[{"b":"😀\\n}"}]', '{"id":12345,"m":"x"}'];
      const framer = createFramer(name);
      const bytes = encodeAll(framer, messages);
      for (let i = 0; i <= bytes.length; i++) {
        for (let j = i; j <= bytes.length; j++) {
          const chunks = [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)];
          assert.deepEqual(summary(feed(framer, chunks)), messages, `cuts at ${i}, ${j}`);
        }
      }
    });

    it('a large non-ASCII message comes out intact in chunks of any size', () => {
      const json = JSON.stringify({ jsonrpc: '2.0', method: 'big', params: ['é😀"\\{['.repeat(40_000)] });
      const framer = createFramer(name);
      const bytes = framer.encode(json);
      for (const size of [1, 1000, 4095, 4096, 70_000, bytes.length]) {
        assert.deepEqual(summary(feed(framer, cutEvery(bytes, size))), [json], `chunks of ${size}`);
      }
    });

    it('encode -> push -> parseMessage gives back the message', () => {
      const framer = createFramer(name);
      const json = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ünïcödé/😀', params: ['a\nb', '"q"'] });
      const events = framer.push(framer.encode(json));
      assert.equal(events.length, 1);
      assert.equal(events[0].kind, 'frame');
      const message = parseMessage((events[0] as { text: string }).text);
      assert.deepEqual(message, { kind: 'request', id: 7, method: 'ünïcödé/😀', params: ['a\nb', '"q"'] });
    });

    it('the framer is reusable after end()', () => {
      const framer = createFramer(name);
      const half = framer.encode('{"x":1}').subarray(0, 4);
      framer.push(half);
      assert.ok(framer.bufferedBytes > 0 || name === 'json-stream');
      assert.equal(framer.end()[0]?.kind, 'error');
      assert.equal(framer.bufferedBytes, 0);
      assert.deepEqual(summary(feed(framer, [framer.encode('{"y":2}')])), ['{"y":2}']);
    });

    // Chunk patterns that have each taken a different path through some framer: a byte at a time,
    // ASCII chunks (held as text), tiny chunks between larger ones (held bytes joined to the
    // next chunk), and non-ASCII text (held as bytes).
    const patterns = [
      { label: 'a byte at a time', char: 'x', sizes: [1] },
      { label: '64-byte ASCII chunks', char: 'x', sizes: [64] },
      { label: '1- and 100-byte chunks, ASCII', char: 'x', sizes: [1, 100] },
      { label: '100-byte chunks, non-ASCII', char: 'é', sizes: [100] },
      { label: '1- and 40-byte chunks, non-ASCII', char: 'é', sizes: [1, 40] },
    ];
    for (const { label, char, sizes } of patterns) {
      it(`cost is linear: 8x the bytes in ${label} take well under 64x the time`, () => {
        // One message of n bytes. A framer that rescans or re-concatenates what it holds per
        // chunk is quadratic: 64x for 8x the bytes. The bound, 24x, leaves a factor of about 3 for
        // noise on either side; the two sizes are timed alternately so a busy spell hits both.
        const byteScale = sizes[0] === 1 && sizes.length === 1 ? 1 : 4; // larger chunks run faster
        const run = (n: number) => () => {
          const framer = createFramer(name);
          const bytes = framer.encode(JSON.stringify({ s: char.repeat(n / utf8(char).length) }));
          let frames = 0;
          for (let i = 0, k = 0; i < bytes.length; k++) {
            const size = sizes[k % sizes.length]!;
            frames += framer.push(bytes.subarray(i, i + size)).length;
            i += size;
          }
          assert.equal(frames, 1);
        };
        run(1 << 16)(); // warm up
        let small = Infinity;
        let large = Infinity;
        for (let round = 0; round < 7; round++) {
          small = Math.min(small, timeBest(1, run(byteScale * 128 * 1024)));
          large = Math.min(large, timeBest(1, run(byteScale * 1024 * 1024)));
        }
        assert.ok(large / small < 24, `${byteScale / 8} MiB: ${small.toFixed(1)} ms, ${byteScale} MiB: ${large.toFixed(1)} ms`);
      });
    }
  });
}

const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);

for (const name of NAMES) {
  describe(`${name}: one UTF-8 byte-order mark at the start of the stream is skipped`, () => {
    const messages = ['{"jsonrpc":"2.0","id":1,"method":"first"}', '{"jsonrpc":"2.0","method":"second"}'];

    it('at every split point, its three bytes in one, two or three chunks', () => {
      const stream = concat([BOM, encodeAll(createFramer(name), messages)]);
      // Every way of cutting the stream once or twice within its first 8 bytes, and once anywhere.
      const cuts: number[][] = [[]];
      for (let i = 1; i < stream.length; i++) cuts.push([i]);
      for (let i = 1; i <= 8; i++) for (let j = i + 1; j <= 8; j++) cuts.push([i, j]);
      for (const at of cuts) {
        const events = feed(createFramer(name), cutAt(stream, at));
        assert.deepEqual(summary(events), messages, `cut at ${at.join(',')}`);
      }
      assert.deepEqual(summary(feed(createFramer(name), cutEvery(stream, 1))), messages, 'a byte at a time');
    });

    it('only at the start: a second one is data, and so are the bytes of a mark that never completes', () => {
      const body = encodeAll(createFramer(name), messages);
      const doubled = feed(createFramer(name), [concat([BOM, BOM, body])]);
      assert.notDeepEqual(summary(doubled), messages, 'the second mark is not skipped');
      for (const prefix of [BOM.subarray(0, 1), BOM.subarray(0, 2)]) {
        const whole = summary(feed(createFramer(name), [concat([prefix, body])]));
        for (let i = 1; i < prefix.length + 2; i++) {
          const cut = summary(feed(createFramer(name), cutAt(concat([prefix, body]), [i])));
          assert.deepEqual(cut, whole, 'a partial mark is data wherever the chunks are cut');
        }
        assert.notDeepEqual(whole, messages, 'a partial mark is not skipped');
      }
      // A stream of just part of a mark: its bytes reach the framer at end().
      assert.notDeepEqual(summary(feed(createFramer(name), [BOM.subarray(0, 2)])), [], 'held bytes are not lost');
    });

    it('end() starts a new stream, which may begin with a mark again', () => {
      const framer = createFramer(name);
      const stream = concat([BOM, encodeAll(framer, messages)]);
      assert.deepEqual(summary(feed(framer, [stream])), messages);
      assert.deepEqual(summary(feed(framer, cutEvery(stream, 1))), messages);
    });
  });
}

describe('sans-I/O', () => {
  it('nothing in src/framing uses node:, require, process, Buffer or timers', () => {
    const dir = fileURLToPath(new URL('../../../src/framing/', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length >= 6, `found ${files.join(', ')}`);
    for (const file of files) {
      const code = readFileSync(dir + file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const banned of [/['"]node:/, /\brequire\(/, /\bprocess\./, /\bBuffer\b/, /\bsetTimeout\b/, /\bsetImmediate\b/]) {
        assert.doesNotMatch(code, banned, `${file} uses ${banned}`);
      }
    }
  });
});
