import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AutoFramer, ContentLengthFramer, createFramer, NewlineFramer } from '../../src/framing/index.js';
import { JsonRpcPeer } from '../../src/peer.js';
import type { FrameEvent } from '../../src/framing/index.js';
import { concat, cutAt, cutFractions, errors, expectEverywhere as expectAll, feed, frames, messageJson, summary, toCuts, utf8 } from './helpers.js';

const expectEverywhere = (stream: Uint8Array, expected: string[], max?: number): FrameEvent[] =>
  expectAll((options) => new AutoFramer(options), stream, expected, max);

const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);
/** summary() with each error's quoted bytes: where chunks end must not change what is quoted either. */
const detailed = (events: readonly FrameEvent[]): string[] =>
  summary(events).map((s, i) => (s.startsWith('!') ? `${s} ${JSON.stringify(events[i].kind === 'error' ? events[i].error.data : null)}` : s));
const contentLength = new ContentLengthFramer();
const framed = (json: string): Uint8Array => contentLength.encode(json);

describe('auto framer', () => {
  it('Content-Length first, in any case, is content-length', () => {
    for (const header of ['Content-Length', 'content-length', 'CONTENT-LENGTH', 'cOnTeNt-LeNgTh']) {
      const stream = utf8(`${header}: 7\r\n\r\n{"a":1}Content-Length: 3\r\n\r\n[1]`);
      expectEverywhere(stream, ['{"a":1}', '[1]']);
      const framer = new AutoFramer();
      framer.push(stream);
      assert.equal(framer.detected, 'content-length', header);
    }
  });

  it('{ or [ first, after whitespace or a BOM, reads newline-delimited and concatenated JSON alike', () => {
    expectEverywhere(utf8('{"a":1}\n{"b":2}\r\n[3]{"c":\n4}'), ['{"a":1}', '{"b":2}', '[3]', '{"c":\n4}']);
    expectEverywhere(concat([BOM, utf8(' \r\n\t[1]\n')]), ['[1]']);
    const framer = new AutoFramer();
    framer.push(utf8('  ['));
    assert.equal(framer.detected, 'json-stream');
  });

  it('anything else is an error quoting the bytes; detection starts again on the next line (a banner)', () => {
    const events = expectEverywhere(utf8('Server ready on :7000\n\n{"a":1}\n'), ['!garbage', '{"a":1}']);
    const [error] = errors(events);
    assert.equal(error.error.code, -32700);
    assert.deepEqual(error.error.data, { framing: 'auto', problem: 'garbage', preview: 'Server ready on :7000' });
    assert.match(error.error.message, /"Server ready on :7000".*Content-Length.*JSON/);
    // A near miss of the header is garbage too, quoted from its start; so is a BOM cut short.
    const [near] = errors(expectEverywhere(utf8('Content-Type: x\r\nContent-Length: 2\r\n\r\n{}'), ['!garbage', '{}']));
    assert.equal((near.error.data as { preview: string }).preview, 'Content-Type: x\\r');
    const [cutBom] = errors(expectEverywhere(concat([BOM.subarray(0, 2), utf8('{}\n')]), ['!garbage']));
    assert.equal((cutBom.error.data as { preview: string }).preview, '\\xef\\xbb{}');
    // A line cut off by the end of the stream, even inside "Content-Length", is reported by end().
    const [cut] = errors(expectEverywhere(utf8('Content-Len'), ['!garbage']));
    assert.equal((cut.error.data as { preview: string }).preview, 'Content-Len');
  });

  it('a long line is reported once, as its 64th byte arrives', () => {
    const framer = new AutoFramer();
    assert.deepEqual(framer.push(utf8('x'.repeat(63))), []);
    assert.equal(summary(framer.push(utf8('x'))).join(), '!garbage');
    assert.deepEqual(framer.push(utf8('y'.repeat(500))), []);
    assert.deepEqual(summary([...framer.push(utf8('\n[1]')), ...framer.end()]), ['[1]']);
  });

  it('says HTTP when the other side speaks HTTP, and never suggests headers to it', () => {
    for (const text of ['HTTP/1.1 400 Bad Request\r\n\r\n', 'POST / HTTP/1.1\r\nHost: x\r\n\r\n']) {
      const [error] = errors(feed(new AutoFramer(), [utf8(text)]));
      assert.match(error.error.message, /speaks HTTP/, text);
      assert.doesNotMatch(error.error.message, /Content-Length/);
      assert.equal((error.error.data as { http?: boolean }).http, true);
    }
  });

  it('writes in the default framing until it detects one, then in the detected one', () => {
    const json = '{"jsonrpc":"2.0","id":1,"result":"é"}';
    const newline = new NewlineFramer();
    const framer = new AutoFramer();
    assert.deepEqual(framer.encode(json), newline.encode(json));
    framer.push(utf8('Content-Length: 2\r\n\r\n{}'));
    assert.deepEqual(framer.encode(json), framed(json));
    assert.equal(framer.encodeText(json), contentLength.encodeText(json));
    // end() starts reading a new stream, but answers still due go out in the framing detected.
    framer.end();
    assert.equal(framer.detected, undefined);
    assert.deepEqual(framer.encode(json), framed(json));

    const lsp = new AutoFramer({ defaultFraming: 'content-length' });
    assert.deepEqual(lsp.encode(json), framed(json));
    lsp.push(utf8('{'));
    assert.deepEqual(lsp.encode(json), newline.encode(json));
    assert.equal(lsp.encodeText(json), newline.encodeText(json));
  });

  it('a peer with framing auto answers in the framing it was spoken to, also after the input ended', () => {
    for (const [framing, encode] of [
      ['content-length', framed],
      ['newline', (json: string) => new NewlineFramer().encode(json)],
    ] as const) {
      const server = new JsonRpcPeer({ framing: 'auto' });
      const [request] = server.parse(encode('{"jsonrpc":"2.0","id":7,"method":"ping"}'));
      assert.equal(request.kind, 'request', framing);
      server.end();
      const answer = server.respondWithResult({ id: 7 }, 'pong');
      assert.deepEqual(answer, encode('{"jsonrpc":"2.0","id":7,"result":"pong"}'), framing);
    }
  });

  it('is what createFramer("auto") makes, and holds no more than a header start while undetected', () => {
    const framer = createFramer('auto', { maxMessageBytes: 100 });
    assert.ok(framer instanceof AutoFramer);
    framer.push(utf8('  Content-Lengt'));
    assert.equal(framer.bufferedBytes, 13);
    assert.throws(() => createFramer('auto', { maxMessageBytes: 0 }), RangeError);
  });

  it('property: messages in any framing, after any whitespace/BOM/banner lines, come out the same wherever the chunks are cut', () => {
    const banner = fc.stringMatching(/^[A-Za-z][ -~]{0,80}$/).filter((line) => !/^content-length:/i.test(line));
    const whitespace = fc.stringMatching(/^[ \t\r\n]{0,4}$/);
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(banner, { maxLength: 3 }),
        whitespace,
        fc.constantFrom('content-length', 'newline', 'concatenated'),
        fc.array(messageJson, { minLength: 1, maxLength: 5 }),
        cutFractions,
        (bom, banners, space, framing, messages, fractions) => {
          const body = messages.map((m) =>
            framing === 'content-length' ? framed(m) : utf8(framing === 'newline' ? `${m}\n` : m),
          );
          const stream = concat([bom ? BOM : new Uint8Array(0), ...banners.map((b) => utf8(`${b}\n`)), utf8(space), ...body]);
          const whole = detailed(feed(new AutoFramer(), [stream]));
          const cut = detailed(feed(new AutoFramer(), cutAt(stream, toCuts(fractions, stream.length))));
          assert.deepEqual(cut, whole);
          // Each banner is one error; bannered or not, every message arrives as sent.
          assert.equal(whole.filter((s) => s.startsWith('!garbage')).length, banners.length);
          assert.deepEqual(frames(feed(new AutoFramer(), cutAt(stream, toCuts(fractions, stream.length)))), messages);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: any bytes at all give the same events whole and cut anywhere', () => {
    const piece = fc.oneof(
      fc.uint8Array({ maxLength: 20 }),
      fc.constantFrom('Content-Length: 2\r\n\r\n{}', 'content-len', '{"a":1}\n', '[', '\n', ' ', 'HTTP/1.1 200 OK\r\n').map(utf8),
      fc.constant(BOM),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), cutFractions, (pieces, fractions) => {
        const stream = concat(pieces);
        const whole = detailed(feed(new AutoFramer({ maxMessageBytes: 64 }), [stream]));
        const cut = detailed(feed(new AutoFramer({ maxMessageBytes: 64 }), cutAt(stream, toCuts(fractions, stream.length))));
        assert.deepEqual(cut, whole);
      }),
      { numRuns: 500 },
    );
  });
});
