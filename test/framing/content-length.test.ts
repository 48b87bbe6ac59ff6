import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ContentLengthFramer } from '../../src/framing/index.js';
import { concat, cutAt, cutEvery, cutFractions, DECODINGS, errors, feed, referenceDecode, summary, toCuts, utf8, expectEverywhere as expectAll , assertCutsChangeNothing } from './helpers.js';
import type { FrameEvent } from '../../src/framing/index.js';

const msg = (body: string, header = `Content-Length: ${utf8(body).length}\r\n`) => utf8(`${header}\r\n${body}`);

const expectEverywhere = (stream: Uint8Array, expected: string[], max?: number): FrameEvent[] =>
  expectAll((options) => new ContentLengthFramer(options), stream, expected, max);

describe('content-length framer', () => {
  it('reports a short garbage line as soon as its line ends, not only when more bytes come', () => {
    // A peer speaking newline framing: one short line, then silence while it waits for an answer.
    const line = utf8('{"jsonrpc":"2.0","id":1,"method":"add"}\n');
    for (const size of [line.length, 5, 1]) {
      const framer = new ContentLengthFramer();
      const chunks = cutEvery(line, size);
      const seen = chunks.flatMap((chunk) => framer.push(chunk));
      assert.deepEqual(summary(seen), ['!garbage'], `chunks of ${size}`);
      assert.match(errors(seen)[0].error.message, /\{\\"jsonrpc\\":\\"2\.0\\"/);
      assert.deepEqual(framer.end(), [], 'the garbage is reported once');
    }
    // Garbage reported at its line end, then a real message: both, in order, however it is cut.
    expectEverywhere(concat([utf8('oops\n'), msg('{"a":1}')]), ['!garbage', '{"a":1}']);
  });

  it('reads header names case-insensitively, ignores unknown headers, accepts utf-8 and utf8', () => {
    const stream = concat([
      msg('{"a":1}', 'content-length: 7\r\n'),
      msg('{"b":2}', 'CONTENT-LENGTH:7\r\nX-Custom: whatever\r\n'),
      msg('{"c":3}', 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 7\r\n'),
      msg('{"d":4}', 'Content-Length: 7\r\ncontent-type: application/vscode-jsonrpc; charset="UTF8"\r\n'),
    ]);
    expectEverywhere(stream, ['{"a":1}', '{"b":2}', '{"c":3}', '{"d":4}']);
  });

  it('Content-Length counts bytes: encode writes the byte length of a non-ASCII body', () => {
    const framer = new ContentLengthFramer();
    const json = '{"text":"héllo wörld 😀"}';
    const bytes = framer.encode(json);
    const header = `Content-Length: ${utf8(json).length}\r\n\r\n`;
    assert.notEqual(utf8(json).length, json.length);
    assert.deepEqual(bytes, concat([utf8(header), utf8(json)]));
    expectEverywhere(concat([bytes, bytes]), [json, json]);
  });

  it('tolerates blank lines between messages; an empty body is an empty frame', () => {
    expectEverywhere(concat([msg('{}'), utf8('\r\n\n'), msg(''), msg('[]')]), ['{}', '', '[]']);
  });

  it('a missing Content-Length is reported and the framer resyncs at the next header', () => {
    const events = expectEverywhere(concat([msg('{"lost":1}', 'Content-Type: application/json\r\n'), msg('{"ok":2}')]), [
      '!missing-content-length',
      '{"ok":2}',
    ]);
    assert.match(errors(events)[0].error.message, /without a Content-Length/);
  });

  it('negative and non-numeric Content-Length are reported, and later messages still parse', () => {
    for (const [value, pattern] of [['-5', /Negative Content-Length "-5"/], ['abc', /Invalid Content-Length "abc"/], ['1.5', /Invalid/], ['', /Invalid/], ['99999999999999999999', /Invalid/]] as const) {
      const events = expectEverywhere(concat([msg('{"x":1}', `Content-Length: ${value}\r\n`), msg('{"ok":2}')]), [
        '!invalid-content-length',
        '{"ok":2}',
      ]);
      assert.match(errors(events)[0].error.message, pattern);
    }
  });

  it('reads a Content-Length value as its trimmed text says, whole or cut anywhere (fast match or not)', () => {
    // The model: the value between blanks must be digits only and at most 2^53 - 1.
    const blanks = fc.array(fc.constantFrom(' ', '\t'), { maxLength: 3 }).map((b) => b.join(''));
    const digits = fc.oneof(
      fc.constant('7'), // the body's real length
      fc.nat(20).map((zeros) => '0'.repeat(zeros) + '7'), // the same, 1 to 21 digits
      fc.constantFrom('', '-7', '+7', '7.0', '7e0', '0x7', '7 7', 'seven', '9007199254740991', '9007199254740992', '9'.repeat(16), '0'.repeat(15) + '9007199254740993'),
    );
    fc.assert(
      fc.property(blanks, digits, blanks, (before, value, after) => {
        const stream = concat([utf8(`Content-Length:${before}${value}${after}\r\n\r\n[1,2,3]`), msg('[2]')]);
        const text = value.trim();
        const valid = /^\d+$/.test(text) && Number(text) <= Number.MAX_SAFE_INTEGER;
        const length = valid ? Number(text) : -1;
        let expected: string[];
        if (length === 7) expected = ['[1,2,3]', '[2]'];
        else if (!valid) expected = ['!invalid-content-length', '[2]'];
        else expected = ['!oversized', '!truncated']; // a 2^53 - 1 byte body swallows the rest
        expectEverywhere(stream, expected, 1000);
      }),
      { numRuns: 300 },
    );
  });

  it('a duplicate Content-Length is reported; agreeing values skip the body exactly', () => {
    const body = '{"content-length":1}'; // would fool a resync, so it must be skipped by length
    const events = expectEverywhere(
      concat([msg(body, `Content-Length: 20\r\ncontent-length: 20\r\n`), msg('{"ok":2}')]),
      ['!duplicate-content-length', '{"ok":2}'],
    );
    assert.match(errors(events)[0].error.message, /2 Content-Length headers \(20, 20\)/);
    expectEverywhere(concat([msg('{"x":1}', 'Content-Length: 7\r\nContent-Length: 9\r\n'), msg('{"ok":2}')]), [
      '!duplicate-content-length',
      '{"ok":2}',
    ]);
  });

  it('rejects another charset with a clear error and skips that body', () => {
    const events = expectEverywhere(
      concat([msg('{"a":1}', 'Content-Length: 7\r\nContent-Type: application/json; charset=latin1\r\n'), msg('{"ok":2}')]),
      ['!unsupported-charset', '{"ok":2}'],
    );
    assert.match(errors(events)[0].error.message, /charset "latin1" is not supported/);
  });

  it('a header block that never ends within 8 KiB is reported, and the framer recovers', () => {
    const endless = utf8(`Content-Length: 2\r\nX-Long: ${'y'.repeat(9000)}`);
    const framer = new ContentLengthFramer();
    const events = [];
    for (const chunk of cutEvery(endless, 1000)) {
      events.push(...framer.push(chunk));
      assert.ok(framer.bufferedBytes <= 8 * 1024);
    }
    events.push(...framer.push(concat([utf8('\r\n\r\n{}'), msg('{"ok":2}')])), ...framer.end());
    assert.deepEqual(summary(events), ['!header-too-long', '{"ok":2}']);
    assert.match(errors(events)[0].error.message, /within 8192 bytes/);
  });

  it('garbage before a header quotes its first bytes, blames stdout, and resyncs at the next header', () => {
    const stream = concat([msg('{"a":1}'), utf8('Server started on port 8080\n'), msg('{"b":2}'), utf8('\u0001\u00ff{}'), msg('[3]')]);
    const events = expectEverywhere(stream, ['{"a":1}', '!garbage', '{"b":2}', '!garbage', '[3]']);
    // Garbage that ends in a prefix of the header's name, right before the header.
    expectEverywhere(concat([utf8('oops: panic\nc'), msg('{}'), utf8('x content-'), msg('[]')]), ['!garbage', '{}', '!garbage', '[]']);
    const [first, second] = errors(events);
    assert.match(first.error.message, /"Server started on port 8080\\n"/);
    assert.match(first.error.message, /outside the JSON-RPC channel, e\.g\. console\.log/);
    assert.match(second.error.message, /"\\x01\\xc3\\xbf\{\}"/);
    assert.deepEqual(first.fatal, false);
  });

  it('a stray line with a colon is an unknown header (LSP ignores those); one without a colon is garbage', () => {
    // `DEBUG: x\r\n` is a valid `Name: value` header: ignored, as LSP requires.
    expectEverywhere(concat([utf8('DEBUG: x\r\n'), msg('{}')]), ['{}']);
    expectEverywhere(msg('{}', 'Content-Length: 2\r\nDEBUG: x\r\n'), ['{}']);
    // console.log output without a colon, wherever it lands, is reported and the next message is read.
    for (const line of ['ready\n', 'ready\r\n', 'Listening on 8080\n', 'started\r\n\r\n', '{ a: 1 }\n']) {
      expectEverywhere(concat([msg('[1]'), utf8(line), msg('[2]')]), ['[1]', '!garbage', '[2]']);
      expectEverywhere(concat([utf8(line), msg('[2]')]), ['!garbage', '[2]']);
    }
    expectEverywhere(concat([utf8('Content-Length: 2\r\nready\r\n\r\n{}'), msg('[2]')]), ['!garbage', '[2]']);
    // A colon but no \r\n (console.log ends lines with \n alone) is not a header either.
    expectEverywhere(concat([utf8('Error: boom\n'), msg('[2]')]), ['!garbage', '[2]']);
  });

  it('output without a line end run into the header name is garbage, and the header is still used', () => {
    // process.stdout.write('ready') right before a message: the name reads `readyContent-Length`.
    const events = expectEverywhere(concat([msg('[1]'), utf8('ready'), msg('[2]'), msg('[3]')]), ['[1]', '!garbage', '[2]', '[3]']);
    assert.match(errors(events)[0].error.message, /"ready"/);
    assert.deepEqual(errors(events)[0].error.data, { framing: 'content-length', problem: 'garbage', preview: 'ready' });
    // Only for the block's first line, and only when the block has no real Content-Length header.
    expectEverywhere(msg('[4]', 'X-Content-Length: 99\r\nContent-Length: 3\r\n'), ['[4]']);
    expectEverywhere(concat([utf8('X-A: 1\r\nreadyContent-Length: 3\r\n\r\n[5]'), msg('[6]')]), ['!missing-content-length', '[6]']);
  });

  it('header names are matched case-insensitively, exactly as their lower-cased text would be', () => {
    // Names built around the two that mean something, with case flips and near misses; what each
    // does is decided here from the lower-cased string, the way the header reader used to decide.
    const flipCase = (name: string, flips: boolean[]) => [...name].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c)).join('');
    const name = fc
      .tuple(
        fc.constantFrom('', 'x', 'X-', 'ready', 'content'),
        fc.constantFrom('content-length', 'content-type', 'content-lengt', 'ontent-length', 'content_length', 'content-types', 'lengthcontent-'),
        fc.constantFrom('', 's', '-x'),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
      )
      .map(([before, core, after, flips]) => flipCase(before + core + after, flips));
    fc.assert(
      fc.property(name, fc.boolean(), (header, withCharset) => {
        const lower = header.toLowerCase();
        // A: the only header, value 2. B: a latin1 charset as its value, then a real Content-Length: 2.
        const block = withCharset ? `${header}: text/x; charset=latin1\r\nContent-Length: 2\r\n` : `${header}: 2\r\n`;
        const stream = concat([utf8(`${block}\r\n{}`), msg('[]')]);
        let expected: string[];
        if (!withCharset) {
          if (lower === 'content-length') expected = ['{}', '[]'];
          else if (lower.endsWith('content-length')) expected = ['!garbage', '{}', '[]']; // glued output, header used
          else expected = ['!missing-content-length', '[]'];
        } else if (lower === 'content-type') expected = ['!unsupported-charset', '[]'];
        else if (lower === 'content-length') expected = ['!invalid-content-length', '[]'];
        else expected = ['{}', '[]'];
        for (const size of [stream.length, 5, 1]) {
          assert.deepEqual(summary(feed(new ContentLengthFramer(), cutEvery(stream, size))), expected, `${JSON.stringify(header)}, chunks of ${size}`);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('long garbage is reported once, with its first 64 bytes, before the stream ends', () => {
    const framer = new ContentLengthFramer();
    const events = framer.push(utf8('log line '.repeat(20)));
    assert.equal(events.length, 1); // not deferred to end(): the user sees it while it happens
    assert.match((events[0] as { error: Error }).error.message, /"log line log line .{40,}\.\.\."/);
    events.push(...framer.push(msg('{}')), ...framer.end());
    assert.deepEqual(summary(events), ['!garbage', '{}']);
  });

  it('invalid UTF-8 in a body costs that message only', () => {
    const bad = new Uint8Array([0x22, 0xff, 0x22]);
    const stream = concat([msg('{"a":1}'), utf8('Content-Length: 3\r\n\r\n'), bad, msg('{"b":"ü"}')]);
    expectEverywhere(stream, ['{"a":1}', '!invalid-utf8', '{"b":"ü"}']);
  });

  it('an oversized body is reported at its header, skipped as it arrives without buffering', () => {
    const framer = new ContentLengthFramer({ maxMessageBytes: 1000 });
    const big = msg(`"${'x'.repeat(9998)}"`);
    const events = [];
    const chunks = cutEvery(big, 100);
    events.push(...framer.push(chunks[0]));
    assert.deepEqual(summary(events), ['!oversized']);
    for (const chunk of chunks.slice(1)) {
      assert.deepEqual(framer.push(chunk), []);
      assert.equal(framer.bufferedBytes, 0);
    }
    events.push(...framer.push(msg('{"after":1}')), ...framer.end());
    assert.deepEqual(summary(events), ['!oversized', '{"after":1}']);
    assert.match(errors(events)[0].error.message, /10000 bytes exceeds maxMessageBytes \(1000\)/);
  });

  it('a body held across chunks never exceeds the bound', () => {
    const framer = new ContentLengthFramer({ maxMessageBytes: 1000 });
    const body = `"${'é'.repeat(499)}"`; // exactly 1000 bytes
    const events = [];
    for (const chunk of cutEvery(msg(body), 7)) {
      events.push(...framer.push(chunk));
      assert.ok(framer.bufferedBytes <= 1000 + 64);
    }
    assert.deepEqual(summary(events), [body]);
  });

  it('end() inside a header or a body reports a truncated stream', () => {
    const framer = new ContentLengthFramer();
    assert.deepEqual(summary([...framer.push(utf8('Content-Len')), ...framer.end()]), ['!truncated']);
    const events = [...framer.push(utf8('Content-Length: 10\r\n\r\n{"a"')), ...framer.end()];
    assert.deepEqual(summary(events), ['!truncated']);
    assert.match(errors(events)[0].error.message, /inside a body of 10 bytes.*4 bytes of it were dropped/);
    assert.deepEqual(framer.end(), []);
  });

  it('a body completed from earlier chunks comes out in its place, decoded as it would be alone', () => {
    // Bodies of any UTF-8 kind (ASCII, not, a raw 0x1E, invalid or cut sequences, a BOM) in chunks
    // of any size: a body held across chunks may be decoded together with the next chunk's bodies
    // (one call per chunk), or with a 64..16 KiB ASCII chunk's text, and must come out as alone.
    const text = fc.oneof(
      fc.string({ unit: 'grapheme-ascii', maxLength: 300 }),
      fc.string({ unit: 'grapheme', maxLength: 120 }),
      fc.array(fc.constantFrom('{"a":"', 'é', '東京', '😀', '\x1e', '\uFEFF', '"}', 'x'.repeat(70)), { maxLength: 8 }).map((p) => p.join('')),
    );
    const body = fc.oneof(
      { weight: 4, arbitrary: text.map(utf8) },
      { weight: 1, arbitrary: fc.tuple(text, fc.constantFrom([0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xff])).map(([t, bad]) => concat([utf8(t), new Uint8Array(bad)])) },
    );
    const chunkSizes = fc.array(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 64, max: 700 })), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(fc.array(body, { minLength: 1, maxLength: 12 }), chunkSizes, fc.constantFrom(...DECODINGS), (bodies, sizes, natives) => {
        const stream = concat(bodies.map((b) => concat([utf8(`Content-Length: ${b.length}\r\n\r\n`), b])));
        const chunks: Uint8Array[] = [];
        for (let at = 0, i = 0; at < stream.length; i++) {
          const size = sizes[i % sizes.length];
          chunks.push(stream.slice(at, at + size));
          at += size;
        }
        const expected = bodies.map((b) => referenceDecode(b) ?? '!invalid-utf8');
        assert.deepEqual(summary(feed(new ContentLengthFramer({ natives }), chunks)), expected);
      }),
      { numRuns: 1500 },
    );
  });

  it('a body held across chunks comes out before the next ones when the next chunk is read as text', () => {
    // Chunk 1 holds an invalid body (so bodies are expected not to be ASCII from then on) and ends
    // inside a body; chunk 2 completes it and holds one more, all ASCII and 64+ bytes: read as text.
    const x = 'x'.repeat(70);
    const stream = concat([msg(x), utf8('Content-Length: 1\r\n\r\n'), new Uint8Array([0xc3]), msg(x), msg('[1]')]);
    const cut = msg(x).length + 22 + 21 + 4;
    for (const natives of DECODINGS) {
      const framer = new ContentLengthFramer({ natives });
      assert.deepEqual(summary(feed(framer, [stream.slice(0, cut), stream.slice(cut)])), [x, '!invalid-utf8', x, '[1]']);
    }
  });

  it('errors, too, come out the same wherever the chunks are cut', () => {
    const segment = fc.oneof(
      fc.constant(msg('{"a":"é😀"}')),
      fc.constant(msg('[1]', 'content-type: x; charset=utf8\r\nCONTENT-LENGTH: 3\r\n')),
      fc.constant(msg(`"${'x'.repeat(80)}"`)), // oversized
      fc.constant(msg('{}', 'Content-Length: -2\r\n')),
      fc.constant(msg('{}', 'Content-Type: a; charset=ascii\r\nContent-Length: 2\r\n')),
      fc.constant(utf8('console.log output\n')),
      fc.constant(utf8('Content-Length: 2\r\n\r\n\xff\xfe'.replace(/[\xff\xfe]/g, 'x'))),
      fc.constant(concat([utf8('Content-Length: 2\r\n\r\n'), new Uint8Array([0xc3, 0x28])])),
      fc.constant(utf8('\r\n')),
    );
    assertCutsChangeNothing((options) => new ContentLengthFramer(options), segment);
  });
});
