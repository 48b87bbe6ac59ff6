/**
 * Interop with real peers: vscode-jsonrpc in both roles (Content-Length over a child's stdio and
 * over a socket) and jayson's TCP client and server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import jayson from 'jayson';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc';
import {
  createMessageConnection,
  SocketMessageReader,
  SocketMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';

import { Dispatcher } from '../../src/dispatch/index.js';
import { JsonRpcApplicationError } from '../../src/parser/errors.js';
import { JsonRpcInvalidResponseError } from '../../src/parser/invalid-response.js';
import {
  connect,
  connectTcp,
  listenTcp,
  RequestAbortedError,
  spawnConnection,
  type ConnectionContext,
} from '../../src/node-streams/index.js';
import { delay, waitFor } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ourStdioServer = path.join(here, '../fixtures/stdio-server.js');
const vscodeStdioServer = path.join(here, '../fixtures/vscode-stdio-server.js');

describe('vscode-jsonrpc', () => {
  it('as the client, driving our connectStdio server over a child process (Content-Length)', async () => {
    const child = spawn(process.execPath, [ourStdioServer], { stdio: ['pipe', 'pipe', 'ignore'] });
    const vscode = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    vscode.onRequest('whoAreYou', () => 'vscode');
    vscode.listen();
    try {
      assert.equal(await vscode.sendRequest<number>('add', 20, 22), 42);
      assert.equal(await vscode.sendRequest<string>('callBack'), 'hello, vscode');
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => vscode.sendRequest<number>('add', i, 1)));
      assert.deepEqual(results, Array.from({ length: 200 }, (_, i) => i + 1));
      // vscode cancels with $/cancelRequest; ours answers -32800.
      const source = new CancellationTokenSource();
      const hanging = vscode.sendRequest('hang', source.token);
      setTimeout(() => source.cancel(), 30);
      await assert.rejects(hanging, (err: unknown) => {
        assert.ok(err instanceof ResponseError);
        assert.equal(err.code, -32800);
        return true;
      });
      await assert.rejects(vscode.sendRequest('nope'), (err: unknown) => err instanceof ResponseError && err.code === -32601);
    } finally {
      vscode.dispose();
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('as the server, on a child process driven by spawnConnection (Content-Length)', async () => {
    const notes: string[] = [];
    const child = spawnConnection<{ mul(a: number, b: number): number; slow(): string; ask(): string; progress(p: { token: string }): string }>(
      process.execPath,
      [vscodeStdioServer],
      {
        framing: 'content-length',
        stderr: 'ignore',
        dispatcher: new Dispatcher()
          .add('whoAreYou', () => 'jsonrpc-wire')
          .add('sawCancel', () => void notes.push('sawCancel')),
      },
    );
    try {
      const { connection } = child;
      assert.equal(await connection.request('mul', [6, 7]), 42);
      assert.equal(await connection.request('ask'), 'vscode met jsonrpc-wire');
      const seen: unknown[] = [];
      connection.onProgress('p1', (value) => seen.push(value));
      assert.equal(await connection.request('progress', { token: 'p1' }), 'done');
      assert.deepEqual(seen, [1, 2, 3]);
      // Our abort sends $/cancelRequest (default with content-length); vscode's token sees it.
      const controller = new AbortController();
      const slow = connection.request('slow', undefined, { signal: controller.signal });
      setTimeout(() => controller.abort(), 30);
      await assert.rejects(slow, RequestAbortedError);
      await waitFor(() => notes.includes('sawCancel'), 3000, 'vscode to see the cancellation');
    } finally {
      await child.close();
    }
  });

  it('as the client over a socket, against our listenTcp server', async () => {
    const server = await listenTcp({ host: '127.0.0.1', port: 0 }, undefined, {
      framing: 'content-length',
      dispatcher: new Dispatcher<{ add(a: number, b: number): number; greet(): string }, ConnectionContext>()
        .add('add', (a, b) => a + b)
        .add('greet', async (_p: undefined, ctx) => `hi ${String(await ctx.connection.request('name'))}`, {
          params: 'named',
          optional: true,
        }),
    });
    const address = server.address as { port: number };
    const socket = net.createConnection({ host: '127.0.0.1', port: address.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const vscode = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
    vscode.onRequest('name', () => 'vs');
    vscode.listen();
    try {
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => vscode.sendRequest<number>('add', i, i)));
      assert.deepEqual(results, Array.from({ length: 1000 }, (_, i) => 2 * i));
      assert.equal(await vscode.sendRequest<string>('greet'), 'hi vs');
    } finally {
      vscode.dispose();
      socket.destroy();
      await server.close();
    }
  });

  it('as the server over a socket, driven by our connectTcp client', async () => {
    const notes: unknown[] = [];
    const tcp = net.createServer((socket) => {
      const vscode = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
      vscode.onRequest('mul', (a: number, b: number) => a * b);
      vscode.onRequest('broke', () => {
        throw new ResponseError(4001, 'Insufficient funds', { balance: 3 });
      });
      vscode.onNotification('note', (params: unknown) => void notes.push(params));
      vscode.onClose(() => vscode.dispose());
      socket.on('error', () => socket.destroy());
      vscode.listen();
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const { port } = tcp.address() as net.AddressInfo;
    const client = await connectTcp({ host: '127.0.0.1', port }, { framing: 'content-length' });
    try {
      assert.equal(await client.request('mul', [3, 5]), 15);
      await assert.rejects(client.request('broke'), (err: unknown) => {
        assert.ok(err instanceof JsonRpcApplicationError);
        assert.equal(err.code, 4001);
        assert.deepEqual(err.data, { balance: 3 });
        return true;
      });
      await client.notify('note', { n: 1 });
      const results = await Promise.all(Array.from({ length: 500 }, (_, i) => client.request('mul', [i, 2])));
      assert.deepEqual(results, Array.from({ length: 500 }, (_, i) => 2 * i));
      await waitFor(() => notes.length === 1, 2000, 'the notification');
      assert.deepEqual(notes, [{ n: 1 }]);
    } finally {
      await client.close();
      await new Promise((resolve) => tcp.close(resolve));
    }
  });
});

describe('jayson (TCP)', () => {
  // jayson 5's TCP transport writes each JSON value followed by "\n" and reads up to "\n": our
  // 'newline' framing. (Our 'json-stream' framing reads its output too, but jayson cannot read
  // concatenated JSON without the newline.)
  it("jayson's TCP client against our server", async () => {
    const server = await listenTcp({ host: '127.0.0.1', port: 0 }, undefined, {
      dispatcher: new Dispatcher().add('add', (a: number, b: number) => a + b).add('fail', () => {
        throw new JsonRpcApplicationError(7, 'nope');
      }),
    });
    const { port } = server.address as { port: number };
    const client = jayson.Client.tcp({ host: '127.0.0.1', port });
    const call = (method: string, params: unknown[]): Promise<{ result?: unknown; error?: { code: number } }> =>
      new Promise((resolve, reject) =>
        client.request(method, params, (err: unknown, response: { result?: unknown; error?: { code: number } }) =>
          err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(response),
        ),
      );
    try {
      assert.equal((await call('add', [1, 2])).result, 3);
      assert.equal((await call('fail', [])).error?.code, 7);
      assert.equal((await call('missing', [])).error?.code, -32601);
      const many = await Promise.all(Array.from({ length: 50 }, (_, i) => call('add', [i, 1])));
      assert.deepEqual(
        many.map((r) => r.result),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    } finally {
      await server.close();
    }
  });

  it('our client against jayson\'s TCP server, requests and notifications', async () => {
    const notes: unknown[] = [];
    const jaysonServer = new jayson.Server({
      add: (args: [number, number], callback: (error: unknown, result?: number) => void) => callback(null, args[0] + args[1]),
      note: (args: unknown, callback: (error: unknown) => void) => {
        notes.push(args);
        callback(null);
      },
    });
    const tcp = jaysonServer.tcp();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const { port } = tcp.address() as net.AddressInfo;
    const client = await connectTcp({ host: '127.0.0.1', port }, { framing: 'newline' });
    try {
      assert.equal(await client.request('add', [40, 2]), 42);
      const results = await Promise.all(Array.from({ length: 300 }, (_, i) => client.request('add', [i, i])));
      assert.deepEqual(results, Array.from({ length: 300 }, (_, i) => 2 * i));
      await assert.rejects(client.request('missing'), (err: unknown) => (err as { code?: number }).code === -32601);
      await client.notify('note', ['hello']);
      await waitFor(() => notes.length === 1, 2000, 'the notification');
    } finally {
      await client.close();
      await new Promise((resolve) => tcp.close(resolve));
    }
  });

  it("our client against jayson's JSON-RPC 1.0 server: a prompt JsonRpcInvalidResponseError, and no answer loop on the wire", async () => {
    const jaysonServer = new jayson.Server(
      { add: (args: [number, number], callback: (error: unknown, result?: number) => void) => callback(null, args[0] + args[1]) },
      { version: 1 },
    );
    let received = 0; // messages jayson read from us
    jaysonServer.on('request', () => void received++);
    const tcp = jaysonServer.tcp();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const { port } = tcp.address() as net.AddressInfo;
    const socket = net.createConnection({ host: '127.0.0.1', port });
    await new Promise((resolve) => socket.once('connect', resolve));
    let answers = 0; // messages jayson wrote to us
    socket.on('data', (chunk: Buffer) => (answers += chunk.toString('utf8').split('\n').length - 1));
    const client = connect(socket, { framing: 'newline' });
    try {
      const started = Date.now();
      const err = await client.request('add', [1, 2], { timeoutMs: 10_000 }).catch((e: unknown) => e);
      assert.ok(err instanceof JsonRpcInvalidResponseError, String(err));
      assert.ok(Date.now() - started < 5000, 'rejected at once, not by the timeout');
      assert.deepEqual(err.response, { id: 1, error: null, result: 3 });
      await delay(200); // a loop would run thousands of round trips meanwhile
      assert.equal(received, 1, 'jayson read our one request and nothing else');
      assert.equal(answers, 1, 'jayson wrote its one answer');
    } finally {
      await client.close();
      await new Promise((resolve) => tcp.close(resolve));
    }
  });
});
