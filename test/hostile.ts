/**
 * Values a careless or hostile handler may throw, reject with or return: proxies whose traps throw,
 * revoked proxies, getters that throw, symbols, cycles. Each comes as a named factory, so fast-check
 * prints the name of a failing case instead of trying to print the value (which may itself throw).
 */
import fc from 'fast-check';
import { JsonRpcException, JsonRpcInvalidParamsError } from '../src/parser/errors.js';

export interface HostileValue {
  readonly name: string;
  readonly make: () => unknown;
  /** The code a server answers when a handler throws it: -32603 unless it is a real JsonRpcException. */
  readonly code: number;
}

const boom = (): never => {
  throw new Error('a trap or getter threw');
};

/** A proxy every one of whose traps throws (what it throws is itself hostile). */
function trapsThrow(target: object, thrown: () => unknown = () => revoked()): object {
  const handler: ProxyHandler<object> = {};
  for (const trap of [
    'get', 'set', 'has', 'deleteProperty', 'ownKeys', 'getOwnPropertyDescriptor', 'defineProperty',
    'getPrototypeOf', 'setPrototypeOf', 'isExtensible', 'preventExtensions', 'apply', 'construct',
  ] as const) {
    handler[trap] = () => {
      throw thrown();
    };
  }
  return new Proxy(target, handler);
}

function revoked(target: object = {}): object {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

/** An object whose named members throw when read. */
function throwingGetters(base: object, names: readonly (string | symbol)[]): object {
  for (const name of names) Object.defineProperty(base, name, { get: boom, configurable: true });
  return base;
}

function cyclic(): object {
  const a: Record<string, unknown> = { message: 'cyclic' };
  a.self = a;
  return a;
}

export const HOSTILE_VALUES: readonly HostileValue[] = [
  { name: 'a Proxy whose traps throw', make: () => trapsThrow({}), code: -32603 },
  { name: 'a Proxy whose traps throw Errors', make: () => trapsThrow({}, () => new Error('trap')), code: -32603 },
  { name: 'a function Proxy whose traps throw', make: () => trapsThrow(() => undefined), code: -32603 },
  { name: 'a revoked Proxy', make: () => revoked(), code: -32603 },
  { name: 'a revoked function Proxy', make: () => revoked(() => undefined), code: -32603 },
  { name: 'a Proxy of a real JsonRpcException', make: () => trapsThrow(new JsonRpcInvalidParamsError()), code: -32603 },
  { name: 'a transparent Proxy of a real JsonRpcException', make: () => new Proxy(new JsonRpcInvalidParamsError(), {}), code: -32603 },
  { name: 'a revoked Proxy of a real JsonRpcException', make: () => revoked(new JsonRpcInvalidParamsError()), code: -32603 },
  {
    name: 'an object with throwing message, code, name, stack, toJSON, then, toString, valueOf, Symbol.toPrimitive',
    make: () =>
      throwingGetters({}, ['message', 'code', 'name', 'stack', 'toJSON', 'then', 'toString', 'valueOf', Symbol.toPrimitive]),
    code: -32603,
  },
  { name: 'an object whose then getter throws', make: () => throwingGetters({}, ['then']), code: -32603 },
  { name: 'an object whose toJSON getter throws', make: () => throwingGetters({}, ['toJSON']), code: -32603 },
  {
    name: 'an Error whose message, name and stack getters throw',
    // stack first: redefining it formats the trace, which reads the message
    make: () => throwingGetters(new Error('x'), ['stack', 'message', 'name', 'toString']),
    code: -32603,
  },
  { name: 'an object made from JsonRpcException.prototype', make: () => Object.create(JsonRpcException.prototype), code: -32603 },
  { name: 'an object with a null prototype', make: () => Object.create(null), code: -32603 },
  { name: 'Symbol()', make: () => Symbol(), code: -32603 },
  { name: "Symbol('x')", make: () => Symbol('x'), code: -32603 },
  { name: 'a cyclic object', make: cyclic, code: -32603 },
  {
    name: 'a cyclic Error',
    make: () => {
      const e = new Error('cyclic') as Error & { self?: unknown };
      e.self = e;
      e.cause = e;
      return e;
    },
    code: -32603,
  },
  { name: 'a BigInt', make: () => 10n, code: -32603 },
  { name: 'undefined', make: () => undefined, code: -32603 },
  { name: 'null', make: () => null, code: -32603 },
  { name: 'a string', make: () => 'thrown string', code: -32603 },
  { name: 'NaN', make: () => NaN, code: -32603 },
  { name: 'a function', make: () => () => undefined, code: -32603 },
  { name: 'a real JsonRpcException', make: () => new JsonRpcInvalidParamsError(), code: -32602 },
  { name: 'a real JsonRpcException with a BigInt as data', make: () => new JsonRpcException(7, 'seven', 10n), code: -32603 },
  { name: 'a real JsonRpcException with cyclic data', make: () => new JsonRpcException(7, 'seven', cyclic()), code: -32603 },
  {
    name: 'a real JsonRpcException with a Proxy whose traps throw as data',
    make: () => new JsonRpcException(7, 'seven', trapsThrow({})),
    code: -32603,
  },
  {
    name: 'a real JsonRpcException whose toJSON throws',
    make: () => Object.assign(new JsonRpcException(7, 'seven'), { toJSON: boom }),
    code: -32603,
  },
  {
    name: 'a real JsonRpcException whose toJSON returns no valid error object',
    make: () => Object.assign(new JsonRpcException(7, 'seven'), { toJSON: () => ({ code: 'x' }) }),
    code: -32603,
  },
];

export const hostileValue: fc.Arbitrary<HostileValue> = fc.constantFrom(...HOSTILE_VALUES);

/**
 * An error class for `code` whose constructor reads its data, as the example did
 * (`this.balance = data.balance`): it throws when an error of that code comes without data.
 */
export function classReadingItsData(code: number) {
  return class InsufficientFundsError extends JsonRpcException {
    static override readonly code = code;
    static override readonly defaultMessage = 'Insufficient funds';
    readonly balance: number;
    constructor(message?: string, data?: unknown) {
      super(message, data);
      this.balance = (data as { balance: number }).balance;
    }
  };
}

/** How a handler delivers the value: thrown, a rejected promise, or a thenable that rejects or throws. */
export type Delivery = 'throw' | 'reject' | 'thenable rejects' | 'thenable throws' | 'promise with a throwing constructor';
export const delivery: fc.Arbitrary<Delivery> = fc.constantFrom<Delivery>(
  'throw',
  'reject',
  'thenable rejects',
  'thenable throws',
  'promise with a throwing constructor',
);

/** A handler that delivers `value` as `how` says. */
export function handlerDelivering(value: HostileValue, how: Delivery): () => unknown {
  return () => {
    const made = value.make();
    switch (how) {
      case 'throw':
        throw made;
      case 'reject':
        return Promise.reject(made);
      case 'thenable rejects':
        return { then: (_: unknown, reject: (e: unknown) => void) => reject(made) };
      case 'thenable throws':
        return {
          then: () => {
            throw made;
          },
        };
      case 'promise with a throwing constructor': {
        // Awaiting or subscribing to a promise reads its constructor (species), which throws here.
        // It resolves: a rejection could not be observed by anyone, the library included.
        const promise = Promise.resolve('never seen');
        Object.defineProperty(promise, 'constructor', {
          get() {
            throw made;
          },
        });
        return promise;
      }
    }
  };
}
