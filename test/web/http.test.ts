/**
 * JSON-RPC over HTTP, portable half: `createFetchHandler` (every status, for a reason; property
 * tests over methods, content types, bodies and sizes) and `createHttpClient` (typed calls,
 * batches, the connection's error classes, timeouts and signals), the client driving the handler
 * through an in-process fetch.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { ConnectionClosedError, RequestAbortedError, RequestTimeoutError } from '../../src/connection/errors.js';
import { Dispatcher, type DispatchContext } from '../../src/dispatch/index.js';
import { handle } from '../../src/dispatch/handle.js';
import { JsonRpcException, JsonRpcMethodNotFoundError } from '../../src/parser/errors.js';
import { JsonRpcInvalidResponseError } from '../../src/parser/invalid-response.js';
import { createFetchHandler } from '../../src/web/fetch-handler.js';
import { createHttpClient, HeadersError, HttpStatusError, type FetchFunction } from '../../src/web/http-client.js';

const dispatcher = new Dispatcher()
  .add('add', (a: number, b: number) => a + b)
  .add('boom', () => {
    throw new Error('secret detail');
  })
  .add('slow', (_: unknown, context: DispatchContext) => new Promise((resolve) => context.signal.addEventListener('abort', () => resolve('aborted'))), { params: 'named', optional: true })
  .add('note', () => undefined);

function post(body: string | ReadableStream<Uint8Array> | null, headers: Record<string, string> = { 'content-type': 'application/json' }, method = 'POST'): Request {
  return new Request('http://rpc.test/', { method, headers, body, duplex: 'half' } as RequestInit);
}

/** A body streamed in chunks with no Content-Length (so the size is only known while reading). */
function streamed(text: string, chunk = 100): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, (at += chunk)));
    },
  });
}

describe('createFetchHandler: every status', () => {
  const handler = createFetchHandler(dispatcher, { maxBodyBytes: 1000 });

  it('200 with the response, as application/json', async () => {
    const response = await handler(post('{"jsonrpc":"2.0","id":1,"method":"add","params":[2,3]}'));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.deepEqual(await response.json(), { jsonrpc: '2.0', id: 1, result: 5 });
  });

  it('200 for JSON-RPC errors too, with no stack or message of a handler fault', async () => {
    const response = await handler(post('[{"jsonrpc":"2.0","id":1,"method":"boom"},{"jsonrpc":"2.0","id":2,"method":"nope"},{"bad":1}]'));
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.doesNotMatch(text, /secret detail|at .*\.js/);
    const codes = (JSON.parse(text) as { error: { code: number } }[]).map((entry) => entry.error.code);
    assert.deepEqual(codes, [-32603, -32601, -32600]);
  });

  it("exposeErrors: 'with-stack' still sends no stack over HTTP", async () => {
    const exposing = createFetchHandler(dispatcher, { exposeErrors: 'with-stack' as unknown as boolean });
    const text = await (await exposing(post('{"jsonrpc":"2.0","id":1,"method":"boom"}'))).text();
    assert.match(text, /secret detail/);
    assert.doesNotMatch(text, /stack/);
  });

  it('204 with no body for a notification and a batch of notifications', async () => {
    for (const body of ['{"jsonrpc":"2.0","method":"note"}', '[{"jsonrpc":"2.0","method":"note"},{"jsonrpc":"2.0","method":"add","params":[1,1]}]']) {
      const response = await handler(post(body));
      assert.equal(response.status, 204);
      assert.equal(await response.text(), '');
    }
  });

  it('405 with Allow: POST for any other method', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS']) {
      const response = await handler(post(null, {}, method));
      assert.equal(response.status, 405);
      assert.equal(response.headers.get('allow'), 'POST');
    }
  });

  it('415 for a content type other than application/json (or a charset other than UTF-8)', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', 'application/json; charset=latin1']) {
      assert.equal((await handler(post('{}', { 'content-type': type }))).status, 415, type);
    }
    assert.equal((await handler(post('{}', {}))).status, 415, 'no content type');
    assert.equal((await handler(post('{"jsonrpc":"2.0","id":1,"method":"add","params":[1,1]}', { 'content-type': 'Application/JSON; charset="UTF-8"' }))).status, 200);
  });

  it('413 by Content-Length before reading, and by counting a streamed body while reading', async () => {
    assert.equal((await handler(post('x'.repeat(1001)))).status, 413);
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({ pull: (controller) => void (pulled++, controller.enqueue(new Uint8Array(300))) });
    const response = await handler(post(endless));
    assert.equal(response.status, 413);
    assert.ok(pulled <= 5, `read ${pulled} chunks of an endless body`);
    const fits = `{"jsonrpc":"2.0","id":1,"method":"add","params":[1,1]}${' '.repeat(900)}`;
    assert.equal((await handler(post(streamed(fits)))).status, 200);
  });

  it('400 when the body cannot be read (the stream fails mid-body)', async () => {
    let sent = false;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new Error('client went away'));
        sent = true;
        controller.enqueue(new TextEncoder().encode('{"jsonrpc":"2.0",'));
      },
    });
    const response = await handler(post(failing));
    assert.equal(response.status, 400);
    assert.doesNotMatch(await response.text(), /client went away/);
  });

  it('onRequest refuses (401 with its headers), lets through, and a throwing hook is a bare 500', async () => {
    const faults: unknown[] = [];
    const guarded = createFetchHandler(dispatcher, {
      onRequest: (request) => {
        if (request.headers.get('x-fail') !== null) throw new Error('hook bug');
        if (request.headers.get('authorization') !== 'Bearer ok') return { status: 401, headers: { 'www-authenticate': 'Bearer' } };
      },
      onHandlerError: (error) => void faults.push(error),
    });
    const body = '{"jsonrpc":"2.0","id":1,"method":"add","params":[1,2]}';
    const refused = await guarded(post(body));
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await guarded(post(body, { 'content-type': 'application/json', authorization: 'Bearer ok' }))).status, 200);
    const broken = await guarded(post(body, { 'content-type': 'application/json', 'x-fail': '1' }));
    assert.equal(broken.status, 500);
    assert.doesNotMatch(await broken.text(), /hook bug/);
    assert.equal((faults[0] as Error).message, 'hook bug');
  });

  it('createContext gives handlers a per-request context', async () => {
    const typed = new Dispatcher<{ whoami: () => string }, DispatchContext & { user: string }>().add('whoami', (_: unknown, context) => context.user, { params: 'named', optional: true });
    const withUser = createFetchHandler(typed, { createContext: (base, request) => ({ ...base, user: request.headers.get('x-user') ?? 'nobody' }) });
    const response = await withUser(post('{"jsonrpc":"2.0","id":1,"method":"whoami"}', { 'content-type': 'application/json', 'x-user': 'ada' }));
    assert.deepEqual(await response.json(), { jsonrpc: '2.0', id: 1, result: 'ada' });
  });

  it('a bad maxBodyBytes fails when the handler is made', () => {
    assert.throws(() => createFetchHandler(dispatcher, { maxBodyBytes: 0 }), /maxBodyBytes must be a positive integer/);
  });
});

describe('createFetchHandler: properties', () => {
  const limit = 2000;
  const handler = createFetchHandler(dispatcher, { maxBodyBytes: limit });
  const methods = fc.constantFrom('POST', 'post', 'GET', 'PUT', 'PATCH', 'DELETE');
  const types = fc.oneof(
    fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', 'application/xml', 'application/json; charset=utf-16'),
    fc.string({ maxLength: 30 }).filter((type) => !/[\r\n\0]/.test(type) && type.trim() !== '' && /^[\x20-\x7e]*$/.test(type)),
  );
  const bodies = fc.oneof(
    fc.string({ maxLength: 3000 }),
    fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null'),
    fc.record({ jsonrpc: fc.constant('2.0'), id: fc.integer(), method: fc.constantFrom('add', 'note', 'nope'), params: fc.constant([1, 2]) }).map((request) => JSON.stringify(request)),
  );

  it('the status follows from method, content type and size alone; a 200 always carries what handle() answers', async () => {
    await fc.assert(
      fc.asyncProperty(methods, types, bodies, async (method, type, body) => {
        const request = new Request('http://rpc.test/', method.toUpperCase() === 'GET' ? { method } : { method, headers: { 'content-type': type }, body });
        const response = await handler(request);
        const bytes = new TextEncoder().encode(body).byteLength;
        const json = /^\s*application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i.test(type);
        const expected = method.toUpperCase() !== 'POST' ? 405 : !json ? 415 : bytes > limit ? 413 : undefined;
        const text = await response.text();
        if (expected !== undefined) {
          assert.equal(response.status, expected);
          return;
        }
        const answer = await handle(body, dispatcher);
        assert.equal(response.status, answer === null ? 204 : 200);
        assert.equal(text, answer ?? '');
      }),
      { numRuns: 300 },
    );
  });
});

/** A fetch that calls `handler` in process (so the client meets the real handler, no sockets). */
function inProcess(handler: (request: Request) => Promise<Response>): FetchFunction {
  return (url, init) => handler(new Request(url, init));
}

describe('createHttpClient', () => {
  type Api = { add: (a: number, b: number) => number; note: () => void; boom: () => never; slow: () => string };
  const handler = createFetchHandler(dispatcher);

  it('typed request, notify and batch against the fetch handler; error responses reject with their exception', async () => {
    const client = createHttpClient<Api>('http://rpc.test/', { fetch: inProcess(handler) });
    const sum: number = await client.request('add', [2, 40]);
    assert.equal(sum, 42);
    await client.notify('note');
    await assert.rejects(client.request('boom'), (error: unknown) => error instanceof JsonRpcException && error.code === -32603);
    const [a, n, b, c] = client.batch([
      { method: 'add', params: [1, 1] },
      { method: 'note', notification: true },
      { method: 'nope' },
      { method: 'add', params: [2, 2] },
    ]);
    assert.equal(await a, 2);
    assert.equal(await n, undefined);
    await assert.rejects(b!, JsonRpcMethodNotFoundError);
    assert.equal(await c, 4);
  });

  it('sends its headers (a function is called per POST)', async () => {
    const seen: (string | null)[] = [];
    let token = 0;
    const client = createHttpClient('http://rpc.test/', {
      fetch: (url, init) => {
        seen.push(new Headers(init.headers).get('authorization'));
        return handler(new Request(url, init));
      },
      headers: () => ({ authorization: `Bearer ${++token}` }),
    });
    await client.request('add', [1, 1]);
    await client.request('add', [1, 1]);
    assert.deepEqual(seen, ['Bearer 1', 'Bearer 2']);
    const failing = createHttpClient('http://rpc.test/', { fetch: inProcess(handler), headers: () => { throw new Error('no token'); } });
    await assert.rejects(failing.request('add', [1, 1]), HeadersError);
  });

  it('times out (client default and per call) and aborts: the POST is aborted too', async () => {
    const signals: AbortSignal[] = [];
    const hanging: FetchFunction = (_url, init) => {
      signals.push(init.signal);
      return new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
    };
    const client = createHttpClient('http://rpc.test/', { fetch: hanging, timeoutMs: 20 });
    await assert.rejects(client.request('slow'), RequestTimeoutError);
    await assert.rejects(client.request('slow', undefined, { timeoutMs: 5 }), (error: unknown) => error instanceof RequestTimeoutError && error.timeoutMs === 5);
    const controller = new AbortController();
    const call = client.request('slow', undefined, { signal: controller.signal, timeoutMs: Infinity });
    controller.abort('stop');
    const error = await call.then(() => undefined, (err: unknown) => err);
    assert.ok(error instanceof RequestAbortedError);
    assert.equal(error.cause, 'stop');
    await assert.rejects(client.request('slow', undefined, { signal: AbortSignal.abort() }), RequestAbortedError);
    assert.equal(signals.length, 2, 'a call aborted before its POST (at once, or already) sends nothing');
    assert.ok(signals.every((signal) => signal.aborted), 'every POST made was aborted');
  });

  it('a failing POST is ConnectionClosedError; a non-200 status HttpStatusError; a non-JSON-RPC answer JsonRpcInvalidResponseError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const refused = createHttpClient(`http://127.0.0.1:${port}/`);
    const error = await refused.request('x').then(() => undefined, (err: unknown) => err as Error);
    assert.ok(error instanceof ConnectionClosedError);
    assert.match(error.message, /ECONNREFUSED/);
    const answering = (status: number, body: string): FetchFunction => async () => new Response(status === 204 ? null : body, { status });
    const status = await createHttpClient('http://x/', { fetch: answering(503, 'busy') }).request('x').then(() => undefined, (err: unknown) => err);
    assert.ok(status instanceof HttpStatusError);
    assert.equal(status.status, 503);
    assert.equal(status.body, 'busy');
    for (const body of ['<html>', '{"jsonrpc":"2.0","id":99,"result":1}', '[{"jsonrpc":"2.0","id":1,"result":1}]', '{"jsonrpc":"1.0","id":1,"result":1}']) {
      await assert.rejects(createHttpClient('http://x/', { fetch: answering(200, body) }).request('x'), JsonRpcInvalidResponseError, body);
    }
    await assert.rejects(createHttpClient('http://x/', { fetch: answering(204, '') }).request('x'), /204 No Content to a request/);
    const big = createHttpClient('http://x/', { fetch: answering(200, 'x'.repeat(2000)), maxResponseBytes: 1000 });
    await assert.rejects(big.request('x'), /longer than maxResponseBytes/);
  });

  it('refuses bad options at once', () => {
    assert.throws(() => createHttpClient('http://x/', { timeoutMs: -1 }), RangeError);
    assert.throws(() => createHttpClient('http://x/', { maxResponseBytes: 0 }), RangeError);
  });
});
