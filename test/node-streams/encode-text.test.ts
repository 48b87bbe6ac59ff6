/**
 * The text write path: every framer's `encodeText(json)` must be, once UTF-8 encoded, exactly the
 * bytes `encode(json)` gives (the connection writes the text and lets Node encode it), and the
 * peer's text variants must frame the same messages as its byte API.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { createFramer, type FramingName } from '../../src/framing/index.js';
import { utf8ByteLength } from '../../src/framing/utf8.js';
import { JsonRpcInternalError } from '../../src/parser/errors.js';
import { JsonRpcPeer } from '../../src/peer.js';

const framings: FramingName[] = ['newline', 'content-length', 'json-stream'];
const nodeLength = (text: string): number => Buffer.byteLength(text, 'utf8');
const encoder = new TextEncoder();

describe('encodeText', () => {
  it('utf8ByteLength agrees with Buffer.byteLength (surrogate pairs, lone surrogates, all planes)', () => {
    for (const s of ['', 'a', 'é', '€', '😀', '\ud800', '\udc00x', 'a\ud83d', '\ud83d\ude00\ud83d']) {
      assert.equal(utf8ByteLength(s), nodeLength(s), JSON.stringify(s));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => utf8ByteLength(s) === nodeLength(s)),
      { numRuns: 2000 },
    );
  });

  for (const framing of framings) {
    for (const [label, utf8Length] of [['pure length', undefined], ['injected length', nodeLength]] as const) {
      it(`${framing} (${label}): UTF-8 of encodeText(json) is encode(json)`, () => {
        const framer = createFramer(framing, { utf8Length });
        fc.assert(
          fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, text) => {
            const json = JSON.stringify({ jsonrpc: '2.0', id: 1, result: [value, text] });
            assert.deepEqual(encoder.encode(framer.encodeText(json)), framer.encode(json));
          }),
          { numRuns: 300 },
        );
        const pretty = JSON.stringify({ a: [1, 'x\ny'], b: 'é😀' }, null, 2);
        assert.deepEqual(encoder.encode(framer.encodeText(pretty)), framer.encode(pretty));
      });
    }

    it(`${framing}: the peer's text variants frame what its byte API frames`, () => {
      const a = new JsonRpcPeer({ framing });
      const b = new JsonRpcPeer({ framing, utf8Length: nodeLength });
      const same = (text: string, bytes: Uint8Array): void => assert.deepEqual(encoder.encode(text), bytes);
      const r1 = a.request('m', { x: 'é' });
      const r2 = b.requestText('m', { x: 'é' });
      assert.equal(r1.id, r2.id);
      assert.ok(b.isPending(r2.id));
      same(r2.text, r1.bytes);
      same(b.notifyText('n', [1]), a.notify('n', [1]));
      const batchBytes = a.batch([{ method: 'x' }, { method: 'y', notification: true }]);
      const batchText = b.batchText([{ method: 'x' }, { method: 'y', notification: true }]);
      assert.deepEqual(batchText.ids, batchBytes.ids);
      same(batchText.text, batchBytes.bytes);
      same(b.respondWithResultText({ id: 3 }, '😀'), a.respondWithResult({ id: 3 }, '😀'));
      same(b.respondWithErrorText({ id: 'q' }, new JsonRpcInternalError()), a.respondWithError({ id: 'q' }, new JsonRpcInternalError()));
      same(b.encodeText({ kind: 'notification', method: 'z' }), a.encode({ kind: 'notification', method: 'z' }));
      same(b.frameText('[1,2]'), createFramer(framing).encode('[1,2]'));
    });
  }
});
