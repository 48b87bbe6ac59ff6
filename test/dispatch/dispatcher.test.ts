import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  JsonRpcApplicationError,
  JsonRpcException,
  JsonRpcInvalidParamsError,
  JsonRpcMethodNotFoundError,
  JsonRpcRequestCancelledError,
} from '../../src/parser/errors.js';
import { Dispatcher, handle, type DispatchContext } from '../../src/dispatch/index.js';
import { parse } from './helpers.js';

function ctx(method = 'm', id: DispatchContext['id'] = 1, signal = new AbortController().signal): DispatchContext {
  return { id, method, signal };
}

async function errorOf(text: string, dispatcher: Dispatcher): Promise<{ code: number; message: string; data?: unknown }> {
  const response = parse(await handle(text, dispatcher)) as { error?: { code: number; message: string; data?: unknown } };
  assert.ok(response.error, `expected an error response, got ${JSON.stringify(response)}`);
  return response.error;
}

// ---- registration ---------------------------------------------------------------------------------

test('add/has/get/remove/names', () => {
  const add = (a: number, b: number): number => a + b;
  const d = new Dispatcher().add('add', add);
  assert.equal(d.has('add'), true);
  assert.equal(d.has('sub'), false);
  assert.equal(d.get('add'), add);
  assert.equal(d.get('sub'), undefined);
  assert.deepEqual(d.names(), ['add']);
  assert.equal(d.remove('add'), true);
  assert.equal(d.remove('add'), false);
  assert.equal(d.has('add'), false);
});

test('registering a name twice throws and keeps the first handler', () => {
  const first = (): number => 1;
  const d = new Dispatcher().add('m', first);
  assert.throws(() => d.add('m', () => 2), /already registered; call remove\('m'\) first/);
  assert.equal(d.get('m'), first);
});

test('a handler that is not a function, or a bad arity, is refused', () => {
  const d = new Dispatcher();
  assert.throws(() => d.add('m', 42 as unknown as () => void), TypeError);
  assert.throws(() => d.add('m', () => 1, { params: 'positional', arity: -1 }), RangeError);
  assert.throws(() => d.add('m', () => 1, { params: 'positional', arity: 1.5 }), RangeError);
  assert.throws(() => d.add('m', () => 1, { params: 'positional', arity: 1, minArity: 2 }), RangeError);
  assert.throws(() => d.add('m', () => 1, { params: 'bogus' } as never), /Unknown params shape "bogus"/);
  assert.equal(d.has('m'), false);
});

test('rpc.* names are refused unless allowReserved', async () => {
  const d = new Dispatcher();
  assert.throws(() => d.add('rpc.discover', () => 1), /reserved by JSON-RPC 2.0.*allowReserved: true/);
  assert.throws(() => d.addMethods({ discover: () => 1 }, { prefix: 'rpc.' }), /reserved/);
  assert.equal(d.has('rpc.discover'), false);
  d.add('rpc.discover', () => 'ok', { allowReserved: true });
  d.addMethods({ other: () => 1 }, { prefix: 'rpc.', allowReserved: true });
  assert.deepEqual(d.names(), ['rpc.discover', 'rpc.other']);
  assert.deepEqual(parse(await handle('{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}', d)), {
    jsonrpc: '2.0', id: 1, result: 'ok',
  });
  // 'rpcx' and 'RPC.x' are not reserved.
  d.add('rpcx', () => 1).add('RPC.x', () => 1);
});

test('the constructor mapping registers its members', async () => {
  const d = new Dispatcher({ add: (a: number, b: number) => a + b, neg: (a: number) => -a });
  assert.deepEqual(d.names().sort(), ['add', 'neg']);
  assert.deepEqual(parse(await handle('{"jsonrpc":"2.0","id":1,"method":"add","params":[2,3]}', d)), {
    jsonrpc: '2.0', id: 1, result: 5,
  });
});

test('addMethods takes own and class methods (bound), under a prefix, never Object.prototype members', async () => {
  class Base {
    base(): string {
      return 'base';
    }
  }
  class Calculator extends Base {
    offset = 10;
    arrow = (x: number): number => x + this.offset;
    add(a: number, b: number): number {
      return a + b + this.offset;
    }
    get expensive(): number {
      throw new Error('a getter must never be called by addMethods');
    }
    static create(): Calculator {
      return new Calculator();
    }
  }
  const d = new Dispatcher().addMethods(new Calculator(), { prefix: 'math.' });
  assert.deepEqual(d.names().sort(), ['math.add', 'math.arrow', 'math.base']);
  assert.deepEqual(parse(await handle('{"jsonrpc":"2.0","id":1,"method":"math.add","params":[1,2]}', d)), {
    jsonrpc: '2.0', id: 1, result: 13,
  });
  // Static methods when the class itself is the source; Function.prototype's call/apply/bind are not taken.
  const s = new Dispatcher().addMethods(Calculator);
  assert.deepEqual(s.names(), ['create']);
  // A plain object: only its own members.
  const p = new Dispatcher().addMethods({ ping: () => 'pong', value: 3 });
  assert.deepEqual(p.names(), ['ping']);
});

test('addMethods: an own data property hides a class method; a clash registers nothing', () => {
  class Service {
    hidden(): number {
      return 1;
    }
    kept(): number {
      return 2;
    }
  }
  const instance = Object.assign(new Service(), { hidden: 'not a function' });
  assert.deepEqual(new Dispatcher().addMethods(instance).names(), ['kept']);

  const d = new Dispatcher().add('b', () => 0);
  assert.throws(() => d.addMethods({ a: () => 1, b: () => 2 }), /'b' is already registered/);
  assert.deepEqual(d.names(), ['b'], 'a must not have been registered');
});

test('an explicit "constructor" member of a mapping is registered; a class constructor is not', async () => {
  const d = new Dispatcher({ constructor: () => 'explicit' });
  assert.deepEqual(d.names(), ['constructor']);
  assert.deepEqual(parse(await handle('{"jsonrpc":"2.0","id":1,"method":"constructor"}', d)), {
    jsonrpc: '2.0', id: 1, result: 'explicit',
  });
});

// ---- safety ---------------------------------------------------------------------------------------

test('Object.prototype names are not methods unless registered', async () => {
  const d = new Dispatcher({ echo: (x: unknown) => x });
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
    const error = await errorOf(JSON.stringify({ jsonrpc: '2.0', id: 1, method: name }), d);
    assert.equal(error.code, -32601, name);
    assert.equal(error.message, 'Method not found');
    assert.deepEqual(error.data, { reason: `Method '${name}' is not registered` });
    assert.equal(d.has(name), false);
  }
});

test('a very long unknown method name is quoted back truncated', async () => {
  const name = 'x'.repeat(10_000);
  const error = await errorOf(JSON.stringify({ jsonrpc: '2.0', id: 1, method: name }), new Dispatcher());
  const reason = (error.data as { reason: string }).reason;
  assert.ok(reason.length < 200, `reason is ${reason.length} characters`);
});

test('params with __proto__ reach the handler as data and never pollute Object.prototype', async () => {
  let received: unknown;
  const d = new Dispatcher()
    .add('named', (p: unknown) => {
      received = p;
      return Object.keys(p as object);
    })
    .add('positional', (...args: unknown[]) => args.length);
  const response = parse(
    await handle('{"jsonrpc":"2.0","id":1,"method":"named","params":{"__proto__":{"polluted":true},"a":1}}', d),
  );
  assert.deepEqual(response, { jsonrpc: '2.0', id: 1, result: ['__proto__', 'a'] });
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  assert.equal(Object.getPrototypeOf(received), Object.prototype, 'the params object keeps its own prototype');
  await handle('{"jsonrpc":"2.0","id":1,"method":"positional","params":[{"__proto__":{"polluted":true}}]}', d);
  await handle('{"jsonrpc":"2.0","id":1,"method":"__proto__","params":{"polluted":true}}', d);
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
});

// ---- calling convention -------------------------------------------------------------------------

test('without options: arrays spread, objects as one argument, absent params as no arguments', async () => {
  const seen: unknown[][] = [];
  const d = new Dispatcher().add('m', (...args: unknown[]) => {
    seen.push(args);
  });
  await d.invoke('m', [1, 'two', null], ctx());
  await d.invoke('m', { a: 1 }, ctx());
  await d.invoke('m', undefined, ctx());
  await d.invoke('m', [], ctx());
  assert.deepEqual(seen, [[1, 'two', null], [{ a: 1 }], [], []]);
});

test('call() returns what the handler returns and throws what it throws, without a promise', async () => {
  const later = Promise.resolve(7);
  const d = new Dispatcher()
    .add('sync', (a: number, b: number) => a + b)
    .add('async', () => later)
    .add('boom', () => {
      throw new Error('boom');
    })
    .add('one', (a: number, ctx: DispatchContext) => `${a} ${String(ctx.id)}`, { params: 'positional', arity: 1 });
  assert.equal(d.call('sync', [2, 3], ctx()), 5);
  assert.equal(d.call('async', undefined, ctx()), later); // the handler's own promise, not a wrapper
  assert.throws(() => d.call('boom', undefined, ctx()), /boom/);
  assert.throws(() => d.call('nope', undefined, ctx()), JsonRpcMethodNotFoundError);
  assert.throws(() => d.call('one', [1, 2], ctx()), JsonRpcInvalidParamsError);
  assert.equal(d.call('one', [4], ctx('one', 9)), '4 9');
  // invoke() turns each of them into a promise
  await assert.rejects(d.invoke('boom', undefined, ctx()), /boom/);
  assert.equal(await d.invoke('async', undefined, ctx()), 7);
});

test('a handler is called with no `this` (never the registry entry) and its params array untouched', () => {
  const params = [1, 2];
  let seenThis: unknown = 'unset';
  let seenArgs: unknown[] = [];
  const d = new Dispatcher().add('m', function (this: unknown, ...args: unknown[]) {
    seenThis = this;
    seenArgs = args;
    args.push('mutated');
  });
  d.call('m', params, ctx());
  assert.equal(seenThis, undefined);
  assert.deepEqual(seenArgs, [1, 2, 'mutated']);
  assert.deepEqual(params, [1, 2]);
});

test('without options: no arity check, missing arguments are undefined, extras are dropped', async () => {
  const d = new Dispatcher().add('add', (a: number, b: number) => [a, b]);
  assert.deepEqual(await d.invoke('add', [1], ctx()), [1, undefined]);
  assert.deepEqual(await d.invoke('add', [1, 2, 3], ctx()), [1, 2]);
});

test('positional + arity: wrong counts and object params are -32602 and the handler does not run', async () => {
  let runs = 0;
  const d = new Dispatcher().add(
    'add',
    (a: unknown, b: unknown) => {
      runs++;
      return (a as number) + (b as number);
    },
    { params: 'positional', arity: 2 },
  );
  assert.equal(await d.invoke('add', [1, 2], ctx('add')), 3);
  for (const params of [[1], [1, 2, 3], [], undefined]) {
    await assert.rejects(d.invoke('add', params, ctx('add')), (err: unknown) => {
      assert.ok(err instanceof JsonRpcInvalidParamsError);
      assert.equal(err.code, -32602);
      assert.match((err.data as { reason: string }).reason, /'add' takes 2 positional params, got \d/);
      return true;
    });
  }
  await assert.rejects(d.invoke('add', { a: 1, b: 2 }, ctx('add')), /Invalid params/);
  assert.equal(runs, 1);
  const wire = parse(await handle('{"jsonrpc":"2.0","id":7,"method":"add","params":[1]}', d));
  assert.deepEqual(wire, {
    jsonrpc: '2.0', id: 7,
    error: { code: -32602, message: 'Invalid params', data: { reason: "'add' takes 2 positional params, got 1" } },
  });
});

test('positional: optional params are padded so the context is always argument number `arity`', async () => {
  const seen: unknown[][] = [];
  const d = new Dispatcher().add(
    'm',
    (...args: unknown[]) => {
      seen.push(args);
    },
    { params: 'positional', arity: 3, minArity: 1 },
  );
  const c = ctx('m');
  await d.invoke('m', [1], c);
  await d.invoke('m', [1, 2, 3], c);
  assert.deepEqual(seen, [
    [1, undefined, undefined, c],
    [1, 2, 3, c],
  ]);
  await assert.rejects(d.invoke('m', [], c), /Invalid params/);
  await assert.rejects(d.invoke('m', [1, 2, 3, 4], c), (err: unknown) => {
    assert.match(((err as JsonRpcException).data as { reason: string }).reason, /takes 1 to 3 positional params, got 4/);
    return true;
  });
});

test('named: the object then the context; arrays and absent params are -32602 unless optional', async () => {
  const seen: unknown[][] = [];
  const handler = (...args: unknown[]): void => {
    seen.push(args);
  };
  const d = new Dispatcher().add('n', handler, { params: 'named' }).add('o', handler, { params: 'named', optional: true });
  const c = ctx('n');
  await d.invoke('n', { a: 1 }, c);
  await d.invoke('o', undefined, c);
  assert.deepEqual(seen, [
    [{ a: 1 }, c],
    [undefined, c],
  ]);
  await assert.rejects(d.invoke('n', [{ a: 1 }], c), /Invalid params/);
  await assert.rejects(d.invoke('n', undefined, c), /Invalid params/);
  await assert.rejects(d.invoke('o', [1], c), /Invalid params/);
});

test('invoke: unknown method -32601, never reads the signal, handler errors unchanged', async () => {
  let runs = 0;
  const boom = new Error('boom');
  const appError = new JsonRpcApplicationError(42, 'nope', { why: 1 });
  const d = new Dispatcher()
    .add('run', () => {
      runs++;
    })
    .add('sync-throw', () => {
      throw boom;
    })
    .add('async-throw', async () => {
      throw appError;
    });
  await assert.rejects(d.invoke('missing', undefined, ctx()), JsonRpcMethodNotFoundError);
  // The signal is the caller's business (a connection makes it lazily, only when a handler reads it).
  let signalReads = 0;
  const lazy = { id: 1, method: 'run', get signal(): AbortSignal { signalReads++; return new AbortController().signal; } };
  await d.invoke('run', undefined, lazy);
  assert.equal(runs, 1);
  assert.equal(signalReads, 0, 'invoke must not touch context.signal');
  // A synchronous throw arrives as a rejection, not as an exception from invoke() itself.
  const pending = d.invoke('sync-throw', undefined, ctx());
  await assert.rejects(pending, (err: unknown) => err === boom);
  await assert.rejects(d.invoke('async-throw', undefined, ctx()), (err: unknown) => err === appError);
});

test('sync and async handlers, and thenables, give the same result', async () => {
  const d = new Dispatcher()
    .add('sync', () => 1)
    .add('async', async () => 1)
    .add('thenable', () => ({ then: (resolve: (v: number) => void) => resolve(1) }));
  for (const method of ['sync', 'async', 'thenable']) {
    assert.deepEqual(parse(await handle(JSON.stringify({ jsonrpc: '2.0', id: method, method }), d)), {
      jsonrpc: '2.0', id: method, result: 1,
    });
  }
});

test('handlers bound from addMethods keep `this`', async () => {
  const service = {
    factor: 3,
    times(x: number): number {
      return x * this.factor;
    },
  };
  const d = new Dispatcher().addMethods(service);
  assert.equal(await d.invoke('times', [2], ctx()), 6);
  const times = d.get('times');
  assert.ok(times);
  assert.equal(times(5), 15);
});
