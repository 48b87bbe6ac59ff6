import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { JsonStreamFramer } from '../../src/framing/index.js';
import { concat, cutAt, cutEvery, cutFractions, errors, feed, summary, toCuts, utf8, expectEverywhere as expectAll , assertCutsChangeNothing } from './helpers.js';
import type { FrameEvent } from '../../src/framing/index.js';

const expectEverywhere = (stream: Uint8Array, expected: string[], max?: number): FrameEvent[] =>
  expectAll((options) => new JsonStreamFramer(options), stream, expected, max);

describe('json-stream framer', () => {
  it('splits values with and without whitespace between them', () => {
    expectEverywhere(utf8('{"a":1}{"b":[2,{}]}\n [3] \r\n\t{"c":{}}[]'), ['{"a":1}', '{"b":[2,{}]}', '[3]', '{"c":{}}', '[]']);
  });

  it('is not fooled by brackets, quotes and backslashes inside strings', () => {
    const values = [
      '{"s":"}]{["}',
      '{"s":"a\\"}b"}',
      '{"s":"\\\\"}',
      '{"s":"\\\\\\"}"}',
      '["\\\\\\\\",{"k\\"}":"v"}]',
      '{"s":"\\u007d"}',
    ];
    for (const v of values) assert.doesNotThrow(() => JSON.parse(v), v);
    expectEverywhere(utf8(values.join('')), values);
  });

  it('encode writes the JSON text as is', () => {
    assert.deepEqual(new JsonStreamFramer().encode('{"a":"é"}'), utf8('{"a":"é"}'));
  });

  it('a top-level scalar or stray text is garbage: one error quoting it, then the next value', () => {
    const events = expectEverywhere(utf8('{"a":1} 42 true "x"\n{"b":2}Listening on :8080\n[3]'), [
      '{"a":1}',
      '!garbage',
      '{"b":2}',
      '!garbage',
      '[3]',
    ]);
    const [first, second] = errors(events);
    assert.match(first.error.message, /"42 true \\"x\\"\\n"/);
    assert.match(second.error.message, /"Listening on :8080\\n"/);
    assert.match(second.error.message, /must be a JSON object or array/);
    // Garbage at the end of the stream is reported by end().
    expectEverywhere(utf8('[1] oops'), ['[1]', '!garbage']);
  });

  it('invalid UTF-8 costs that value only', () => {
    const stream = concat([utf8('{"a":1}{"s":"'), new Uint8Array([0xed, 0xa0, 0x80]), utf8('"}{"b":"ü"}')]);
    expectEverywhere(stream, ['{"a":1}', '!invalid-utf8', '{"b":"ü"}']);
  });

  it('an oversized value is reported as it crosses the bound, not buffered, and skipped to its end', () => {
    const framer = new JsonStreamFramer({ maxMessageBytes: 100 });
    const events = [...framer.push(utf8('{"ok":1}{"big":["'))];
    let reportedAt = -1;
    for (let i = 0; i < 30; i++) {
      const out = framer.push(utf8('}]{[\\"x'.repeat(2))); // 14 bytes, all inside the string
      assert.ok(framer.bufferedBytes <= 100, `holds ${framer.bufferedBytes} bytes`);
      if (out.length > 0 && reportedAt === -1) reportedAt = i;
      events.push(...out);
    }
    // 9 bytes held after the first push; the 7th push brings the value to 9 + 7 * 14 = 107 bytes.
    assert.equal(reportedAt, 6);
    events.push(...framer.push(utf8('"]}{"after":2}')), ...framer.end());
    assert.deepEqual(summary(events), ['{"ok":1}', '!oversized', '{"after":2}']);
  });

  it('the bound counts bytes and a value of exactly the bound passes', () => {
    const exact = `["${'é'.repeat(48)}"]`; // 4 + 96 = 100 bytes
    assert.equal(utf8(exact).length, 100);
    const over = `["${'é'.repeat(49)}"]`;
    expectEverywhere(utf8(`${exact} ${over} [1]`), [exact, '!oversized', '[1]'], 100);
  });

  it('end() inside a value reports a truncated stream', () => {
    const framer = new JsonStreamFramer();
    const events = [...framer.push(utf8('{"a":1}{"b":"x')), ...framer.end()];
    assert.deepEqual(summary(events), ['{"a":1}', '!truncated']);
    assert.equal(framer.bufferedBytes, 0);
    assert.deepEqual(summary([...framer.push(utf8('  \n')), ...framer.end()]), []);
  });

  it('errors, too, come out the same wherever the chunks are cut', () => {
    const segment = fc.oneof(
      fc.constant(utf8('{"a":"é😀\\"}"}')),
      fc.constant(utf8(' [1,[2],{"x":"\\\\"}]\n')),
      fc.constant(utf8(`{"big":"${'x'.repeat(70)}"}`)),
      fc.constant(utf8('junk 12 ')),
      fc.constant(utf8('"a string at top level" ')),
      fc.constant(concat([utf8('["'), new Uint8Array([0xff]), utf8('"]')])),
      fc.constant(utf8('x'.repeat(100))),
    );
    assertCutsChangeNothing((options) => new JsonStreamFramer(options), segment);
  });
});
