/** JSON-RPC 1.0 reading and writing (parser/v1.ts), and that '2.0' reading is unchanged by it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  encodeErrorV1,
  encodeRequestV1,
  encodeResultV1,
  JsonRpcMethodNotFoundError,
  parseMessage,
  validateSingleV1,
  validateVersioned,
  versionOf,
} from '../../src/parser/index.js';

test('1.0 requests, notifications and responses', () => {
  assert.deepEqual(validateSingleV1({ method: 'add', params: [1, 2], id: 1 }), { kind: 'request', id: 1, method: 'add', params: [1, 2] });
  assert.deepEqual(validateSingleV1({ method: 'add', params: [1, 2], id: 'a', jsonrpc: '1.0' }), {
    kind: 'request', id: 'a', method: 'add', params: [1, 2],
  });
  assert.deepEqual(validateSingleV1({ method: 'tick', params: [], id: null }), { kind: 'notification', method: 'tick', params: [] });
  assert.deepEqual(validateSingleV1({ method: 'ping', id: 3 }), { kind: 'request', id: 3, method: 'ping' });
  assert.deepEqual(validateSingleV1({ result: 3, error: null, id: 7 }), { kind: 'response', id: 7, isSuccess: true, result: 3 });
  assert.deepEqual(validateSingleV1({ result: null, error: { code: 1, message: 'no', data: 2 }, id: 7 }), {
    kind: 'response', id: 7, isSuccess: false, error: { code: 1, message: 'no', data: 2 },
  });
  // A member left out reads as null (jayson leaves out `result` when it sends an error).
  assert.deepEqual(validateSingleV1({ error: { code: 1, message: 'no' }, id: 7 }), {
    kind: 'response', id: 7, isSuccess: false, error: { code: 1, message: 'no' },
  });
  assert.deepEqual(validateSingleV1({ result: 3, id: 7 }), { kind: 'response', id: 7, isSuccess: true, result: 3 });
});

test('1.0 faults: named, answered with the id when it could be read, responses never answerable', () => {
  const cases: [unknown, string, unknown][] = [
    [{ method: 'add', params: [1] }, 'needs an "id"', null],
    [{ method: 'add', params: { a: 1 }, id: 4 }, '"params" must be an array', 4],
    [{ method: 5, params: [], id: 4 }, '"method" must be a string', 4],
    [{ method: 'a', params: [], id: {} }, '"id" must be', null],
    [{ method: 'a', params: [], id: 1, jsonrpc: '2.0' }, '"jsonrpc" must be absent', null],
    [[{ method: 'a', params: [], id: 1 }], 'no batches', null],
    ['text', 'a JSON object', null],
  ];
  for (const [value, reason, id] of cases) {
    const message = validateSingleV1(value);
    assert.equal(message.kind, 'invalid', JSON.stringify(value));
    assert.ok(message.kind === 'invalid');
    assert.equal(message.id, id);
    assert.match(String((message.error.data as { reason: string }).reason), new RegExp(reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  }
  for (const value of [{ result: 1, error: { code: 1, message: 'x' }, id: 1 }, { result: null, error: 'bad', id: 1 }, { result: 1, error: null }, { error: 3, id: 1 }]) {
    assert.equal(validateSingleV1(value).kind, 'invalidResponse', JSON.stringify(value));
  }
});

test("'both' reads each message in the version it speaks; '2.0' still refuses 1.0", () => {
  assert.equal(versionOf({ jsonrpc: '2.0', method: 'a' }, 'both'), '2.0');
  assert.equal(versionOf({ method: 'a', id: 1 }, 'both'), '1.0');
  assert.equal(versionOf([{ method: 'a', id: 1 }], 'both'), '2.0');
  assert.equal(versionOf({ jsonrpc: '2.0' }, '1.0'), '1.0');
  assert.equal(validateVersioned({ method: 'a', params: [], id: 1 }, 'both').message.kind, 'request');
  // The default parser is untouched: a 1.0 request is -32600, a 1.0 response an invalid response.
  assert.equal(parseMessage('{"method":"a","params":[],"id":1}').kind, 'invalid');
  assert.equal(parseMessage('{"result":3,"error":null,"id":7}').kind, 'invalidResponse');
});

test('1.0 encoding: result and error always both present, one null', () => {
  assert.equal(encodeResultV1(1, 3), '{"result":3,"error":null,"id":1}');
  assert.equal(encodeResultV1('x', undefined), '{"result":null,"error":null,"id":"x"}');
  assert.equal(encodeErrorV1(2, new JsonRpcMethodNotFoundError()), '{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":2}');
  assert.equal(encodeRequestV1(1, 'add', [1, 2]), '{"method":"add","params":[1,2],"id":1}');
  assert.equal(encodeRequestV1(null, 'tick', undefined), '{"method":"tick","params":[],"id":null}');
  assert.throws(() => encodeResultV1(1, 10n), TypeError);
});

test('property: what the 1.0 encoders write, the 1.0 reader reads back', () => {
  const id = fc.oneof(fc.string(), fc.integer());
  fc.assert(
    fc.property(id, fc.string(), fc.array(fc.jsonValue()), fc.jsonValue(), (requestId, method, params, result) => {
      const request = validateSingleV1(JSON.parse(encodeRequestV1(requestId, method, params)));
      assert.deepEqual(request, { kind: 'request', id: requestId, method, params: JSON.parse(JSON.stringify(params)) });
      const response = validateSingleV1(JSON.parse(encodeResultV1(requestId, result)));
      assert.ok(response.kind === 'response' && response.isSuccess);
      assert.deepEqual(response.result, JSON.parse(JSON.stringify(result)));
    }),
  );
});
