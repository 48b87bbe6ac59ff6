/**
 * `createNodeHttpHandler` on a real `node:http` server: every status over the wire, the body limit
 * counted while reading (a chunked body with no Content-Length), the client going away (handlers'
 * signal aborts), and interop with jayson's HTTP client and server in both roles, our
 * `createHttpClient` included.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';

import jayson from 'jayson';

import { Dispatcher, type DispatchContext } from '../../src/dispatch/index.js';
import { JsonRpcMethodNotFoundError } from '../../src/parser/errors.js';
import { createNodeHttpHandler } from '../../src/node-http/handler.js';
import { createHttpClient } from '../../src/web/http-client.js';
import { waitFor } from '../node-streams/helpers.js';

let started = 0;
let aborted = 0;
const dispatcher = new Dispatcher()
  .add('add', (a: number, b: number) => a + b)
  .add('note', () => undefined)
  .add('hang', (_: unknown, context: DispatchContext) => {
    started++;
    return new Promise((resolve) => context.signal.addEventListener('abort', () => resolve((aborted++, 'late'))));
  }, { params: 'named', optional: true });

async function serve(handler: http.RequestListener): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** One raw HTTP exchange: status, headers, body. `chunked` sends the body without a Content-Length. */
function exchange(port: number, method: string, headers: Record<string, string>, body?: string, chunked = false): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method, headers, path: '/' }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
    });
    request.on('error', reject);
    if (body === undefined || !chunked) {
      request.end(body);
      return;
    }
    // Written in two parts, so Node sends it chunked (no Content-Length: the size is known only while reading).
    request.write(body.slice(0, 100));
    request.end(body.slice(100));
  });
}

describe('createNodeHttpHandler', () => {
  const json = { 'content-type': 'application/json' };

  it('answers 200, 204, 405 (Allow), 415 and 413 over a real server', async () => {
    const { port, close } = await serve(createNodeHttpHandler(dispatcher, { maxBodyBytes: 500 }));
    try {
      const ok = await exchange(port, 'POST', json, '{"jsonrpc":"2.0","id":1,"method":"add","params":[1,2]}');
      assert.deepEqual([ok.status, ok.headers['content-type'], JSON.parse(ok.body)], [200, 'application/json', { jsonrpc: '2.0', id: 1, result: 3 }]);
      const none = await exchange(port, 'POST', json, '{"jsonrpc":"2.0","method":"note"}');
      assert.deepEqual([none.status, none.body], [204, '']);
      const get = await exchange(port, 'GET', {});
      assert.deepEqual([get.status, get.headers.allow], [405, 'POST']);
      assert.equal((await exchange(port, 'POST', { 'content-type': 'text/plain' }, '{}')).status, 415);
      assert.equal((await exchange(port, 'POST', json, 'x'.repeat(501))).status, 413, 'by Content-Length');
      assert.equal((await exchange(port, 'POST', json, 'x'.repeat(2000), true)).status, 413, 'counted while reading');
      const fits = await exchange(port, 'POST', json, `{"jsonrpc":"2.0","id":2,"method":"add","params":[2,2]}${' '.repeat(300)}`, true);
      assert.equal(fits.status, 200);
    } finally {
      await close();
    }
  });

  it("onRequest sees the IncomingMessage; createContext gives handlers the request's user", async () => {
    const typed = new Dispatcher<{ whoami: () => string }, DispatchContext & { user: string }>().add('whoami', (_: unknown, context) => context.user, { params: 'named', optional: true });
    const handler = createNodeHttpHandler(typed, {
      onRequest: (req) => (req.headers.authorization === undefined ? { status: 401, body: 'who are you?' } : undefined),
      createContext: (base, req) => ({ ...base, user: String(req.headers.authorization).replace('Bearer ', '') }),
    });
    const { port, close } = await serve(handler);
    try {
      const refused = await exchange(port, 'POST', json, '{"jsonrpc":"2.0","id":1,"method":"whoami"}');
      assert.deepEqual([refused.status, refused.body], [401, 'who are you?']);
      const answered = await exchange(port, 'POST', { ...json, authorization: 'Bearer ada' }, '{"jsonrpc":"2.0","id":1,"method":"whoami"}');
      assert.equal(JSON.parse(answered.body).result, 'ada');
    } finally {
      await close();
    }
  });

  it("a client that goes away aborts its handlers' signal", async () => {
    const { port, close } = await serve(createNodeHttpHandler(dispatcher));
    try {
      const [startedBefore, abortedBefore] = [started, aborted];
      const request = http.request({ host: '127.0.0.1', port, method: 'POST', headers: json, path: '/' });
      request.on('error', () => {});
      request.end('{"jsonrpc":"2.0","id":1,"method":"hang"}');
      await waitFor(() => started === startedBefore + 1, 5000, 'the handler started');
      request.destroy();
      await waitFor(() => aborted === abortedBefore + 1, 5000, 'the handler saw its signal abort');
    } finally {
      await close();
    }
  });
});

describe('interop with jayson over HTTP', () => {
  it("jayson's HTTP client calls our node:http handler: results, errors, notifications, a batch", async () => {
    const { port, close } = await serve(createNodeHttpHandler(dispatcher));
    try {
      const client = jayson.Client.http({ host: '127.0.0.1', port });
      const call = (method: string, params: unknown[]): Promise<{ result?: unknown; error?: { code: number } }> =>
        new Promise((resolve, reject) =>
          client.request(method, params, (err: unknown, response: { result?: unknown; error?: { code: number } }) => (err ? reject(err) : resolve(response))),
        );
      assert.equal((await call('add', [2, 3])).result, 5);
      assert.equal((await call('nope', [])).error?.code, -32601);
      // jayson builds a request object when given no callback, and sends an array of them as a batch.
      const entries = [client.request('add', [1, 1]), client.request('add', [2, 2])] as unknown as jayson.JSONRPCRequestLike[];
      const batch = await new Promise<{ id: unknown; result?: unknown }[]>((resolve, reject) =>
        client.request(entries, (err: unknown, responses?: { id: unknown; result?: unknown }[]) => (err ? reject(err) : resolve(responses ?? []))),
      );
      assert.deepEqual(batch.map((response) => response.result).sort(), [2, 4]);
      await new Promise<void>((resolve, reject) => client.request('note', [], null, (err: unknown) => (err ? reject(err) : resolve())));
    } finally {
      await close();
    }
  });

  it("our createHttpClient calls jayson's HTTP server: results, its errors, a batch, a notification", async () => {
    const notes: unknown[] = [];
    const server = new jayson.Server({
      add: (args: [number, number], callback: (error: unknown, result?: number) => void) => callback(null, args[0] + args[1]),
      note: (args: unknown, callback: (error: unknown) => void) => {
        notes.push(args);
        callback(null);
      },
    });
    const httpServer = server.http();
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const { port } = httpServer.address() as AddressInfo;
    try {
      const client = createHttpClient<{ add: (a: number, b: number) => number; note: (text: string) => void }>(`http://127.0.0.1:${port}/`, { timeoutMs: 5000 });
      assert.equal(await client.request('add', [40, 2]), 42);
      await assert.rejects((client as ReturnType<typeof createHttpClient>).request('missing'), JsonRpcMethodNotFoundError);
      const [a, b] = client.batch([{ method: 'add', params: [1, 2] }, { method: 'add', params: [3, 4] }]);
      assert.deepEqual(await Promise.all([a, b]), [3, 7]);
      await client.notify('note', ['hi']);
      await waitFor(() => notes.length === 1);
      assert.deepEqual(notes, [['hi']]);
    } finally {
      httpServer.closeAllConnections();
      await new Promise((resolve) => httpServer.close(resolve));
    }
  });
});
