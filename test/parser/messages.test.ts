import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JsonRpcInvalidRequestError, JsonRpcParseError } from '../../src/parser/errors.js';
import {
  encodeError,
  encodeMessage,
  encodeNotification,
  encodeRequest,
  encodeResult,
  parseMessage,
  type JsonRpcMessage,
  type JsonRpcSingleMessage,
} from '../../src/parser/messages.js';
import { isValidResponse, responseLike } from './response-like.js';

function invalidReason(message: JsonRpcMessage): { code: number; id: unknown } {
  assert.equal(message.kind, 'invalid');
  return { code: message.error.code, id: message.id };
}

test('requests, notifications and responses parse into kind-tagged objects', () => {
  assert.deepEqual(parseMessage('{"jsonrpc":"2.0","id":1,"method":"add","params":[1,2]}'), {
    kind: 'request', id: 1, method: 'add', params: [1, 2],
  });
  assert.deepEqual(parseMessage('{"jsonrpc":"2.0","id":"1","method":"m"}'), { kind: 'request', id: '1', method: 'm' });
  assert.deepEqual(parseMessage('{"jsonrpc":"2.0","method":"n","params":{"a":1}}'), {
    kind: 'notification', method: 'n', params: { a: 1 },
  });
  assert.deepEqual(parseMessage('{"jsonrpc":"2.0","id":7,"result":null}'), {
    kind: 'response', id: 7, isSuccess: true, result: null,
  });
  assert.deepEqual(parseMessage('{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"x","data":0}}'), {
    kind: 'response', id: null, isSuccess: false, error: { code: -32600, message: 'x', data: 0 },
  });
});

test('an id of null still makes a request (it is answered with id null)', () => {
  assert.deepEqual(parseMessage('{"jsonrpc":"2.0","id":null,"method":"m"}'), { kind: 'request', id: null, method: 'm' });
});

test('the spec rules most often broken each give -32600, with the id when it can be read', () => {
  const cases: Array<[string, unknown]> = [
    ['{"jsonrpc":"1.0","id":3,"method":"m"}', 3],
    ['{"id":3,"method":"m"}', 3],
    ['{"jsonrpc":2.0,"id":3,"method":"m"}', 3],
    ['{"jsonrpc":"2.0","id":{},"method":"m"}', null],
    ['{"jsonrpc":"2.0","id":[1],"method":"m"}', null],
    ['{"jsonrpc":"2.0","id":true,"method":"m"}', null],
    ['{"jsonrpc":"2.0","id":"a","method":1}', 'a'],
    ['{"jsonrpc":"2.0","id":4,"method":"m","params":3}', 4],
    ['{"jsonrpc":"2.0","id":4,"method":"m","params":"x"}', 4],
    ['{"jsonrpc":"2.0","id":4,"method":"m","params":null}', 4],
    ['{"jsonrpc":"2.0","method":"m","params":false}', null],
    ['{"jsonrpc":"2.0","id":6}', 6],
    ['{"jsonrpc":"2.0","id":6,"method":5,"result":1}', 6], // has a method: a request, however odd
    ['1', null],
    ['"x"', null],
    ['null', null],
    ['[]', null],
  ];
  for (const [text, id] of cases) {
    const got = parseMessage(text);
    assert.deepEqual(invalidReason(got), { code: -32600, id }, text);
    assert.ok(got.kind === 'invalid' && got.error instanceof JsonRpcInvalidRequestError);
  }
});

test('a malformed response is an invalidResponse (never an answerable invalid message), with what is wrong', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['{"jsonrpc":"2.0","id":5,"result":1,"error":{"code":1,"message":"m"}}', 5, /never both/],
    ['{"jsonrpc":"2.0","id":5,"result":1,"error":null}', 5, /never both/],
    ['{"jsonrpc":"2.0","id":5,"error":{"code":"-32000","message":"m"}}', 5, /integer "code"/],
    ['{"jsonrpc":"2.0","id":5,"error":{"code":1.5,"message":"m"}}', 5, /integer "code"/],
    ['{"jsonrpc":"2.0","id":5,"error":{"code":1}}', 5, /string "message"/],
    ['{"jsonrpc":"2.0","id":5,"error":"bad"}', 5, /"error" must be an object/],
    ['{"jsonrpc":"1.0","id":"a","result":1}', 'a', /"jsonrpc" must be exactly "2.0"/],
    ['{"jsonrpc":"2.0","result":1}', null, /must have an "id"/],
    ['{"jsonrpc":"2.0","id":{"x":1},"result":1}', null, /"id" must be/],
    ['{"jsonrpc":"2.0","id":true,"error":{"code":1,"message":"m"}}', null, /"id" must be/],
  ];
  for (const [text, id, problem] of cases) {
    const got = parseMessage(text);
    assert.equal(got.kind, 'invalidResponse', text);
    if (got.kind !== 'invalidResponse') continue;
    assert.equal(got.id, id, text);
    assert.match(got.problem, problem, text);
    assert.deepEqual(got.value, JSON.parse(text));
  }
  // A JSON-RPC 1.0 answer breaks two rules: both are named.
  const jayson = parseMessage('{"id":7,"error":null,"result":3}');
  assert.ok(jayson.kind === 'invalidResponse');
  assert.equal(jayson.id, 7);
  assert.match(jayson.problem, /"jsonrpc" must be exactly "2.0"; a response has "result" or "error", never both/);
  // Inside a batch too, in place.
  const batch = parseMessage('[{"jsonrpc":"2.0","id":1,"result":1},{"id":2,"result":2},{"jsonrpc":"2.0","method":"n"}]');
  assert.ok(batch.kind === 'batch');
  assert.deepEqual(batch.messages.map((m) => m.kind), ['response', 'invalidResponse', 'notification']);
  // Encoding relays it as received.
  assert.equal(encodeMessage(jayson), '{"id":7,"error":null,"result":3}');
});

test('malformed JSON is one -32700 with id null', () => {
  for (const text of ['{"jsonrpc":"2.0","method":"foobar,"params":"bar","baz]', '', '{', '[1,2', 'nul']) {
    const got = parseMessage(text);
    assert.deepEqual(invalidReason(got), { code: -32700, id: null }, text);
    assert.ok(got.kind === 'invalid' && got.error instanceof JsonRpcParseError);
  }
});

test('a batch keeps every entry in order, invalid ones in place', () => {
  const got = parseMessage('[{"jsonrpc":"2.0","method":"a"},1,{"jsonrpc":"2.0","id":2,"method":"b"}]');
  assert.equal(got.kind, 'batch');
  if (got.kind !== 'batch') return;
  assert.deepEqual(got.messages.map((m) => m.kind), ['notification', 'invalid', 'request']);
  const one = parseMessage('[1]');
  assert.ok(one.kind === 'batch' && one.messages.length === 1 && one.messages[0].kind === 'invalid');
});

test('a "__proto__" member in params stays data and never reaches Object.prototype', () => {
  const got = parseMessage('{"jsonrpc":"2.0","id":1,"method":"m","params":{"__proto__":{"polluted":1}}}');
  assert.equal(got.kind, 'request');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  if (got.kind === 'request') assert.ok(Object.prototype.hasOwnProperty.call(got.params, '__proto__'));
});

test('encoders write the spec shape; undefined result is null; undefined params are left out', () => {
  assert.deepEqual(JSON.parse(encodeRequest(1, 'm')), { jsonrpc: '2.0', id: 1, method: 'm' });
  assert.deepEqual(JSON.parse(encodeNotification('n', [1])), { jsonrpc: '2.0', method: 'n', params: [1] });
  assert.deepEqual(JSON.parse(encodeResult('x', undefined)), { jsonrpc: '2.0', id: 'x', result: null });
  assert.deepEqual(JSON.parse(encodeError(null, new JsonRpcParseError())), {
    jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' },
  });
});

test('encodeRequest/encodeNotification refuse params that are not an array or an object', () => {
  for (const bad of [5, 'x', null, true]) {
    assert.throws(() => encodeRequest(1, 'm', bad as never), /params must be an array or an object/);
    assert.throws(() => encodeNotification('m', bad as never), /params must be an array or an object/);
  }
  assert.throws(() => encodeRequest(1, 'm', { toJSON: () => undefined } as never), /no JSON representation/);
  assert.throws(() => encodeRequest(1, 'm', [1n] as never), TypeError); // BigInt, as JSON.stringify says
});

// ---- property: any valid message survives encode -> parse unchanged -----------------------------

const jsonValue = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const id = fc.oneof(fc.integer(), fc.string({ unit: 'grapheme' }), fc.constant(null));
const method = fc.string({ unit: 'grapheme', maxLength: 20 });
const params = fc.option(
  fc.oneof(fc.array(jsonValue, { maxLength: 4 }), fc.dictionary(fc.string(), jsonValue, { maxKeys: 4 }).map((d) => JSON.parse(JSON.stringify(d)) as Record<string, unknown>)),
  { nil: undefined },
);
const single: fc.Arbitrary<JsonRpcSingleMessage> = fc.oneof(
  fc.record({ id, method, params }).map(({ id, method, params }) =>
    params === undefined ? { kind: 'request' as const, id, method } : { kind: 'request' as const, id, method, params }),
  fc.record({ method, params }).map(({ method, params }) =>
    params === undefined ? { kind: 'notification' as const, method } : { kind: 'notification' as const, method, params }),
  fc.record({ id, result: jsonValue }).map(({ id, result }) => ({ kind: 'response' as const, id, isSuccess: true as const, result })),
  fc.record({ id, code: fc.integer(), message: fc.string(), data: fc.option(jsonValue, { nil: undefined }) }).map(
    ({ id, code, message, data }) => ({
      kind: 'response' as const, id, isSuccess: false as const,
      error: data === undefined ? { code, message } : { code, message, data },
    })),
);
const message: fc.Arbitrary<JsonRpcMessage> = fc.oneof(
  single,
  fc.array(single, { minLength: 1, maxLength: 5 }).map((messages) => ({ kind: 'batch' as const, messages })),
);

test('property: encodeRequest/encodeNotification write exactly what JSON.stringify of the object writes', () => {
  fc.assert(
    fc.property(id, method, params, (id, method, params) => {
      const request = params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
      const notification = params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
      assert.equal(encodeRequest(id, method, params), JSON.stringify(request));
      assert.equal(encodeNotification(method, params), JSON.stringify(notification));
    }),
    { numRuns: 500 },
  );
});

test('property: any valid message survives encode -> parse unchanged', () => {
  fc.assert(
    fc.property(message, (m) => {
      assert.deepEqual(parseMessage(encodeMessage(m)), m);
    }),
    { numRuns: 500 },
  );
});

// ---- property: anything that looks like a response is a response or an invalid response --------

test('property: a response-like object parses as a response when valid, else as an invalidResponse with its id', () => {
  fc.assert(
    fc.property(responseLike, (value) => {
      const got = parseMessage(JSON.stringify(value));
      assert.equal(got.kind, isValidResponse(value) ? 'response' : 'invalidResponse');
      if (got.kind === 'invalidResponse') {
        const id = value.id;
        const expectedId = typeof id === 'string' || typeof id === 'number' || id === null ? id : null;
        assert.equal(got.id, expectedId);
        assert.ok(got.problem.length > 0);
        assert.deepEqual(got.value, value);
      }
      const inBatch = parseMessage(JSON.stringify([value, value]));
      assert.ok(inBatch.kind === 'batch');
      assert.deepEqual(inBatch.messages.map((m) => m.kind), [got.kind, got.kind]);
    }),
    { numRuns: 1000 },
  );
});
