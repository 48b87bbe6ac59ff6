import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { JsonStreamFramer } from '../../src/framing/index.js';
import { concat, cutAt, cutEvery, cutFractions, errors, feed, messageJson, summary, toCuts, utf8, expectEverywhere as expectAll , assertCutsChangeNothing } from './helpers.js';
import { parseMessage } from '../../src/parser/messages.js';
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

  it('a top-level scalar is a value: a frame of its own (the parser answers it -32600), then the next value', () => {
    const events = expectEverywhere(utf8('{"a":1} 42 true "x"\n{"b":2}Listening on :8080\n[3] null -1.5e+3 false'), [
      '{"a":1}',
      '42',
      'true',
      '"x"',
      '{"b":2}',
      '!garbage',
      '[3]',
      'null',
      '-1.5e+3',
      'false',
    ]);
    const [garbage] = errors(events);
    assert.match(garbage.error.message, /"Listening on :8080\\n"/);
    assert.match(garbage.error.message, /must be a JSON object or array/);
    // Garbage at the end of the stream is reported by end().
    expectEverywhere(utf8('[1] oops'), ['[1]', '!garbage']);
  });

  it('brackets inside a top-level string are not structure (the issue: nothing after "{" parsed)', () => {
    expectEverywhere(utf8('"{" {"a":1} "a [b" [2] "}]" {"c":3} "\\\"{" {"d":4}'), [
      '"{"', '{"a":1}', '"a [b"', '[2]', '"}]"', '{"c":3}', '"\\\"{"', '{"d":4}',
    ]);
    // A log line with a quoted bracket: the words are garbage, the quoted part a string value.
    const events = expectEverywhere(utf8('Error: "unexpected {"\n{"a":1}'), ['!garbage', '"unexpected {"', '{"a":1}']);
    assert.match(errors(events)[0]!.error.message, /"Error: "/);
  });

  it('a top-level string ends at a raw line end, so a stray quote costs one line', () => {
    expectEverywhere(utf8('he said "hi\n{"a":1}\n'), ['!garbage', '"hi', '{"a":1}']);
    expectEverywhere(utf8('"escaped \\\n{"a":1}'), ['"escaped \\', '{"a":1}']);
  });

  it('a number or literal is complete only when a delimiter or the end of the stream follows', () => {
    // expectEverywhere cuts inside every token too: "4" then "2" is one number.
    expectEverywhere(utf8('42{"a":1}1234567890[0]-0.5e-10"s"true,null] [7]'), [
      '42', '{"a":1}', '1234567890', '[0]', '-0.5e-10', '"s"', 'true', '!garbage', '[7]', // ",null] " is garbage
    ]);
    expectEverywhere(utf8('{"a":1} 12'), ['{"a":1}', '12']);
    expectEverywhere(utf8('null'), ['null']);
    const framer = new JsonStreamFramer();
    assert.deepEqual(summary(framer.push(utf8('[1] 12'))), ['[1]'], 'a number at the chunk end waits');
    assert.deepEqual(summary(framer.push(utf8('3 '))), ['123']);
    assert.deepEqual(summary(framer.push(utf8('45'))), []);
    assert.deepEqual(summary(framer.end()), ['45']);
  });

  it('a word that only begins like a number or literal is garbage from its start', () => {
    for (const word of ['2026-12-01 10:00 started', 'nothing', 'tru', 'nul}', '-', '01', '1.', '1e', '1e+', '-x', 'truex', 'falsy', '0x10']) {
      const events = expectEverywhere(utf8(`${word}\n{"a":1}`), ['!garbage', '{"a":1}']);
      assert.match(errors(events)[0]!.error.message, new RegExp(word.slice(0, 4).replace(/[.+]/g, '\\$&')), word);
      expectEverywhere(utf8(`[0] ${word}`), ['[0]', '!garbage']); // at the end of the stream too
    }
  });

  it('an oversized top-level string or number is reported and skipped like any value', () => {
    expectEverywhere(utf8(`"${'x'.repeat(80)}" [1] ${'9'.repeat(80)} [2]`), ['!oversized', '[1]', '!oversized', '[2]'], 64);
  });

  it('property: messages after any top-level scalar still frame and parse', () => {
    const scalar = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.array(fc.constantFrom('{', '}', '[', ']', '"', '\\', 'a', ' '), { maxLength: 8 }).map((parts) => parts.join('')),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.constantFrom(true, false, null),
    ).map((value) => JSON.stringify(value));
    const separator = fc.constantFrom('', ' ', '\n', '\r\n\t');
    fc.assert(
      fc.property(fc.array(fc.tuple(scalar, separator), { maxLength: 5 }), messageJson, cutFractions, (scalars, message, fractions) => {
        // A number or literal needs a delimiter: a message's own bracket is one.
        const text = scalars.map(([value, sep]) => value + (sep === '' && !value.startsWith('"') ? ' ' : sep)).join('') + message;
        const stream = utf8(text);
        const events = feed(new JsonStreamFramer(), cutAt(stream, toCuts(fractions, stream.length)));
        assert.deepEqual(summary(events), [...scalars.map(([value]) => value), message]);
        for (const [value] of scalars) assert.equal(parseMessage(value).kind, 'invalid');
        assert.notEqual(parseMessage(message).kind, 'invalid');
      }),
      { numRuns: 300 },
    );
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
      fc.constant(utf8('"{ [" 12 true ')),
      fc.constant(utf8('-0.5e+7 ')),
      fc.constant(utf8('nul 2026-12-01 ')),
      fc.constant(utf8('"unterminated\n')),
      fc.constant(utf8('123456789')),
      fc.constant(concat([utf8('["'), new Uint8Array([0xff]), utf8('"]')])),
      fc.constant(utf8('x'.repeat(100))),
    );
    assertCutsChangeNothing((options) => new JsonStreamFramer(options), segment);
  });
});
