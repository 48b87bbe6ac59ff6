/**
 * `@method()` and `addService()`: standard decorators as the project's tsc emits them for ES2022
 * (no experimentalDecorators), run by Node 20. The `@ts-expect-error` lines prove the decorator's
 * types refuse a method that does not take what its schema gives, and a non-method.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as z from 'zod';
import { Dispatcher, handle, method, type DispatchContext } from '../../src/core.js';
import { parse } from './helpers.js';

const request = (name: string, params?: unknown): string =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: name, ...(params === undefined ? {} : { params }) });

const Move = z.object({ from: z.string(), to: z.string(), amount: z.number().positive() });

class Bank {
  readonly #balances = new Map([['ada', 10], ['bob', 0]]);
  notServed(): string {
    return 'never';
  }

  @method()
  balance(account: string): number {
    return this.#balances.get(account) ?? 0;
  }

  @method('bank.move', { params: Move, errors: [{ code: 4001, message: 'Insufficient funds' }] })
  move({ from, to, amount }: z.infer<typeof Move>, context: DispatchContext): string {
    this.#balances.set(from, (this.#balances.get(from) ?? 0) - amount);
    this.#balances.set(to, (this.#balances.get(to) ?? 0) + amount);
    return `moved ${amount} for request ${String(context.id)}`;
  }

  @method({ params: 'positional', arity: 1 })
  deposit(amount: number, context: DispatchContext): string {
    return `${amount} by ${context.method}`;
  }
}

test('addService serves exactly the decorated methods, bound to the instance, with their names and options', async () => {
  const d = new Dispatcher().addService(new Bank());
  assert.deepEqual(d.names().sort(), ['balance', 'bank.move', 'deposit']);
  assert.deepEqual(parse(await handle(request('balance', ['ada']), d)), { jsonrpc: '2.0', id: 1, result: 10 });
  assert.deepEqual(parse(await handle(request('bank.move', { from: 'ada', to: 'bob', amount: 3 }), d)), {
    jsonrpc: '2.0', id: 1, result: 'moved 3 for request 1',
  });
  assert.deepEqual(parse(await handle(request('balance', ['bob']), d)), { jsonrpc: '2.0', id: 1, result: 3 });
  const invalid = parse(await handle(request('bank.move', { from: 'ada', to: 'bob', amount: -1 }), d)) as { error: { code: number } };
  assert.equal(invalid.error.code, -32602);
  assert.deepEqual(parse(await handle(request('deposit', [5]), d)), { jsonrpc: '2.0', id: 1, result: '5 by deposit' });
  const arity = parse(await handle(request('deposit', [5, 6]), d)) as { error: { code: number } };
  assert.equal(arity.error.code, -32602);
  assert.equal((parse(await handle(request('notServed'), d)) as { error: { code: number } }).error.code, -32601);
  // Two instances keep their own state; a prefix applies to every name.
  const two = new Dispatcher().addService(new Bank(), { prefix: 'a.' }).addService(new Bank(), { prefix: 'b.' });
  await handle(request('a.bank.move', { from: 'ada', to: 'bob', amount: 1 }), two);
  assert.deepEqual(parse(await handle(request('b.balance', ['ada']), two)), { jsonrpc: '2.0', id: 1, result: 10 });
});

test('inherited decorated methods are served; an undecorated override hides one', async () => {
  class Base {
    @method() ping(): string { return 'pong'; }
    @method() hidden(): string { return 'base'; }
  }
  class Derived extends Base {
    @method() extra(): number { return 1; }
    override hidden(): string { return 'derived'; }
  }
  assert.deepEqual(new Dispatcher().addService(new Derived()).names().sort(), ['extra', 'ping']);
});

test('addService refuses a service with nothing decorated, and a clash registers nothing', () => {
  assert.throws(() => new Dispatcher().addService({ f: () => 1 }), /no methods decorated with @method\(\)/);
  const d = new Dispatcher().add('balance', () => 0);
  assert.throws(() => d.addService(new Bank()), /'balance' is already registered/);
  assert.deepEqual(d.names(), ['balance']);
  class Twice {
    @method('same') a(): number { return 1; }
    @method('same') b(): number { return 2; }
  }
  assert.throws(() => new Dispatcher().addService(new Twice()), /two methods are served as 'same'/);
});

test('misplaced decorators are clear errors when the class is defined', () => {
  const decorator = method() as (target: unknown, context: unknown) => void;
  assert.throws(() => {
    class Field {
      // @ts-expect-error: @method() decorates methods only
      @method() value = 1;
    }
    return Field;
  }, /@method\(\) on 'value': only methods can be served, not a field/);
  assert.throws(() => {
    class Getter {
      // @ts-expect-error: not a getter either
      @method() get value(): number { return 1; }
    }
    return Getter;
  }, /not a getter/);
  assert.throws(() => {
    class Static {
      @method() static helper(): number { return 1; }
    }
    return Static;
  }, /static methods are not served/);
  assert.throws(() => {
    class Private {
      @method() #secret(): number { return 1; }
      use(): number { return this.#secret(); }
    }
    return Private;
  }, /private methods cannot be served/);
  assert.throws(() => {
    class Double {
      @method() @method('other') twice(): number { return 1; }
    }
    return Double;
  }, /decorated with @method\(\) twice/);
  assert.throws(() => {
    class BadOptions {
      @method({ params: 'positional', arity: -1 }) f(): number { return 1; }
    }
    return BadOptions;
  }, /arity of 'f' must be a non-negative integer/);
  assert.throws(() => decorator(() => 1, { kind: 'class', name: 'C' }), /only methods can be served, not a class/);
  assert.throws(() => method(null as never), /options must be an object/);
});

test('types: a decorated method must take what its params schema gives', () => {
  class Typed {
    @method({ params: z.object({ n: z.number() }) })
    ok({ n }: { n: number }): number { return n; }

    // @ts-expect-error: the schema gives { n: number }, the method wants a string
    @method({ params: z.object({ n: z.number() }) })
    wrong(p: string): string { return p; }

    // @ts-expect-error: same, with an explicit name
    @method('typed.tuple', { params: z.tuple([z.number()]) })
    wrongTuple(p: [string]): string { return p[0]; }
  }
  assert.deepEqual(new Dispatcher().addService(new Typed()).names().sort(), ['ok', 'typed.tuple', 'wrong']);
});
