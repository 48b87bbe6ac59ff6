/** JsonRpcPeer's `version` option: 1.0 read and written in both roles, 'both' answering each message in its own. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JsonRpcPeer } from '../src/peer.js';
import { JsonRpcMethodNotFoundError } from '../src/parser/errors.js';
import type { JsonRpcMessage } from '../src/parser/messages.js';

const decoder = new TextDecoder();
const json = (bytes: Uint8Array | string): unknown => JSON.parse(typeof bytes === 'string' ? bytes : decoder.decode(bytes));

// As it comes back from JSON text (fast-check's JSON values include -0, which JSON writes as 0).
const jsonValue = fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);
const id = fc.oneof(fc.string({ maxLength: 8 }), fc.integer());
const params = fc.array(jsonValue, { maxLength: 4 });

test("property: a '1.0' client and a '1.0' server round-trip requests, notifications and both kinds of answer", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 8 }), params, jsonValue, fc.boolean(), (method, args, value, fails) => {
      const client = new JsonRpcPeer({ version: '1.0' });
      const server = new JsonRpcPeer({ version: '1.0' });
      const sent = client.request(method, args);
      assert.deepEqual(json(sent.bytes), { method, params: args, id: sent.id });
      assert.deepEqual(json(client.notifyText(method, args)), { method, params: args, id: null });
      const [request, notification] = server.parse(client.requestText(method, args).text + client.notifyText(method, args));
      assert.ok(request?.kind === 'request' && notification?.kind === 'notification');
      assert.deepEqual([request.method, request.params, notification.params], [method, args, args]);
      const answer = fails ? server.respondWithError(request, new JsonRpcMethodNotFoundError()) : server.respondWithResult(request, value);
      const wire = json(answer) as { result: unknown; error: unknown; id: unknown };
      assert.deepEqual(Object.keys(wire).sort(), ['error', 'id', 'result']);
      const [response] = client.parse(answer);
      assert.ok(response?.kind === 'response');
      assert.equal(response.isSuccess, !fails);
      if (response.isSuccess) assert.deepEqual(response.result, value);
      else assert.equal(response.error.code, -32601);
      assert.equal(client.pendingCount, 1); // the first request is still unanswered; this one is settled
    }),
  );
});

test("property: under '1.0' malformed 1.0 messages come back 'invalid' and are answered in 1.0's form", () => {
  const bad = fc.oneof(
    fc.record({ method: fc.string(), params: fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { minKeys: 1 }), id }),
    fc.record({ method: fc.string(), params }),
    fc.record({ jsonrpc: fc.constant('2.0'), method: fc.string(), id }),
    fc.array(fc.record({ method: fc.string(), params, id }), { minLength: 1, maxLength: 2 }),
  );
  fc.assert(
    fc.property(bad, (message) => {
      const server = new JsonRpcPeer({ version: '1.0' });
      const [parsed] = server.parse(`${JSON.stringify(message)}\n`);
      assert.ok(parsed?.kind === 'invalid', JSON.stringify(parsed));
      const wire = json(server.respondWithError(parsed, parsed.error)) as { result: unknown; error: { code: number }; id: unknown };
      assert.deepEqual([wire.result, wire.error.code, 'jsonrpc' in wire], [null, -32600, false]);
    }),
  );
});

test("'both': each parsed message is answered in its own version; requests go out as 2.0; '1.0' has no batches", () => {
  const server = new JsonRpcPeer({ version: 'both' });
  const messages = server.parse('{"method":"a","params":[1],"id":1}\n{"jsonrpc":"2.0","method":"b","params":[2],"id":2}\n');
  const [one, two] = messages as Extract<JsonRpcMessage, { kind: 'request' }>[];
  assert.deepEqual(json(server.respondWithResultText(one!, 'x')), { result: 'x', error: null, id: 1 });
  assert.deepEqual(json(server.respondWithResultText(two!, 'y')), { jsonrpc: '2.0', id: 2, result: 'y' });
  assert.deepEqual(json(server.respondWithErrorText(one!, { code: 1, message: 'm' })), { result: null, error: { code: 1, message: 'm' }, id: 1 });
  // A request object not from parse() (or null) is answered as 2.0.
  assert.deepEqual(json(server.respondWithResult({ id: 3 }, 'z')), { jsonrpc: '2.0', id: 3, result: 'z' });
  assert.deepEqual(json(server.request('m', [1]).bytes), { jsonrpc: '2.0', id: 1, method: 'm', params: [1] });

  const strict = new JsonRpcPeer({ version: '1.0' });
  assert.throws(() => strict.batch([{ method: 'x' }]), /no batches/);
  assert.throws(() => strict.request('x', { named: true }), /positional params only/);
  assert.throws(() => new JsonRpcPeer({ version: '2' as never }), /version must be '2.0', '1.0' or 'both'/);
  // The default is 2.0: a 1.0 request is invalid, a 1.0 response an invalidResponse.
  const plain = new JsonRpcPeer();
  assert.deepEqual(plain.parse('{"method":"a","params":[],"id":1}\n{"result":1,"error":null,"id":1}\n').map((m) => m.kind), ['invalid', 'invalidResponse']);
});
