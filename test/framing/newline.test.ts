import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NewlineFramer } from '../../src/framing/index.js';
import { concat, cutAt, cutEvery, cutFractions, errors, feed, summary, toCuts, utf8 , assertCutsChangeNothing } from './helpers.js';
import { nodeFramerNatives } from '../../src/node-streams/framer-natives.js';

const BAD_UTF8 = new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]); // {"<invalid>(", }

describe('newline framer', () => {
  it('long lines in large chunks (the byte path with natives) give what the default gives whole', () => {
    // Lines of tens of KiB, ASCII or not or invalid, some over the bound; chunks mostly >= 16 KiB,
    // cut anywhere (inside multi-byte characters too), with small ones between.
    const line = fc.oneof(
      fc.tuple(fc.constantFrom('a', 'é', '東', '😀', '"x":1,'), fc.integer({ min: 1, max: 40000 })).map(([unit, n]) => utf8(unit.repeat(n) + '\n')),
      fc.constantFrom(utf8('{"a":1}\n'), concat([utf8('x'.repeat(30000)), new Uint8Array([0xc3]), utf8('\n')]), utf8('\r\n')),
    );
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 6 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), fc.constantFrom(64 * 1024 * 1024, 50000), (lines, fractions, max) => {
        const stream = concat(lines);
        const whole = summary(feed(new NewlineFramer({ maxMessageBytes: max }), [stream]));
        const cut = summary(feed(new NewlineFramer({ maxMessageBytes: max, natives: nodeFramerNatives }), cutAt(stream, toCuts(fractions, stream.length))));
        assert.deepEqual(cut, whole);
      }),
      { numRuns: 150 },
    );
  });

  it('accepts \\r\\n line ends and skips blank and whitespace-only lines', () => {
    const events = feed(new NewlineFramer(), [utf8('\n\r\n{"a":1}\r\n  \t\r\n\n[2]\n   \n')]);
    assert.deepEqual(summary(events), ['{"a":1}', '[2]']);
  });

  it('a \\r\\n split between chunks is still one line end', () => {
    const events = feed(new NewlineFramer(), [utf8('{"a":1}\r'), utf8('\n{"b":2}\r'), utf8('\n')]);
    assert.deepEqual(summary(events), ['{"a":1}', '{"b":2}']);
  });

  it('passes a non-JSON line on as a frame (the parser reports it)', () => {
    assert.deepEqual(summary(feed(new NewlineFramer(), [utf8('hello\n{}\n')])), ['hello', '{}']);
  });

  it('encode writes compact JSON and one \\n, compacting pretty-printed input', () => {
    const framer = new NewlineFramer();
    assert.deepEqual(framer.encode('{"a":"é"}'), utf8('{"a":"é"}\n'));
    assert.deepEqual(framer.encode('{\n  "a": "x\\ny",\r\n  "b": [1]\n}'), utf8('{"a":"x\\ny","b":[1]}\n'));
  });

  it('invalid UTF-8 costs only its own line, inside a chunk and across chunks', () => {
    const stream = concat([utf8('{"a":1}\n'), BAD_UTF8, utf8('\n{"b":2}\n')]);
    for (const chunks of [[stream], cutEvery(stream, 1), cutEvery(stream, 5)]) {
      const events = feed(new NewlineFramer(), chunks);
      assert.deepEqual(summary(events), ['{"a":1}', '!invalid-utf8', '{"b":2}']);
      assert.match(errors(events)[0].error.message, /not valid UTF-8/);
    }
  });

  it('an oversized line is reported as soon as it crosses the bound, never buffered, then skipped', () => {
    const framer = new NewlineFramer({ maxMessageBytes: 100 });
    const events = [...framer.push(utf8('{"ok":1}\n{"big":"'))];
    let reportedAt = -1;
    for (let i = 0; i < 20; i++) {
      const out = framer.push(utf8('x'.repeat(10)));
      assert.ok(framer.bufferedBytes <= 100, `holds ${framer.bufferedBytes} bytes`);
      if (out.length > 0 && reportedAt === -1) reportedAt = i;
      events.push(...out);
    }
    // '{"big":"' is 8 bytes: the 10th push brings the line to 108 bytes, over the bound.
    assert.equal(reportedAt, 9);
    assert.equal(framer.bufferedBytes, 0);
    events.push(...framer.push(utf8('"}\n{"after":2}\n')), ...framer.end());
    assert.deepEqual(summary(events), ['{"ok":1}', '!oversized', '{"after":2}']);
    assert.match(errors(events)[0].error.message, /exceeds maxMessageBytes \(100\)/);
  });

  it('the bound counts bytes, not characters, and a line of exactly the bound passes', () => {
    const exact = `"${'é'.repeat(49)}"`; // 2 + 98 = 100 bytes, 51 characters
    assert.equal(utf8(exact).length, 100);
    const over = `"${'é'.repeat(50)}"`;
    const stream = utf8(`${exact}\n${over}\n[1]\n`);
    for (const size of [stream.length, 7, 1]) {
      const events = feed(new NewlineFramer({ maxMessageBytes: 100 }), cutEvery(stream, size));
      assert.deepEqual(summary(events), [exact, '!oversized', '[1]'], `chunks of ${size}`);
    }
    // A whole chunk larger than the bound, with short lines and one long line inside it.
    const many = utf8(`${'[1]\n'.repeat(40)}${over}\n[2]\n`);
    assert.deepEqual(summary(feed(new NewlineFramer({ maxMessageBytes: 100 }), [many])), [
      ...Array(40).fill('[1]'), '!oversized', '[2]',
    ]);
  });

  it('end() inside a line reports a truncated stream; blank leftovers are not an error', () => {
    const framer = new NewlineFramer();
    assert.deepEqual(summary([...framer.push(utf8('{"a":1}\n{"b":')), ...framer.end()]), ['{"a":1}', '!truncated']);
    assert.deepEqual(summary([...framer.push(utf8('{"a":1}\n  \r')), ...framer.end()]), ['{"a":1}']);
    assert.deepEqual(framer.end(), []);
  });

  it('errors, too, come out the same wherever the chunks are cut', () => {
    const segment = fc.oneof(
      fc.constant(utf8('{"a":"é😀"}\n')),
      fc.constant(utf8('[1,2,3]\r\n')),
      fc.constant(utf8('\n\r\n')),
      fc.constant(concat([BAD_UTF8, utf8('\n')])),
      fc.constant(utf8(`{"big":"${'x'.repeat(70)}"}\n`)),
      fc.constant(utf8(`"${'€'.repeat(20)}"\n`)), // 62 bytes: under the bound
    );
    assertCutsChangeNothing((options) => new NewlineFramer(options), segment);
  });

  it('ASCII chunks of 64+ bytes (read as text) give exactly what a byte at a time (read as bytes) gives', () => {
    // Both paths, and the switches between them mid-line, against the byte path alone.
    const ascii = fc.stringMatching(/^[ -~]{0,150}$/, { size: 'max' });
    const segment = fc.oneof(
      ascii.map((text) => utf8(`${text}\n`)),
      ascii.map((text) => utf8(`${text}\r\n`)),
      ascii.map((text) => utf8(text)), // runs into the next line
      fc.constant(utf8('{"é":"😀"}\n')),
      fc.constant(concat([BAD_UTF8, utf8('\n')])),
      fc.constant(utf8(' \t\n\n')),
      fc.constant(utf8(`{"big":"${'x'.repeat(300)}"}\n`)), // over the bound
      fc.constant(utf8(`${'z'.repeat(200)}\n`)), // exactly the bound
      fc.constant(utf8(`${'z'.repeat(201)}\n`)), // one byte over
      fc.constant(utf8('z'.repeat(100))), // with the next segment, near the bound
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 12 }), cutFractions, (segments, fractions) => {
        const stream = concat(segments);
        const expected = summary(feed(new NewlineFramer({ maxMessageBytes: 200 }), cutEvery(stream, 1)));
        const framer = new NewlineFramer({ maxMessageBytes: 200 });
        const events = [];
        for (const chunk of cutAt(stream, toCuts(fractions, stream.length))) {
          events.push(...framer.push(chunk));
          assert.ok(framer.bufferedBytes <= 200);
        }
        events.push(...framer.end());
        assert.deepEqual(summary(events), expected);
        assert.equal(framer.bufferedBytes, 0);
      }),
      { numRuns: 1000 },
    );
  });

  it('a long ASCII line in many chunks is held as text with a bounded number of pieces', () => {
    const line = `{"a":"${'y'.repeat(300 * 64)}"}`;
    const framer = new NewlineFramer();
    const events = [];
    for (const chunk of cutEvery(utf8(`${line}\n[1]\n`), 64)) events.push(...framer.push(chunk));
    assert.deepEqual(summary([...events, ...framer.end()]), [line, '[1]']);
  });
});
