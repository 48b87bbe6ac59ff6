/** dispatcher.use(): order, short-circuits, replacing params and results, unknown methods, faults. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as z from 'zod';
import {
  Dispatcher,
  handle,
  JsonRpcApplicationError,
  type HandlerErrorInfo,
  type MiddlewareCall,
} from '../../src/core.js';
import { parse } from './helpers.js';

const request = (method: string, params?: unknown, id: number = 1): string =>
  JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });

test('middleware runs outermost first around the handler, and sees method, id, params, context and signal', async () => {
  const log: string[] = [];
  let seen: MiddlewareCall | undefined;
  const d = new Dispatcher()
    .add('add', (a: number, b: number) => { log.push('handler'); return a + b; })
    .use(async (call, next) => {
      seen = call;
      log.push(`outer in ${call.method} ${String(call.id)}`);
      await next();
      log.push(`outer out ${String(call.result)}`);
    })
    .use(async (_call, next) => {
      log.push('inner in');
      await next();
      log.push('inner out');
    });
  assert.deepEqual(parse(await handle(request('add', [2, 3], 7), d)), { jsonrpc: '2.0', id: 7, result: 5 });
  assert.deepEqual(log, ['outer in add 7', 'inner in', 'handler', 'inner out', 'outer out 5']);
  assert.ok(seen !== undefined);
  assert.equal(seen.context.method, 'add');
  assert.ok(seen.signal instanceof AbortSignal);
  assert.deepEqual(seen.params, [2, 3]);
});

test('middleware replaces params before next() and the result after it', async () => {
  const d = new Dispatcher()
    .add('echo', (...args: unknown[]) => args)
    .use(async (call, next) => {
      call.params = [...(call.params as unknown[]), 'added'];
      await next();
      call.result = { wrapped: call.result };
    });
  assert.deepEqual(parse(await handle(request('echo', [1]), d)), { jsonrpc: '2.0', id: 1, result: { wrapped: [1, 'added'] } });
});

test('a middleware short-circuits with a result or a JsonRpcException; the handler does not run', async () => {
  let ran = 0;
  const d = new Dispatcher()
    .add('secret', () => ++ran)
    .use(async (call, next) => {
      if (call.method === 'secret' && (call.params as { token?: string } | undefined)?.token !== 'ok') {
        throw new JsonRpcApplicationError(4010, 'Unauthorized');
      }
      if (call.method === 'cached') {
        call.result = 'from cache';
        return;
      }
      await next();
    });
  assert.deepEqual(parse(await handle(request('secret', { token: 'no' }), d)), {
    jsonrpc: '2.0', id: 1, error: { code: 4010, message: 'Unauthorized' },
  });
  assert.deepEqual(parse(await handle(request('cached'), d)), { jsonrpc: '2.0', id: 1, result: 'from cache' });
  assert.equal(ran, 0);
  assert.deepEqual(parse(await handle(request('secret', { token: 'ok' }), d)), { jsonrpc: '2.0', id: 1, result: 1 });
});

test('calls to unknown methods, invalid params and every batch entry pass through the middleware', async () => {
  const outcomes: string[] = [];
  const d = new Dispatcher()
    .add('sum', ([a, b]) => a + b, { params: z.tuple([z.number(), z.number()]) })
    .use(async (call, next) => {
      try {
        await next();
        outcomes.push(`${call.method} ok`);
      } catch (err) {
        outcomes.push(`${call.method} ${(err as { code: number }).code}`);
        throw err;
      }
    });
  const batch = `[${request('sum', [1, 2], 1)},${request('nope', [], 2)},${request('sum', ['x', 2], 3)},{"jsonrpc":"2.0","method":"sum","params":[4,4]}]`;
  const answers = parse(await handle(batch, d)) as { id: number; error?: { code: number } }[];
  assert.equal(answers.length, 3);
  assert.deepEqual(outcomes.sort(), ['nope -32601', 'sum -32602', 'sum ok', 'sum ok']);
  assert.equal(answers.find((a) => a.id === 2)?.error?.code, -32601);
  assert.equal(answers.find((a) => a.id === 3)?.error?.code, -32602);
});

test('next() called twice, or a middleware throwing a plain error, is a -32603 reported fault', async () => {
  const faults: { error: unknown; info: HandlerErrorInfo }[] = [];
  let ran = 0;
  const d = new Dispatcher()
    .add('twice', () => ++ran)
    .add('boom', () => ++ran)
    .use(async (call, next) => {
      if (call.method === 'boom') throw new TypeError('middleware bug');
      await next();
      await next();
    });
  const onHandlerError = (error: unknown, info: HandlerErrorInfo): void => void faults.push({ error, info });
  for (const method of ['twice', 'boom']) {
    assert.deepEqual(parse(await handle(request(method), d, { onHandlerError })), {
      jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error' },
    });
  }
  assert.equal(ran, 1, 'the second next() did not run the handler again');
  assert.match(String((faults[0]!.error as Error).message), /called next\(\) more than once/);
  assert.equal(faults[0]!.info.method, 'twice');
  assert.ok(faults[1]!.error instanceof TypeError);
});

test('a middleware that does not await next() leaves no unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const d = new Dispatcher().add('fails', () => { throw new Error('x'); }).use((call, next) => {
      void next();
      call.result = 'early';
    });
    assert.deepEqual(parse(await handle(request('fails'), d)), { jsonrpc: '2.0', id: 1, result: 'early' });
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  assert.deepEqual(unhandled, []);
});

test('use() added during a call does not change that call\'s chain; use() refuses a non-function', async () => {
  const log: string[] = [];
  const d = new Dispatcher().add('x', () => 'x');
  d.use(async (_call, next) => {
    log.push('first');
    d.use(async (_c, n) => { log.push('late'); await n(); });
    await next();
  });
  await handle(request('x'), d);
  assert.deepEqual(log, ['first']);
  assert.throws(() => d.use('nope' as never), TypeError);
});

test('without middleware call() stays synchronous; with it, it returns a promise', () => {
  const d = new Dispatcher().add('add', (a: number, b: number) => a + b);
  const context = { id: 1, method: 'add', signal: new AbortController().signal };
  assert.equal(d.call('add', [1, 2], context), 3);
  d.use((_call, next) => next());
  const result = d.call('add', [1, 2], context);
  assert.ok(result instanceof Promise);
  return result.then((value) => assert.equal(value, 3));
});

test('property: a chain of pass-through middleware of any length answers exactly as none', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 8 }), fc.array(fc.integer(), { maxLength: 5 }), async (count, params) => {
      const plain = new Dispatcher().add('sum', (...xs: number[]) => xs.reduce((a, b) => a + b, 0));
      const wrapped = new Dispatcher().add('sum', (...xs: number[]) => xs.reduce((a, b) => a + b, 0));
      const order: number[] = [];
      for (let i = 0; i < count; i++) wrapped.use(async (_call, next) => { order.push(i); await next(); });
      assert.equal(await handle(request('sum', params), wrapped), await handle(request('sum', params), plain));
      assert.deepEqual(order, Array.from({ length: count }, (_, i) => i));
    }),
  );
});
