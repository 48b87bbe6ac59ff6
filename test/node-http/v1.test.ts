/**
 * JSON-RPC 1.0 over HTTP: jayson's 1.0 client (`version: 1`) against our node:http handler, our
 * `createHttpClient({ version: '1.0' })` against jayson's 1.0 HTTP server and against the fetch
 * handler.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';

import jayson from 'jayson';

import { Dispatcher } from '../../src/dispatch/index.js';
import { JsonRpcApplicationError } from '../../src/parser/errors.js';
import { JsonRpcInvalidResponseError } from '../../src/parser/invalid-response.js';
import { createNodeHttpHandler } from '../../src/node-http/handler.js';
import { createFetchHandler } from '../../src/web/fetch-handler.js';
import { createHttpClient, type FetchFunction } from '../../src/web/http-client.js';
import { waitFor } from '../node-streams/helpers.js';

const notes: unknown[] = [];
const dispatcher = new Dispatcher()
  .add('add', (a: number, b: number) => a + b)
  .add('note', (text: string) => void notes.push(text))
  .add('fail', () => {
    throw new JsonRpcApplicationError(7, 'nope');
  });

async function listen(server: http.Server): Promise<{ port: number; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function jaysonCall(client: jayson.Client, method: string, params: unknown[]): Promise<{ error: unknown; result: unknown }> {
  return new Promise((resolve, reject) => {
    client.request(method, params, (err: unknown, error: unknown, result: unknown) => (err ? reject(err as Error) : resolve({ error, result })));
  });
}

describe('JSON-RPC 1.0 over HTTP', () => {
  it("jayson's 1.0 client against createNodeHttpHandler({ version: '1.0' })", async () => {
    const server = await listen(http.createServer(createNodeHttpHandler(dispatcher, { version: '1.0' })));
    const client = jayson.Client.http({ host: '127.0.0.1', port: server.port, version: 1 });
    try {
      assert.deepEqual(await jaysonCall(client, 'add', [2, 3]), { error: null, result: 5 });
      const failed = await jaysonCall(client, 'fail', []);
      assert.deepEqual([failed.result, (failed.error as { code: number }).code], [null, 7]);
    } finally {
      await server.close();
    }
  });

  it("createHttpClient({ version: '1.0' }) against jayson's 1.0 HTTP server: results, errors, a notification", async () => {
    const received: unknown[] = [];
    const jaysonServer = new jayson.Server(
      {
        add: (args: [number, number], callback: (error: unknown, result?: number) => void) => callback(null, args[0] + args[1]),
        fail: (_args: unknown, callback: (error: unknown) => void) => callback({ code: 7, message: 'nope' }),
        note: (args: unknown, callback: (error: unknown) => void) => {
          received.push(args);
          callback(null);
        },
      },
      { version: 1 },
    );
    const server = await listen(jaysonServer.http());
    const client = createHttpClient(`http://127.0.0.1:${server.port}/`, { version: '1.0' });
    try {
      assert.equal(await client.request('add', [40, 2]), 42);
      await assert.rejects(client.request('fail', []), (err: unknown) => (err as { code?: number }).code === 7);
      await assert.rejects(client.request('add', { a: 1 }), /positional params only/);
      await client.notify('note', ['hi']);
      await waitFor(() => received.length === 1, 10_000, 'the notification');
      assert.deepEqual(received, [['hi']]);
      const batch = client.batch([{ method: 'add', params: [1, 1] }]);
      await assert.rejects(batch[0]!, /no batches/);
    } finally {
      await server.close();
    }
  });

  it("createHttpClient({ version: '1.0' }) against createFetchHandler({ version: '1.0' }); a 2.0 client is refused there", async () => {
    const handler = createFetchHandler(dispatcher, { version: '1.0' });
    const bodies: string[] = [];
    const fetch: FetchFunction = (url, init) => {
      bodies.push(init.body);
      return handler(new Request(url, init));
    };
    const client = createHttpClient('http://rpc.invalid/', { version: '1.0', fetch });
    assert.equal(await client.request('add', [1, 2]), 3);
    await client.notify('note', ['seen']);
    assert.deepEqual(notes.slice(-1), ['seen']);
    assert.deepEqual(bodies.map((body) => JSON.parse(body) as unknown), [
      { method: 'add', params: [1, 2], id: 1 },
      { method: 'note', params: ['seen'], id: null },
    ]);
    const strict = createHttpClient('http://rpc.invalid/', { fetch });
    // Its 1.0 answer (a -32600: "jsonrpc" must be absent) is no 2.0 response.
    await assert.rejects(strict.request('add', [1, 2]), JsonRpcInvalidResponseError);
    assert.throws(() => createHttpClient('http://rpc.invalid/', { version: 'both' as never, fetch }), /version must be '2.0' or '1.0'/);
  });
});
