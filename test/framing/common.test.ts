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
import { concat, cutAt, cutEvery, cutFractions, feed, messageJson, summary, timeMedian, toCuts, utf8 } from './helpers.js';

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

    it('cost is linear: 4x the bytes fed a byte at a time take well under 16x the time', () => {
      // One message of n bytes, pushed one byte per call. A framer that rescans or re-concatenates
      // its buffer per chunk is quadratic: 16x for 4x the bytes. The factor 10 leaves room for noise.
      const run = (n: number) => () => {
        const framer = createFramer(name);
        const bytes = framer.encode(JSON.stringify({ s: 'x'.repeat(n) }));
        let frames = 0;
        for (let i = 0; i < bytes.length; i++) frames += framer.push(bytes.subarray(i, i + 1)).length;
        assert.equal(frames, 1);
      };
      run(1 << 16)(); // warm up
      const small = timeMedian(3, run(256 * 1024));
      const large = timeMedian(3, run(1024 * 1024));
      assert.ok(large / small < 10, `256 KiB: ${small.toFixed(1)} ms, 1 MiB: ${large.toFixed(1)} ms`);
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
