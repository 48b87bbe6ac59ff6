/**
 * Which members `new Dispatcher(object)` and `addMethods(object)` serve: a plain object's own
 * enumerable functions; a class instance's methods of its own class declarations, never a built-in
 * or library base class's (an EventEmitter's `removeAllListeners`, a Map's `clear`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { Dispatcher, handle } from '../../src/dispatch/index.js';
import { parse } from './helpers.js';

const call = async (d: Dispatcher, method: string): Promise<{ result?: unknown; error?: { code: number } }> =>
  parse(await handle(JSON.stringify({ jsonrpc: '2.0', id: 1, method }), d)) as { result?: unknown; error?: { code: number } };

/** Built-in and library bases, each with a way to make an instance of a subclass. */
const BASES: ReadonlyArray<{ name: string; base: abstract new (...args: never[]) => object; make: (cls: new () => object) => object }> = [
  { name: 'Object', base: Object, make: (cls) => new cls() },
  { name: 'EventEmitter', base: EventEmitter, make: (cls) => new cls() },
  { name: 'Map', base: Map, make: (cls) => new cls() },
  { name: 'Set', base: Set, make: (cls) => new cls() },
  { name: 'Array', base: Array, make: (cls) => new cls() },
  { name: 'Error', base: Error, make: (cls) => new cls() },
  { name: 'Promise', base: Promise, make: (cls) => new (cls as unknown as new (run: () => void) => object)(() => undefined) },
  { name: 'EventTarget', base: EventTarget, make: (cls) => new cls() },
  { name: 'AbortController', base: AbortController, make: (cls) => new cls() },
  { name: 'Readable', base: Readable, make: (cls) => new cls() },
  { name: 'Date', base: Date, make: (cls) => new cls() },
  { name: 'RegExp', base: RegExp, make: (cls) => new cls() },
  { name: 'Uint8Array', base: Uint8Array, make: (cls) => new cls() },
];

test('a subclass of a built-in or library class serves only its own methods', async () => {
  for (const { name, base, make } of BASES) {
    const Service = class extends (base as new () => object) {
      ping(): string {
        return 'pong';
      }
    };
    const d = new Dispatcher(make(Service) as never);
    assert.deepEqual(d.names(), ['ping'], `a subclass of ${name}`);
    assert.deepEqual((await call(d, 'ping')).result, 'pong');
  }
});

test('the attacks of the issue: a Map subclass and an EventEmitter subclass keep their internals', async () => {
  class Store extends Map<string, string> {
    lookup(key: string): string | undefined {
      return this.get(key);
    }
  }
  const store = new Store([['secret', 'hunter2']]);
  const d = new Dispatcher(store as never);
  for (const method of ['get', 'clear', 'set', 'delete', 'entries', 'forEach']) {
    assert.equal((await call(d, method)).error?.code, -32601, method);
  }
  assert.equal(store.get('secret'), 'hunter2');

  class Service extends EventEmitter {
    status(): string {
      return 'up';
    }
  }
  const service = new Service();
  let heard = 0;
  service.on('x', () => heard++);
  const e = new Dispatcher().addMethods(service, { prefix: 'svc.' });
  assert.deepEqual(e.names(), ['svc.status']);
  for (const method of ['removeAllListeners', 'emit', 'on', 'setMaxListeners', 'listeners']) {
    assert.equal((await call(e, `svc.${method}`)).error?.code, -32601, method);
  }
  service.emit('x');
  assert.equal(heard, 1, 'the listeners survive');
});

test("a user base class's methods are served, nearest first; getters, symbols and constructor are not", () => {
  let getterCalls = 0;
  class Base {
    base(): string {
      return 'base';
    }
    shared(): string {
      return 'base shared';
    }
  }
  class Middle extends Base {
    middle(): string {
      return 'middle';
    }
    override shared(): string {
      return 'middle shared';
    }
    get computed(): number {
      getterCalls++;
      return 1;
    }
    [Symbol.iterator](): Iterator<number> {
      return [][Symbol.iterator]();
    }
  }
  class Leaf extends Middle {
    field = (): string => 'field';
    leaf(): string {
      return 'leaf';
    }
  }
  const d = new Dispatcher(new Leaf() as never);
  assert.deepEqual(d.names(), ['field', 'leaf', 'middle', 'shared', 'base']);
  assert.equal(d.get('shared')?.(), 'middle shared');
  assert.equal(getterCalls, 0);
  assert.ok(!d.has('constructor') && !d.has('computed'));
});

test('a plain object gives its own enumerable functions only', () => {
  const source = { visible: () => 1, value: 3 } as Record<string | symbol, unknown>;
  Object.defineProperty(source, 'hidden', { value: () => 2, enumerable: false });
  Object.defineProperty(source, 'lazy', { get: () => assert.fail('a getter must never be called'), enumerable: true });
  source[Symbol('sym')] = () => 4;
  assert.deepEqual(new Dispatcher().addMethods(source).names(), ['visible']);
  const inherited = Object.assign(Object.create({ fromPrototype: () => 5 }) as object, { own: () => 6 });
  assert.deepEqual(new Dispatcher().addMethods(inherited).names(), ['own'], 'a prototype that is no class prototype is not searched');
  const bare = Object.assign(Object.create(null) as object, { bare: () => 7 });
  assert.deepEqual(new Dispatcher().addMethods(bare).names(), ['bare']);
});

test('stopAt ends the collection at a library class written with `class`', () => {
  class LibraryBase {
    internal(): string {
      return 'internal';
    }
  }
  class Grand extends LibraryBase {
    grand(): string {
      return 'grand';
    }
  }
  class Service extends Grand {
    mine(): string {
      return 'mine';
    }
  }
  assert.deepEqual(new Dispatcher().addMethods(new Service()).names(), ['mine', 'grand', 'internal']);
  assert.deepEqual(new Dispatcher().addMethods(new Service(), { stopAt: LibraryBase }).names(), ['mine', 'grand']);
  assert.deepEqual(new Dispatcher().addMethods(new Service(), { stopAt: [Grand, LibraryBase] }).names(), ['mine']);
  assert.throws(() => new Dispatcher().addMethods(new Service(), { stopAt: ['Grand'] as never }), /stopAt takes classes/);
});

test('ES5-style constructors end the collection; list their methods with `methods`', () => {
  function Legacy(this: object): void {}
  Legacy.prototype.old = function old(): string {
    return 'old';
  };
  const legacy = new (Legacy as unknown as new () => { old(): string })();
  assert.deepEqual(new Dispatcher().addMethods(legacy).names(), []);
  assert.deepEqual(new Dispatcher().addMethods(legacy, { methods: ['old'] }).names(), ['old']);
});

test('methods: exactly the names listed, found anywhere on the chain, bound; anything else throws and registers nothing', () => {
  class Service extends EventEmitter {
    status(): string {
      return 'up';
    }
    other(): string {
      return 'other';
    }
    get accessor(): number {
      return assert.fail('never called');
    }
  }
  const service = new Service();
  const d = new Dispatcher().addMethods(service, { methods: ['status', 'emit'], prefix: 's.' });
  assert.deepEqual(d.names(), ['s.status', 's.emit']);
  let heard = 0;
  service.on('x', () => heard++);
  d.get('s.emit')?.('x');
  assert.equal(heard, 1, 'bound to the source');

  const e = new Dispatcher();
  assert.throws(() => e.addMethods(service, { methods: ['status', 'missing'] }), /'missing' is not a member/);
  assert.throws(() => e.addMethods(service, { methods: ['accessor'] }), /'accessor' is an accessor/);
  assert.throws(() => e.addMethods({ n: 1 }, { methods: ['n'] }), /'n' is not a function/);
  assert.throws(() => e.addMethods(service, { methods: 'status' as never }), /must be an array/);
  assert.deepEqual(e.names(), [], 'nothing registered');
});

// A random class hierarchy: user classes with random method names on top of a random base.
const methodName = fc.constantFrom('a', 'b', 'c', 'get', 'set', 'on', 'emit', 'clear', 'toString', 'then', 'push', 'constructor');
const userLayer = fc.record({
  methods: fc.uniqueArray(methodName, { maxLength: 4 }),
  getter: fc.option(methodName, { nil: undefined }),
  symbol: fc.boolean(),
});

test('property: the served names are exactly the user-declared methods, nearest first, whatever the base', () => {
  fc.assert(
    fc.property(fc.constantFrom(...BASES), fc.array(userLayer, { minLength: 1, maxLength: 4 }), (base, layers) => {
      let cls = base.base as new () => object;
      for (const layer of layers) {
        // A `class` declaration, with its methods defined as class syntax defines them.
        const next = class extends cls {};
        for (const name of layer.methods) {
          if (name === 'constructor') continue; // a class's constructor slot is the class itself
          Object.defineProperty(next.prototype, name, { value: () => name, writable: true, configurable: true, enumerable: false });
        }
        if (layer.getter !== undefined && layer.getter !== 'constructor' && !layer.methods.includes(layer.getter)) {
          Object.defineProperty(next.prototype, layer.getter, { get: () => assert.fail('getter called'), configurable: true });
        }
        if (layer.symbol) Object.defineProperty(next.prototype, Symbol('m'), { value: () => 'symbol', configurable: true });
        cls = next;
      }
      const expected: string[] = [];
      const hidden = new Set<string>();
      for (const layer of [...layers].reverse()) {
        for (const name of layer.methods) {
          if (name === 'constructor' || hidden.has(name)) continue;
          hidden.add(name);
          expected.push(name);
        }
        if (layer.getter !== undefined) hidden.add(layer.getter);
      }
      const d = new Dispatcher(base.make(cls) as never);
      assert.deepEqual(d.names(), expected);
      for (const name of d.names()) assert.equal(d.get(name)?.(), name);
    }),
  );
});
