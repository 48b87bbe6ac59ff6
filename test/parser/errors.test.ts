import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
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
  type JsonRpcExceptionClass,
} from '../../src/parser/errors.js';
import { classReadingItsData, HOSTILE_VALUES, hostileValue } from '../hostile.js';

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

// ---------------------------------------------------------------------------------------------------
// fromError() runs the constructor of a class the user registered: whatever it does, fromError
// returns an exception carrying the wire's code, message and data.

/** Registers `cls` for the length of `run`. */
function withRegistered<T>(cls: JsonRpcExceptionClass, run: () => T): T {
  JsonRpcException.register(cls);
  try {
    return run();
  } finally {
    JsonRpcException.unregister(cls);
  }
}

test('a registered class whose constructor reads its data gives the generic class, with the failure as cause, when data is missing', () => {
  const InsufficientFundsError = classReadingItsData(1001);
  withRegistered(InsufficientFundsError, () => {
    const withData = JsonRpcException.fromError({ code: 1001, message: 'short', data: { balance: 3 } });
    assert.ok(withData instanceof InsufficientFundsError);
    assert.equal(withData.balance, 3);

    const without = JsonRpcException.fromError({ code: 1001, message: 'short' });
    assert.ok(without instanceof JsonRpcApplicationError);
    assert.ok(!(without instanceof InsufficientFundsError));
    assert.deepEqual([without.code, without.message, without.data], [1001, 'short', undefined]);
    assert.ok((without as { cause?: unknown }).cause instanceof TypeError);
    assert.deepEqual(without.toJSON(), { code: 1001, message: 'short' }, 'the cause never reaches the wire');
  });
});

test('the wire message and data reach the instance whatever the constructor signature', () => {
  class DataFirst extends JsonRpcException {
    static override readonly code = 1002;
    static override readonly defaultMessage = 'Data first';
    constructor(data?: unknown) {
      super(undefined, data);
    }
  }
  class NoArguments extends JsonRpcException {
    static override readonly code = 1003;
    static override readonly defaultMessage = 'No arguments';
    constructor() {
      super('always this', { always: true });
    }
  }
  for (const cls of [DataFirst, NoArguments] as unknown as JsonRpcExceptionClass[]) {
    withRegistered(cls, () => {
      const back = JsonRpcException.fromError({ code: cls.code, message: 'from the wire', data: { n: 1 } });
      assert.ok(back instanceof cls);
      assert.deepEqual([back.code, back.message, back.data], [cls.code, 'from the wire', { n: 1 }]);
      assert.deepEqual(back.toJSON(), { code: cls.code, message: 'from the wire', data: { n: 1 } });
    });
  }
});

/** What a generated constructor does. `constructs` says whether fromError may keep the instance. */
interface Behaviour {
  readonly name: string;
  readonly constructs: boolean;
  readonly body: (self: JsonRpcException, message?: string, data?: unknown) => unknown;
}

const thrownValue = fc.oneof(hostileValue.map((v) => v.make), fc.constant(() => new Error('constructor failed')));
const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  fc.constant<Behaviour>({ name: 'keeps its arguments', constructs: true, body: () => undefined }),
  fc.constant<Behaviour>({
    name: 'reads data.x',
    constructs: true, // when data is missing this throws: `constructs` is refined by the property
    body: (_self, _message, data) => (data as { x: unknown }).x,
  }),
  thrownValue.map<Behaviour>((make) => ({
    name: 'throws',
    constructs: false,
    body: () => {
      throw make();
    },
  })),
  fc.constantFrom<Behaviour>(
    { name: 'returns a plain object', constructs: false, body: () => ({ code: 1, message: 'fake' }) },
    { name: 'returns a Proxy of itself', constructs: false, body: (self) => new Proxy(self, {}) },
    { name: 'returns a Proxy whose traps throw', constructs: false, body: () => HOSTILE_VALUES[0]!.make() },
    { name: 'returns a revoked Proxy', constructs: false, body: () => HOSTILE_VALUES[3]!.make() },
    { name: 'returns another exception class', constructs: false, body: () => new JsonRpcInvalidParamsError() },
    { name: 'freezes itself', constructs: false, body: (self) => void Object.freeze(self) },
    {
      name: 'defines a fixed data getter',
      constructs: false,
      body: (self) => void Object.defineProperty(self, 'data', { get: () => 'mine', configurable: false }),
    },
    {
      name: 'defines a fixed message',
      constructs: false,
      body: (self) => void Object.defineProperty(self, 'message', { value: 'mine', writable: false, configurable: false }),
    },
  ),
);

test('property: fromError never throws, and gives the wire members on the user class or the generic one', () => {
  fc.assert(
    fc.property(
      behaviour,
      fc.constantFrom(1001, -32050),
      fc.string(),
      fc.option(fc.jsonValue(), { nil: undefined }),
      (how, code, message, data) => {
        class Generated extends JsonRpcException {
          static override readonly code = code;
          static override readonly defaultMessage = 'Generated';
          constructor(m?: string, d?: unknown) {
            super(m, d);
            const replaced = how.body(this, m, d);
            // A derived constructor may return only an object (or nothing).
            if (typeof replaced === 'object' && replaced !== null) return replaced as Generated;
          }
        }
        withRegistered(Generated, () => {
          const back = JsonRpcException.fromError(data === undefined ? { code, message } : { code, message, data });
          assert.ok(back instanceof JsonRpcException);
          assert.deepEqual([back.code, back.message, back.data], [code, message, data]);
          // Compared as text: JSON has no -0, which fc.jsonValue() may give.
          assert.equal(JSON.stringify(back), JSON.stringify(data === undefined ? { code, message } : { code, message, data }));
          const constructs = how.constructs && (how.name !== 'reads data.x' || (data !== undefined && data !== null));
          if (constructs) {
            assert.ok(back instanceof Generated, `${how.name}: expected the user class`);
            assert.ok(!('cause' in back));
          } else {
            assert.ok(!(back instanceof Generated), `${how.name}: expected the generic class`);
            assert.ok(back instanceof (code === -32050 ? JsonRpcReservedError : JsonRpcApplicationError));
            assert.ok('cause' in back, `${how.name}: the failure is reported as cause`);
          }
        });
      },
    ),
  );
});

test('register() reads a class once and refuses, clearly, what it cannot register', () => {
  let reads = 0;
  class Shifty extends JsonRpcException {
    static override get code(): number {
      reads++;
      return 1000 + reads; // a different code at every read
    }
    static override readonly defaultMessage = 'Shifty';
  }
  JsonRpcException.register(Shifty);
  assert.equal(reads, 1);
  assert.equal(JsonRpcException.classFor(1001), Shifty);
  assert.equal(JsonRpcException.unregister(Shifty), true, 'unregister finds it whatever its code says now');
  assert.equal(JsonRpcException.classFor(1001), undefined);
  assert.equal(JsonRpcException.unregister(Shifty), false);

  class Throwing extends JsonRpcException {
    static override get code(): number {
      throw new Error('no code for you');
    }
  }
  assert.throws(() => JsonRpcException.register(Throwing), (err: Error) => {
    assert.ok(err instanceof TypeError);
    assert.match(err.message, /could not read the code and name/);
    assert.match(String((err.cause as Error).message), /no code for you/);
    return true;
  });
  class NotAnException extends Error {
    static readonly code = 1005;
    static readonly defaultMessage = 'Not one';
  }
  assert.throws(() => JsonRpcException.register(NotAnException as never), /NotAnException must extend JsonRpcException/);
  assert.throws(() => JsonRpcException.register(HOSTILE_VALUES[2]!.make() as never), TypeError);
  assert.throws(() => JsonRpcException.register(HOSTILE_VALUES[4]!.make() as never), TypeError);
});

test('instanceof JsonRpcException never throws and is true only for instances its constructor built', () => {
  for (const value of HOSTILE_VALUES) {
    const made = value.make();
    const expected = value.code !== -32603 || value.name.startsWith('a real JsonRpcException');
    assert.equal(made instanceof JsonRpcException, expected, value.name);
    assert.equal(made instanceof JsonRpcInvalidParamsError, value.code === -32602, value.name);
  }
  class Mine extends JsonRpcException {
    static override readonly code = 1;
  }
  assert.ok(new Mine() instanceof Mine);
  assert.ok(new Mine() instanceof JsonRpcException);
  assert.ok(!(new JsonRpcInternalError() instanceof Mine));
  assert.ok(!(Object.create(Mine.prototype) instanceof Mine));
});
