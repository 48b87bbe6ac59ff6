import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JsonRpcPeer } from '../src/peer.js';
import { JsonRpcException, JsonRpcMethodNotFoundError } from '../src/parser/errors.js';
import type { JsonRpcMessage } from '../src/parser/messages.js';
import type { FramingName } from '../src/framing/types.js';
import { concat } from './framing/helpers.js';

const framings: FramingName[] = ['newline', 'content-length', 'json-stream'];

for (const framing of framings) {
  test(`${framing}: a request, a notification and both kinds of response round-trip between two peers`, () => {
    const client = new JsonRpcPeer({ framing });
    const server = new JsonRpcPeer({ framing });

    const first = client.request('add', [1, 2]);
    const second = client.request('greet', { name: 'Zoë 👋' });
    const note = client.notify('log', ['line\nwith "quotes"']);
    assert.notEqual(first.id, second.id);
    assert.equal(client.pendingCount, 2);

    const received = server.parse(concat([first.bytes, second.bytes, note]));
    assert.deepEqual(received, [
      { kind: 'request', id: first.id, method: 'add', params: [1, 2] },
      { kind: 'request', id: second.id, method: 'greet', params: { name: 'Zoë 👋' } },
      { kind: 'notification', method: 'log', params: ['line\nwith "quotes"'] },
    ]);

    const replies = concat([
      server.respondWithResult(received[0] as { id: number }, 3),
      server.respondWithError(received[1] as { id: number }, new JsonRpcMethodNotFoundError(undefined, 'greet')),
    ]);
    const answers = client.parse(replies);
    assert.deepEqual(answers, [
      { kind: 'response', id: first.id, isSuccess: true, result: 3 },
      { kind: 'response', id: second.id, isSuccess: false, error: { code: -32601, message: 'Method not found', data: 'greet' } },
    ]);
    assert.equal(client.pendingCount, 0);
    const error = answers[1];
    assert.ok(error.kind === 'response' && !error.isSuccess);
    assert.ok(JsonRpcException.fromError(error.error) instanceof JsonRpcMethodNotFoundError);
  });

  test(`${framing}: any chunking of a stream of messages parses to the same messages`, () => {
    const sender = new JsonRpcPeer({ framing });
    fc.assert(
      fc.property(
        fc.array(fc.record({ method: fc.string({ unit: 'grapheme' }), arg: fc.string({ unit: 'grapheme' }) }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
        (calls, cuts) => {
          const bytes = concat(calls.map((c) => sender.notify(c.method, [c.arg])));
          const receiver = new JsonRpcPeer({ framing });
          const got: JsonRpcMessage[] = [];
          let at = 0;
          for (let i = 0; at < bytes.length; i++) {
            const size = cuts[i % cuts.length];
            got.push(...receiver.parse(bytes.subarray(at, at + size)));
            at += size;
          }
          assert.deepEqual(got, calls.map((c) => ({ kind: 'notification', method: c.method, params: [c.arg] })));
          assert.equal(receiver.bufferedBytes, 0);
        },
      ),
      { numRuns: 150 },
    );
  });

  test(`${framing}: a malformed message comes back in place as 'invalid' and its neighbours survive`, () => {
    const sender = new JsonRpcPeer({ framing });
    const receiver = new JsonRpcPeer({ framing });
    const bad = sender.encode({ kind: 'notification', method: 'x' });
    // Same framing, but a body that is valid JSON and not JSON-RPC.
    const notJsonRpc = new TextEncoder().encode(new TextDecoder().decode(bad).replace('"2.0"', '"1.0"'));
    const got = receiver.parse(concat([sender.notify('before'), notJsonRpc, sender.notify('after')]));
    assert.deepEqual(got.map((m) => m.kind), ['notification', 'invalid', 'notification']);
    const invalid = got[1];
    assert.ok(invalid.kind === 'invalid');
    assert.equal(invalid.error.code, -32600);
    // The answer to an invalid message carries its id (null here) and its error.
    const answer = receiver.respondWithError(invalid, invalid.error);
    assert.deepEqual(sender.parse(answer), [
      { kind: 'response', id: null, isSuccess: false, error: invalid.error.toJSON() },
    ]);
  });

  test(`${framing}: a batch goes out as one frame and its responses settle every id`, () => {
    const client = new JsonRpcPeer({ framing });
    const server = new JsonRpcPeer({ framing });
    const { ids, bytes } = client.batch([
      { method: 'a', params: [1] },
      { method: 'n', notification: true },
      { method: 'b' },
    ]);
    assert.equal(ids.length, 2);
    const [batch] = server.parse(bytes);
    assert.ok(batch.kind === 'batch');
    assert.deepEqual(batch.messages.map((m) => m.kind), ['request', 'notification', 'request']);
    const reply = server.encode({
      kind: 'batch',
      messages: [
        { kind: 'response', id: ids[1], isSuccess: true, result: 'b' },
        { kind: 'response', id: ids[0], isSuccess: true, result: 'a' },
      ],
    });
    assert.equal(client.pendingCount, 2);
    client.parse(reply);
    assert.equal(client.pendingCount, 0);
  });
}

test('ids are unique per peer, and 1 and "1" are different ids', () => {
  const peer = new JsonRpcPeer();
  const ids = new Set<number>();
  for (let i = 0; i < 1000; i++) ids.add(peer.request('m').id);
  assert.equal(ids.size, 1000);
  const fresh = new JsonRpcPeer();
  const { id } = fresh.request('m');
  assert.equal(id, 1);
  fresh.parse('{"jsonrpc":"2.0","id":"1","result":0}\n');
  assert.equal(fresh.isPending(1), true, 'a response to "1" must not settle request 1');
  fresh.parse('{"jsonrpc":"2.0","id":1,"result":0}\n');
  assert.equal(fresh.isPending(1), false);
});

test('forget() stops counting a request as pending; the late response is still returned', () => {
  const peer = new JsonRpcPeer();
  const { id } = peer.request('slow');
  assert.equal(peer.forget(id), true);
  assert.equal(peer.pendingCount, 0);
  assert.deepEqual(peer.parse(`{"jsonrpc":"2.0","id":${id},"result":1}\n`), [
    { kind: 'response', id, isSuccess: true, result: 1 },
  ]);
});

test('a string chunk is read as UTF-8 text, and end() mid-message reports the cut', () => {
  const peer = new JsonRpcPeer();
  assert.deepEqual(peer.parse('{"jsonrpc":"2.0","method":"ü"}\n{"jsonrpc"'), [{ kind: 'notification', method: 'ü' }]);
  assert.ok(peer.bufferedBytes > 0);
  const tail = peer.end();
  assert.equal(tail.length, 1);
  assert.equal(tail[0].kind, 'invalid');
});

test('an empty batch cannot be sent', () => {
  assert.throws(() => new JsonRpcPeer().batch([]), /at least one call/);
});

test('trackPending: false leaves request tracking to the host; ids and parsing are unchanged', () => {
  const client = new JsonRpcPeer({ trackPending: false });
  const server = new JsonRpcPeer();
  const { id, bytes } = client.request('add', [1, 2]);
  const { id: id2, text } = client.requestText('add', [3, 4]);
  assert.equal(id2, id + 1);
  assert.equal(client.pendingCount, 0);
  assert.equal(client.isPending(id), false);
  const requests = server.parse(concat([bytes, new TextEncoder().encode(text)]));
  const answers = requests.map((r) => server.respondWithResult(r as { id: number }, 0));
  const responses = client.parse(concat(answers));
  assert.deepEqual(responses.map((r) => r.kind === 'response' && r.id), [id, id2]);
  assert.equal(client.pendingCount, 0);
});
