import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonRpcException, JsonRpcInvalidParamsError } from '../../src/parser/errors.js';
import { parseMessage, type JsonRpcBatch } from '../../src/parser/messages.js';
import {
  Dispatcher,
  handle,
  respond,
  respondBatch,
  toJsonRpcException,
  type DispatchContext,
  type HandlerErrorInfo,
} from '../../src/dispatch/index.js';
import fc from 'fast-check';
import { responseLike } from '../parser/response-like.js';
import { assertSameResponses, deferred, parse, tick } from './helpers.js';
import { delivery, handlerDelivering, hostileValue, HOSTILE_VALUES } from '../hostile.js';

const request = (method: string, id: unknown = 1, params?: unknown): string =>
  JSON.stringify(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });

// ---- ids and message kinds ------------------------------------------------------------------------

test('ids are echoed exactly: 1 and "1" differ, null is answered with null', async () => {
  const d = new Dispatcher({ echo: (x: unknown) => x });
  assert.equal(await handle(request('echo', 1, [0]), d), '{"jsonrpc":"2.0","id":1,"result":0}');
  assert.equal(await handle(request('echo', '1', [0]), d), '{"jsonrpc":"2.0","id":"1","result":0}');
  assert.equal(await handle(request('echo', null, [0]), d), '{"jsonrpc":"2.0","id":null,"result":0}');
  assert.equal(await handle(request('echo', 1.5, [0]), d), '{"jsonrpc":"2.0","id":1.5,"result":0}');
});

test('an id of another type is -32600 with id null, and the method does not run', async () => {
  let runs = 0;
  const d = new Dispatcher({ m: () => runs++ });
  for (const id of [{}, [], true]) {
    const response = parse(await handle(request('m', id), d)) as { id: unknown; error: { code: number } };
    assert.equal(response.id, null);
    assert.equal(response.error.code, -32600);
  }
  assert.equal(runs, 0);
});

test('"jsonrpc" must be exactly "2.0"; params must be an array or an object', async () => {
  const d = new Dispatcher({ m: () => 1 });
  for (const text of [
    '{"jsonrpc":"2","id":1,"method":"m"}',
    '{"jsonrpc":2.0,"id":1,"method":"m"}',
    '{"id":1,"method":"m"}',
    '{"jsonrpc":"2.0","id":1,"method":"m","params":"x"}',
    '{"jsonrpc":"2.0","id":1,"method":"m","params":null}',
    '{"jsonrpc":"2.0","id":1,"method":"m","params":3}',
  ]) {
    const response = parse(await handle(text, d)) as { id: unknown; error: { code: number } };
    assert.equal(response.error.code, -32600, text);
    assert.equal(response.id, 1, `${text}: a readable id is kept`);
  }
});

test('incoming responses are ignored, alone or in a batch', async () => {
  const d = new Dispatcher({ m: () => 1 });
  assert.equal(await handle('{"jsonrpc":"2.0","id":1,"result":5}', d), null);
  assert.equal(await handle('{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"x"}}', d), null);
  assert.equal(await handle('[{"jsonrpc":"2.0","id":1,"result":5},{"jsonrpc":"2.0","method":"m"}]', d), null);
  assertSameResponses(parse(await handle(`[{"jsonrpc":"2.0","id":1,"result":5},${request('m', 2)}]`, d)), [
    { jsonrpc: '2.0', id: 2, result: 1 },
  ]);
});

test('a malformed response is never answered, alone or in a batch (string code, both members, "1.0", no id)', async () => {
  let runs = 0;
  const d = new Dispatcher({ m: () => ++runs });
  for (const text of [
    '{"jsonrpc":"2.0","id":1,"error":{"code":"-32000","message":"x"}}',
    '{"jsonrpc":"2.0","id":1,"result":1,"error":null}',
    '{"jsonrpc":"1.0","id":1,"result":1}',
    '{"id":7,"error":null,"result":3}',
    '{"jsonrpc":"2.0","result":1}',
    '[{"id":7,"error":null,"result":3},{"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"x"}}]',
  ]) {
    assert.equal(await handle(text, d), null, text);
  }
  // The requests of the same batch are still answered.
  assertSameResponses(parse(await handle(`[{"id":7,"error":null,"result":3},${request('m', 2)}]`, d)), [
    { jsonrpc: '2.0', id: 2, result: 1 },
  ]);
});

test('property: handle() answers no response-like object, valid or not, alone or in a batch', async () => {
  const d = new Dispatcher({ m: () => 1 });
  await fc.assert(
    fc.asyncProperty(fc.array(responseLike, { minLength: 1, maxLength: 4 }), async (values) => {
      assert.equal(await handle(JSON.stringify(values[0]), d), null);
      assert.equal(await handle(JSON.stringify(values), d), null);
    }),
    { numRuns: 300 },
  );
});

test('a handler returning undefined sends "result": null', async () => {
  const d = new Dispatcher({ nothing: () => undefined, later: async () => {} });
  assert.equal(await handle(request('nothing'), d), '{"jsonrpc":"2.0","id":1,"result":null}');
  assert.equal(await handle(request('later'), d), '{"jsonrpc":"2.0","id":1,"result":null}');
});

// ---- input bytes ----------------------------------------------------------------------------------

test('Uint8Array input is decoded as UTF-8; invalid UTF-8 is one -32700 with id null', async () => {
  const d = new Dispatcher({ echo: (x: unknown) => x });
  const bytes = new TextEncoder().encode(request('echo', 'ü', ['€😀']));
  assert.deepEqual(parse(await handle(bytes, d)), { jsonrpc: '2.0', id: 'ü', result: '€😀' });
  // A view into a larger buffer is decoded from its own offset.
  const padded = new Uint8Array(bytes.length + 8);
  padded.set(bytes, 4);
  assert.deepEqual(parse(await handle(padded.subarray(4, 4 + bytes.length), d)), {
    jsonrpc: '2.0', id: 'ü', result: '€😀',
  });
  // Each bad sequence sits inside a JSON string of an otherwise valid request, so a lenient decoder
  // (U+FFFD replacement) would produce valid JSON and a result: only a strict one gives -32700.
  const encoder = new TextEncoder();
  const inString = (bytes: number[]): Uint8Array =>
    Uint8Array.from([
      ...encoder.encode('{"jsonrpc":"2.0","id":1,"method":"echo","params":["'),
      ...bytes,
      ...encoder.encode('"]}'),
    ]);
  assert.deepEqual(parse(await handle(inString([0x61]), d)), { jsonrpc: '2.0', id: 1, result: 'a' });
  for (const bad of [
    inString([0xff]), // never occurs in UTF-8
    inString([0xc3, 0x61]), // a truncated two-byte sequence
    inString([0xed, 0xa0, 0x80]), // an encoded surrogate
    inString([0xc0, 0xaf]), // an overlong encoding of '/'
  ]) {
    const response = parse(await handle(bad, d)) as { id: unknown; error: { code: number; message: string } };
    assert.equal(response.id, null);
    assert.equal(response.error.code, -32700);
    assert.equal(response.error.message, 'Parse error');
  }
});

test('garbage never makes handle() reject', async () => {
  const d = new Dispatcher({ m: () => 1 });
  for (const text of ['', ' ', 'null', '1', '"x"', 'true', '[[]]', '[null]', '{', '\u0000', '[' + '['.repeat(5000)]) {
    const out = await handle(text, d);
    assert.notEqual(out, null, text);
    JSON.parse(out as string);
  }
});

test('invalid options reject (a programming error, not the remote side\'s)', async () => {
  const d = new Dispatcher();
  await assert.rejects(handle('[]', d, { maxConcurrency: 0 }), RangeError);
  await assert.rejects(handle('[]', d, { maxBatchSize: -1 }), RangeError);
  await assert.rejects(handle(42 as unknown as string, d), TypeError);
});

// ---- batches --------------------------------------------------------------------------------------

test('a batch larger than maxBatchSize is one -32600 naming the limit, and runs nothing', async () => {
  let runs = 0;
  const d = new Dispatcher({ m: () => runs++ });
  const batch = (n: number): string => `[${Array.from({ length: n }, (_, i) => request('m', i)).join(',')}]`;
  const response = parse(await handle(batch(4), d, { maxBatchSize: 3 })) as Record<string, unknown>;
  assert.equal(Array.isArray(response), false);
  assert.deepEqual(response, {
    jsonrpc: '2.0', id: null,
    error: {
      code: -32600, message: 'Invalid Request',
      data: { reason: 'A batch may hold at most 3 messages; this one has 4. Split it into smaller batches.' },
    },
  });
  assert.equal(runs, 0);
  assert.equal((parse(await handle(batch(3), d, { maxBatchSize: 3 })) as unknown[]).length, 3);
  // The default is 1000.
  assert.equal((parse(await handle(batch(1000), d)) as unknown[]).length, 1000);
  assert.equal(Array.isArray(parse(await handle(batch(1001), d))), false);
});

test('batch entries run concurrently, never more than maxConcurrency at once', async () => {
  let running = 0;
  let peak = 0;
  const gates: Array<() => void> = [];
  const d = new Dispatcher().add('work', async (i: unknown) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise<void>((resolve) => gates.push(resolve));
    running--;
    return i;
  });
  const n = 10;
  const text = `[${Array.from({ length: n }, (_, i) => request('work', i, [i])).join(',')}]`;
  const pending = handle(text, d, { maxConcurrency: 3 });
  // Release handlers one at a time; after each release the pool must refill to (and not past) 3.
  for (let released = 0; released < n; released++) {
    await tick();
    assert.equal(running, Math.min(3, n - released), `after ${released} released`);
    gates.shift()?.();
  }
  assertSameResponses(parse(await pending), Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i, result: i })));
  assert.equal(peak, 3);
});

test('the default concurrency is 16; maxConcurrency 1 runs a batch in order', async () => {
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const d = new Dispatcher().add('work', async (i: unknown) => {
    running++;
    peak = Math.max(peak, running);
    order.push(i as number);
    await tick();
    running--;
  });
  const text = `[${Array.from({ length: 40 }, (_, i) => request('work', i, [i])).join(',')}]`;
  await handle(text, d);
  assert.equal(peak, 16);
  peak = 0;
  order.length = 0;
  await handle(text, d, { maxConcurrency: 1 });
  assert.equal(peak, 1);
  assert.deepEqual(order, Array.from({ length: 40 }, (_, i) => i));
});

test('a mixed batch: requests, notifications, invalid entries, failures', async () => {
  const notified: unknown[] = [];
  const d = new Dispatcher()
    .add('ok', () => 'fine')
    .add('note', (x: unknown) => {
      notified.push(x);
    })
    .add('fail', () => {
      throw new Error('secret');
    });
  const text = `[${request('ok', 1)},{"jsonrpc":"2.0","method":"note","params":["n"]},{"jsonrpc":"2.0","method":"fail"},${request(
    'fail',
    2,
  )},{"jsonrpc":"2.0","id":3},${request('missing', '3')}]`; // 3 and "3": different ids
  const out = await handle(text, d);
  assert.ok(out !== null && !out.includes('secret'));
  assertSameResponses(parse(out), [
    { jsonrpc: '2.0', id: 1, result: 'fine' },
    { jsonrpc: '2.0', id: 2, error: { code: -32603, message: 'Internal error' } },
    {
      jsonrpc: '2.0', id: 3, // the invalid entry's id was readable, so it is kept
      error: {
        code: -32600, message: 'Invalid Request',
        data: { reason: 'a message needs a "method" (request) or a "result" or "error" (response)' },
      },
    },
    {
      jsonrpc: '2.0', id: '3',
      error: { code: -32601, message: 'Method not found', data: { reason: "Method 'missing' is not registered" } },
    },
  ]);
  assert.deepEqual(notified, ['n']);
});

// ---- error policy ---------------------------------------------------------------------------------

test('a plain Error is -32603 with no message or stack on the wire; the hook gets the original', async () => {
  const secret = new Error('password=hunter2 at /srv/app/db.js');
  const seen: Array<[unknown, HandlerErrorInfo]> = [];
  const d = new Dispatcher().add('boom', () => {
    throw secret;
  });
  const out = await handle(request('boom', 'a'), d, { onHandlerError: (err, info) => seen.push([err, info]) });
  assert.equal(out, '{"jsonrpc":"2.0","id":"a","error":{"code":-32603,"message":"Internal error"}}');
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.[0], secret);
  assert.deepEqual(seen[0]?.[1], { method: 'boom', id: 'a', stage: 'handler' });
});

test('the hook also hears about failing notifications (their errors are otherwise invisible)', async () => {
  const seen: HandlerErrorInfo[] = [];
  const d = new Dispatcher().add('boom', async () => {
    throw new TypeError('x');
  });
  const out = await handle('{"jsonrpc":"2.0","method":"boom"}', d, { onHandlerError: (_e, info) => seen.push(info) });
  assert.equal(out, null);
  assert.deepEqual(seen, [{ method: 'boom', id: undefined, stage: 'handler' }]);
});

test('exposeErrors puts name and message in data; "with-stack" adds the stack', async () => {
  const d = new Dispatcher()
    .add('boom', () => {
      throw new RangeError('too big');
    })
    .add('str', () => {
      throw 'a string';
    });
  assert.deepEqual(parse(await handle(request('boom'), d, { exposeErrors: true })), {
    jsonrpc: '2.0', id: 1,
    error: { code: -32603, message: 'Internal error', data: { name: 'RangeError', message: 'too big' } },
  });
  const withStack = parse(await handle(request('boom'), d, { exposeErrors: 'with-stack' })) as {
    error: { data: { stack: string } };
  };
  assert.match(withStack.error.data.stack, /RangeError: too big\n\s+at /);
  assert.deepEqual(parse(await handle(request('str'), d, { exposeErrors: true })), {
    jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error', data: { message: 'a string' } },
  });
  // Without the option: no data at all.
  assert.deepEqual(parse(await handle(request('str'), d)), {
    jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error' },
  });
});

test('a thrown JsonRpcException is sent with its code, message and data, and the hook is not called', async () => {
  class InsufficientFunds extends JsonRpcException {
    static override readonly code = 1001;
    static override readonly defaultMessage = 'Insufficient funds';
  }
  let hooked = 0;
  const d = new Dispatcher()
    .add('pay', async () => {
      throw new InsufficientFunds(undefined, { balance: 3 });
    })
    .add('params', () => {
      throw new JsonRpcInvalidParamsError('amount must be positive');
    });
  const options = { onHandlerError: () => hooked++ };
  assert.deepEqual(parse(await handle(request('pay'), d, options)), {
    jsonrpc: '2.0', id: 1, error: { code: 1001, message: 'Insufficient funds', data: { balance: 3 } },
  });
  assert.deepEqual(parse(await handle(request('params'), d, options)), {
    jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'amount must be positive' },
  });
  assert.equal(hooked, 0);
});

test('a hook that throws or rejects changes nothing', async () => {
  const d = new Dispatcher().add('boom', () => {
    throw new Error('x');
  });
  const expected = '{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Internal error"}}';
  assert.equal(await handle(request('boom'), d, { onHandlerError: () => { throw new Error('logger down'); } }), expected);
  assert.equal(await handle(request('boom'), d, { onHandlerError: async () => { throw new Error('logger down'); } }), expected);
  await tick(); // an unhandled rejection from the async hook would fail the test run here
});

test('results with no JSON form are -32603 (BigInt, cycle, function, symbol, toJSON throwing or undefined)', async () => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const results: Record<string, () => unknown> = {
    bigint: () => 10n,
    nestedBigint: async () => ({ a: [1n] }),
    cycle: async () => cycle,
    fn: () => () => 1,
    symbol: () => Symbol('s'),
    toJSONThrows: () => ({ toJSON: () => { throw new Error('no'); } }),
    toJSONUndefined: () => ({ toJSON: () => undefined }),
  };
  const d = new Dispatcher(results);
  for (const method of Object.keys(results)) {
    const seen: HandlerErrorInfo[] = [];
    const out = await handle(request(method, method), d, { onHandlerError: (_e, info) => seen.push(info) });
    assert.deepEqual(parse(out), { jsonrpc: '2.0', id: method, error: { code: -32603, message: 'Internal error' } }, method);
    assert.deepEqual(seen, [{ method, id: method, stage: 'encode' }], method);
  }
  // Nested functions and undefined are dropped by JSON itself: still a valid result.
  const ok = new Dispatcher({ m: () => ({ a: undefined, f: () => 1, b: 1 }) });
  assert.deepEqual(parse(await handle(request('m'), ok)), { jsonrpc: '2.0', id: 1, result: { b: 1 } });
});

test('a JsonRpcException whose data has no JSON form is sent without it, as -32603', async () => {
  const d = new Dispatcher().add('m', () => {
    throw new JsonRpcException(5, 'five', { n: 5n });
  });
  const seen: unknown[] = [];
  assert.deepEqual(parse(await handle(request('m'), d, { onHandlerError: (e) => seen.push(e) })), {
    jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error' },
  });
  assert.ok(seen[0] instanceof TypeError);
});

test('toJsonRpcException: the mapping the connection layer uses', () => {
  const rpc = new JsonRpcInvalidParamsError();
  assert.equal(toJsonRpcException(rpc), rpc);
  const mapped = toJsonRpcException(new Error('secret'));
  assert.deepEqual(mapped.toJSON(), { code: -32603, message: 'Internal error' });
  const exposed = toJsonRpcException(new Error('secret'), { exposeErrors: true });
  assert.deepEqual(exposed.toJSON(), { code: -32603, message: 'Internal error', data: { name: 'Error', message: 'secret' } });
  const weird = toJsonRpcException(Object.create(null), { exposeErrors: true });
  assert.deepEqual(weird.toJSON().data, { message: '[unprintable]' });
  let info: HandlerErrorInfo | undefined;
  toJsonRpcException(1, { onHandlerError: (_e, i) => (info = i) }, { method: 'x', id: 2, stage: 'handler' });
  assert.deepEqual(info, { method: 'x', id: 2, stage: 'handler' });
});

// ---- context and cancellation ---------------------------------------------------------------------

test('handlers declared with a shape get the context: id, method, signal', async () => {
  const contexts: DispatchContext[] = [];
  const d = new Dispatcher()
    .add('pos', (_a: unknown, c: DispatchContext) => { contexts.push(c); }, { params: 'positional', arity: 1 })
    .add('named', (_p: unknown, c: DispatchContext) => { contexts.push(c); }, { params: 'named' })
    .add('plain', (...args: unknown[]) => args.length);
  await handle(request('pos', 'x', [1]), d);
  await handle(request('named', null, { a: 1 }), d);
  await handle('{"jsonrpc":"2.0","method":"pos","params":[2]}', d);
  assert.deepEqual(
    contexts.map((c) => [c.id, c.method, c.signal instanceof AbortSignal, c.signal.aborted]),
    [
      ['x', 'pos', true, false],
      [null, 'named', true, false],
      [undefined, 'pos', true, false],
    ],
  );
  // A handler registered without a shape never sees the context, even with fewer params than it declares.
  assert.deepEqual(parse(await handle(request('plain', 1, [1]), d)), { jsonrpc: '2.0', id: 1, result: 1 });
});

test('aborting handle()\'s signal aborts the handlers\' signals and answers -32800 at once', async () => {
  const controller = new AbortController();
  const started = deferred();
  let sawAbort = false;
  const never = deferred<number>();
  let lateRuns = 0;
  const d = new Dispatcher()
    .add(
      'slow',
      async (c: DispatchContext) => {
        c.signal.addEventListener('abort', () => (sawAbort = true));
        started.resolve();
        return never.promise; // ignores the signal: handle() must not wait for it
      },
      { params: 'positional', arity: 0 },
    )
    .add('late', () => lateRuns++);
  const text = `[${request('slow', 1)},${request('late', 2)}]`;
  const pending = handle(text, d, { signal: controller.signal, maxConcurrency: 1 });
  await started.promise;
  controller.abort();
  assertSameResponses(parse(await pending), [
    { jsonrpc: '2.0', id: 1, error: { code: -32800, message: 'Request cancelled' } },
    { jsonrpc: '2.0', id: 2, error: { code: -32800, message: 'Request cancelled' } },
  ]);
  assert.equal(sawAbort, true);
  assert.equal(lateRuns, 0, 'an entry not started before the abort is never started');
});

test('an already aborted signal runs nothing', async () => {
  let runs = 0;
  const d = new Dispatcher({ m: () => runs++ });
  const out = await handle(request('m'), d, { signal: AbortSignal.abort() });
  assert.deepEqual(parse(out), { jsonrpc: '2.0', id: 1, error: { code: -32800, message: 'Request cancelled' } });
  assert.equal(runs, 0);
});

test('a result arriving before the abort is kept', async () => {
  const controller = new AbortController();
  const d = new Dispatcher({ m: async () => 'done' });
  const out = await handle(request('m'), d, { signal: controller.signal });
  controller.abort();
  assert.deepEqual(parse(out), { jsonrpc: '2.0', id: 1, result: 'done' });
});

test('an extended context type needs createContext, and handlers receive what it builds', async () => {
  interface ConnectionContext extends DispatchContext {
    peer: string;
  }
  const d = new Dispatcher<{ who(): string }, ConnectionContext>().add('who', (c) => `${c.peer}:${c.method}`, {
    params: 'positional',
    arity: 0,
  });
  // @ts-expect-error: without createContext there is no way to build a ConnectionContext
  void handle(request('who'), d, {});
  const out = await handle(request('who'), d, { createContext: (base) => ({ ...base, peer: 'tcp://a' }) });
  assert.deepEqual(parse(out), { jsonrpc: '2.0', id: 1, result: 'tcp://a:who' });
  // A createContext that throws is a server fault: -32603, reported to the hook.
  const seen: unknown[] = [];
  const failing = await handle(request('who'), d, {
    createContext: () => {
      throw new Error('no peer');
    },
    onHandlerError: (e) => seen.push(e),
  });
  assert.deepEqual(parse(failing), { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error' } });
  assert.equal(seen.length, 1);
});

test('respond(): one parsed message in, one response text (or null) out', async () => {
  const d = new Dispatcher({ echo: (x: unknown) => x });
  assert.equal(
    await respond({ kind: 'request', id: 5, method: 'echo', params: ['hi'] }, d),
    '{"jsonrpc":"2.0","id":5,"result":"hi"}',
  );
  assert.equal(await respond({ kind: 'notification', method: 'echo', params: ['hi'] }, d), null);
  assert.equal(await respond({ kind: 'response', id: 5, isSuccess: true, result: 1 }, d), null);
  const invalid = await respond({ kind: 'invalid', id: 9, error: new JsonRpcInvalidParamsError() }, d);
  assert.equal(invalid, '{"jsonrpc":"2.0","id":9,"error":{"code":-32602,"message":"Invalid params"}}');
});

test('respondBatch(): a parsed batch with handle()\'s rules (limit, concurrency, null when nothing to send)', async () => {
  let running = 0;
  let peak = 0;
  const d = new Dispatcher().add('work', async (i: unknown) => {
    running++;
    peak = Math.max(peak, running);
    await tick();
    running--;
    return i;
  });
  const batch = parseMessage(`[${Array.from({ length: 6 }, (_, i) => request('work', i, [i])).join(',')}]`) as JsonRpcBatch;
  assert.equal(batch.kind, 'batch');
  assertSameResponses(parse(await respondBatch(batch, d, { maxConcurrency: 2 })), Array.from({ length: 6 }, (_, i) => ({
    jsonrpc: '2.0', id: i, result: i,
  })));
  assert.equal(peak, 2);
  const tooBig = parse(await respondBatch(batch, d, { maxBatchSize: 5 })) as { error: { code: number } };
  assert.equal(tooBig.error.code, -32600);
  const notes = parseMessage('[{"jsonrpc":"2.0","method":"work","params":[1]}]') as JsonRpcBatch;
  assert.equal(await respondBatch(notes, d), null);
});

// ---- hostile thrown values and hooks --------------------------------------------------------------

/** What a user's onHandlerError hook does with what it is given. */
const misbehavingHook = fc.constantFrom<((error: unknown) => unknown) | undefined>(
  undefined,
  () => {
    throw new Error('the logger broke');
  },
  async () => Promise.reject(new Error('the async logger broke')),
  (error) => {
    throw error;
  },
  () => HOSTILE_VALUES[0]!.make(), // a Proxy whose traps throw, `then` included
  (error) => String(error),
);

test('property: whatever a handler throws or rejects with, handle() resolves with its answer', async () => {
  await fc.assert(
    fc.asyncProperty(
      hostileValue,
      delivery,
      misbehavingHook,
      fc.constantFrom<boolean | 'with-stack'>(false, true, 'with-stack'),
      async (value, how, onHandlerError, exposeErrors) => {
        const d = new Dispatcher({ hostile: handlerDelivering(value, how), ok: () => 'ok' });
        const options = { onHandlerError, exposeErrors };
        const single = parse(await handle(request('hostile', 1), d, options)) as { error: { code: number } };
        assert.equal(single.error.code, value.code);
        assert.equal(await handle('{"jsonrpc":"2.0","method":"hostile"}', d, options), null);
        const batch = parse(
          await handle(`[${request('hostile', 1)},${request('ok', 2)},{"jsonrpc":"2.0","method":"hostile"}]`, d, options),
        ) as Array<{ id: number; error?: { code: number }; result?: unknown }>;
        assert.deepEqual(
          batch.map((entry) => [entry.id, entry.error?.code ?? entry.result]),
          [[1, value.code], [2, 'ok']],
        );
        const parsed = parseMessage(`[${request('hostile', 3)}]`) as JsonRpcBatch;
        const viaRespondBatch = parse(await respondBatch(parsed, d, options)) as Array<{ error: { code: number } }>;
        assert.equal(viaRespondBatch[0]!.error.code, value.code);
      },
    ),
    { numRuns: 200 },
  );
});

test('a result with a hostile value is -32603, never a rejection', async () => {
  for (const value of HOSTILE_VALUES) {
    const made = value.make();
    // A thenable result is awaited: only values that are not promise-like are results as such.
    const d = new Dispatcher({ give: () => [made] });
    const answer = parse(await handle(request('give', 1), d)) as { error?: { code: number }; result?: unknown };
    if (answer.error !== undefined) assert.equal(answer.error.code, -32603, value.name);
  }
});

test('property: toJsonRpcException never throws, and keeps only a real, sendable JsonRpcException', () => {
  fc.assert(
    fc.property(hostileValue, misbehavingHook, fc.constantFrom<boolean | 'with-stack'>(false, true, 'with-stack'), (value, hook, expose) => {
      const made = value.make();
      const mapped = toJsonRpcException(made, { onHandlerError: hook, exposeErrors: expose });
      assert.ok(mapped instanceof JsonRpcException);
      // Data with no JSON form is found later, when the answer is encoded.
      const kept = value.name.startsWith('a real JsonRpcException') && !value.name.includes('toJSON');
      if (kept) assert.equal(mapped, made, value.name);
      else assert.equal(mapped.code, -32603, value.name);
    }),
  );
});
