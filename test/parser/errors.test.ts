import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  JsonRpcApplicationError,
  JsonRpcException,
  JsonRpcInternalError,
  JsonRpcInvalidParamsError,
  JsonRpcInvalidRequestError,
  JsonRpcMethodNotFoundError,
  JsonRpcParseError,
  JsonRpcRequestCancelledError,
  JsonRpcReservedError,
  JsonRpcServerOverloadedError,
} from '../../src/parser/errors.js';

test('each spec code comes back from fromError as its own class, with the spec message by default', () => {
  const cases = [
    [JsonRpcParseError, -32700, 'Parse error'],
    [JsonRpcInvalidRequestError, -32600, 'Invalid Request'],
    [JsonRpcMethodNotFoundError, -32601, 'Method not found'],
    [JsonRpcInvalidParamsError, -32602, 'Invalid params'],
    [JsonRpcInternalError, -32603, 'Internal error'],
    [JsonRpcRequestCancelledError, -32800, 'Request cancelled'],
    [JsonRpcServerOverloadedError, -32001, 'Server overloaded'],
  ] as const;
  for (const [cls, code, message] of cases) {
    const made = new cls();
    assert.equal(made.code, code);
    assert.equal(made.message, message);
    assert.ok(made instanceof JsonRpcException && made instanceof Error);
    const back = JsonRpcException.fromError({ code, message: 'from the wire', data: { n: 1 } });
    assert.ok(back instanceof cls, `${code} should map to ${cls.name}`);
    assert.equal(back.message, 'from the wire');
    assert.deepEqual(back.data, { n: 1 });
    assert.equal(back.name, cls.name);
  }
});

test('unregistered codes map to the reserved or the application class by range', () => {
  const reserved = JsonRpcException.fromError({ code: -32050, message: 'busy' });
  assert.ok(reserved instanceof JsonRpcReservedError);
  assert.equal(reserved.code, -32050);
  const app = JsonRpcException.fromError({ code: 42, message: 'answer', data: [1] });
  assert.ok(app instanceof JsonRpcApplicationError);
  assert.equal(app.code, 42);
  assert.deepEqual(app.data, [1]);
  // The edges of the reserved range.
  assert.ok(JsonRpcException.fromError({ code: -32768, message: '' }) instanceof JsonRpcReservedError);
  assert.ok(JsonRpcException.fromError({ code: -32769, message: '' }) instanceof JsonRpcApplicationError);
  assert.ok(JsonRpcException.fromError({ code: -31999, message: '' }) instanceof JsonRpcApplicationError);
});

test('a user class with static code and message is registered once and comes back from fromError', () => {
  class InsufficientFundsError extends JsonRpcException {
    static override readonly code = 1001;
    static override readonly defaultMessage = 'Insufficient funds';
  }
  JsonRpcException.register(InsufficientFundsError);
  try {
    const thrown = new InsufficientFundsError(undefined, { balance: 3 });
    assert.equal(thrown.code, 1001);
    assert.equal(thrown.message, 'Insufficient funds');
    assert.deepEqual(thrown.toJSON(), { code: 1001, message: 'Insufficient funds', data: { balance: 3 } });
    const back = JsonRpcException.fromError(thrown.toJSON());
    assert.ok(back instanceof InsufficientFundsError);
    assert.deepEqual(back.data, { balance: 3 });
    assert.equal(back.name, 'InsufficientFundsError');

    class Clash extends JsonRpcException {
      static override readonly code = 1001;
      static override readonly defaultMessage = 'Clash';
    }
    assert.throws(() => JsonRpcException.register(Clash), /already registered to InsufficientFundsError/);
    class ParseClash extends JsonRpcException {
      static override readonly code = -32700;
      static override readonly defaultMessage = 'Mine';
    }
    assert.throws(() => JsonRpcException.register(ParseClash), /already registered to JsonRpcParseError/);
    JsonRpcException.register(InsufficientFundsError); // registering the same class again is harmless
  } finally {
    assert.equal(JsonRpcException.unregister(InsufficientFundsError), true);
  }
  assert.ok(JsonRpcException.fromError({ code: 1001, message: 'x' }) instanceof JsonRpcApplicationError);
});

test('toJSON is the wire form: no stack, no cause, data only when set', () => {
  const err = new JsonRpcInternalError('boom', undefined);
  assert.deepEqual(JSON.parse(JSON.stringify(err)), { code: -32603, message: 'boom' });
  const withData = new JsonRpcApplicationError(7, 'seven', null);
  assert.deepEqual(JSON.parse(JSON.stringify(withData)), { code: 7, message: 'seven', data: null });
});

test('constructors refuse codes that do not fit', () => {
  assert.throws(() => new JsonRpcApplicationError(-32600, 'x'), RangeError);
  assert.throws(() => new JsonRpcReservedError(5, 'x'), RangeError);
  assert.throws(() => new JsonRpcApplicationError(1.5, 'x'), /integer/);
  assert.throws(() => new JsonRpcException(), /has no static code/);
  const generic = new JsonRpcException(12, 'twelve');
  assert.equal(generic.code, 12);
  class NoCode extends JsonRpcException {}
  assert.throws(() => JsonRpcException.register(NoCode as never), /integer `static readonly code`/);
});
