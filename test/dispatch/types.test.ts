/**
 * Compile-time checks of the typed API. `npx tsc` runs before the tests, so each `@ts-expect-error`
 * line proves a type is enforced (tsc fails if the line compiles), and each `Equal` assertion fails
 * to compile if a helper type changes. The runtime test only makes sure the file ran.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Dispatcher,
  type DispatchContext,
  type MethodParams,
  type MethodResult,
  type MethodTable,
} from '../../src/dispatch/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

interface Methods {
  add(a: number, b: number): number;
  greet(p: { name: string }): Promise<string>;
  maybe(opts?: { verbose: boolean }): string[];
  scale(x: number, factor?: number): number;
  sum(...xs: number[]): number;
  ping(): void;
  pair(a: { x: number }, b: string): boolean;
  list(items: string[]): number;
}

// A type alias qualifies as a method table as well as an interface.
type AliasMethods = { add(a: number, b: number): number };

test('typed registration compiles (and is enforced, see the @ts-expect-error lines)', async () => {
  const d = new Dispatcher<Methods>()
    .add('add', (a, b) => a + b)
    .add('greet', async ({ name }) => `hello ${name}`)
    .add('maybe', (opts) => (opts?.verbose === true ? ['v'] : []))
    .add('scale', (x, factor, ctx) => x * (factor ?? 1) + ctx.method.length * 0, { params: 'positional', arity: 2, minArity: 1 })
    .add('sum', (...xs) => xs.reduce((s, x) => s + x, 0))
    .add('ping', () => undefined)
    .add('pair', (a, b) => a.x > b.length)
    .add('list', (items) => items.length);

  // Only compiled, never run (the names are taken).
  const typeChecksOnly = (): void => {
    // @ts-expect-error: wrong param type for 'add'
    d.add('add', (a: string, b: number) => b);
    // @ts-expect-error: wrong result type for 'add'
    d.add('add', (a, b) => `${a}${b}`);
    // @ts-expect-error: not a method of the table
    d.add('nope', () => 1);
    // @ts-expect-error: the named context handler gets the params object, not a number
    d.add('greet', (p: number, ctx: DispatchContext) => String(p) + ctx.method, { params: 'named' });
    // @ts-expect-error: a positional context handler's context is a DispatchContext
    d.add('add', (a, b, ctx: string) => a + b + ctx.length, { params: 'positional', arity: 2 });
  };
  void typeChecksOnly;

  new Dispatcher<Methods>().add('greet', ({ name }, ctx) => `${name} ${String(ctx.id)}`, { params: 'named' });
  new Dispatcher<AliasMethods>().add('add', (a, b) => a - b);

  // The untyped dispatcher accepts annotated and unannotated handlers; unannotated params are unknown.
  const u = new Dispatcher()
    .add('x', (a: number, b: number) => a + b)
    .add('y', (a) => typeof a)
    .add('z', (a: unknown, ctx: DispatchContext) => ctx.id, { params: 'positional', arity: 1 });
  assert.deepEqual(u.names(), ['x', 'y', 'z']);
  assert.equal(await d.invoke('scale', [2], { id: 1, method: 'scale', signal: new AbortController().signal }), 2);
});

test('MethodParams / MethodResult give what a caller sends and receives', () => {
  expectType<Equal<MethodParams<Methods, 'add'>, readonly [a: number, b: number]>>();
  expectType<Equal<MethodParams<Methods, 'greet'>, { name: string }>>();
  expectType<Equal<MethodParams<Methods, 'maybe'>, { verbose: boolean } | undefined>>();
  expectType<Equal<MethodParams<Methods, 'scale'>, readonly [x: number, factor?: number]>>();
  expectType<Equal<MethodParams<Methods, 'sum'>, readonly number[]>>();
  expectType<Equal<MethodParams<Methods, 'ping'>, readonly []>>();
  expectType<Equal<MethodParams<Methods, 'pair'>, readonly [a: { x: number }, b: string]>>();
  // A single array parameter is positional: the caller sends [[...]].
  expectType<Equal<MethodParams<Methods, 'list'>, readonly [items: string[]]>>();

  expectType<Equal<MethodResult<Methods, 'add'>, number>>();
  expectType<Equal<MethodResult<Methods, 'greet'>, string>>();
  expectType<Equal<MethodResult<Methods, 'ping'>, void>>();

  const ok: MethodParams<Methods, 'add'> = [1, 2];
  // @ts-expect-error: a string where 'add' takes a number
  const bad: MethodParams<Methods, 'add'> = ['1', 2];
  // @ts-expect-error: 'greet' takes named params
  const badNamed: MethodParams<Methods, 'greet'> = ['Ada'];

  // What a connection layer's typed request() can look like, built from the exported helpers.
  function request<T extends MethodTable<T>, K extends keyof T & string>(
    _method: K,
    _params: MethodParams<T, K>,
  ): Promise<MethodResult<T, K>> {
    return Promise.resolve(undefined as MethodResult<T, K>);
  }
  void request<Methods, 'add'>('add', [1, 2]);
  // @ts-expect-error: missing the second param
  void request<Methods, 'add'>('add', [1]);
  assert.deepEqual([ok, bad, badNamed], [[1, 2], ['1', 2], ['Ada']]);
});
