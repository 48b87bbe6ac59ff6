/**
 * `connectWebSocket`: the behaviour suite over loopback `ws` sockets, back pressure both ways
 * (`ws` paused while the connection may not read; `bufferedAmount` bounding what waits to be
 * sent), messages sent before the socket opens, closing and failing, a WHATWG WebSocket (Node's
 * `--experimental-websocket`, in a child), and interop with rpc-websockets in both roles.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { Client as RpcWebSocketsClient, Server as RpcWebSocketsServer } from 'rpc-websockets';
import { WebSocket, WebSocketServer } from 'ws';

import type { ConnectionContext, ConnectionOptions } from '../../src/connection/connection.js';
import { Dispatcher } from '../../src/dispatch/index.js';
import { JsonRpcMethodNotFoundError } from '../../src/parser/errors.js';
import { connectWebSocket } from '../../src/web/websocket.js';
import { delay, describeConnection, methods } from '../connection/behaviour.js';
import { waitFor } from '../node-streams/helpers.js';

const NO_HALF_CLOSE = 'a WebSocket closes both ways at once';

/** A listening WebSocketServer on a free loopback port. */
async function listen(): Promise<{ server: WebSocketServer; url: string }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Two open `ws` sockets connected to each other over loopback, and the TCP socket under each. */
async function socketPair(): Promise<{ client: WebSocket; accepted: WebSocket; clientTcp: Socket; acceptedTcp: Socket; close: () => Promise<void> }> {
  const { server, url } = await listen();
  const acceptedOne = new Promise<[WebSocket, Socket]>((resolve) =>
    server.once('connection', (socket: WebSocket, request: IncomingMessage) => resolve([socket, request.socket])),
  );
  const client = new WebSocket(url);
  let clientTcp: Socket | undefined;
  client.once('upgrade', (response: IncomingMessage) => (clientTcp = response.socket));
  await new Promise<void>((resolve, reject) => {
    client.once('open', resolve);
    client.once('error', reject);
  });
  const [accepted, acceptedTcp] = await acceptedOne;
  return {
    client,
    accepted,
    clientTcp: clientTcp!,
    acceptedTcp,
    close: async () => {
      client.terminate();
      accepted.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describeConnection(
  'WebSocket (ws, loopback)',
  async (optionsA?: ConnectionOptions, optionsB?: ConnectionOptions) => {
    const { client, accepted, close } = await socketPair();
    return {
      a: connectWebSocket(client, optionsA),
      b: connectWebSocket(accepted, optionsB),
      endOutputOfA: () => assert.fail(NO_HALF_CLOSE),
      cleanup: close,
    };
  },
  { describe, it },
  { noHalfClose: NO_HALF_CLOSE },
);

describeConnection(
  'WebSocket (ws, loopback, tcpSocket: corked per turn)',
  async (optionsA?: ConnectionOptions, optionsB?: ConnectionOptions) => {
    const { client, accepted, clientTcp, acceptedTcp, close } = await socketPair();
    return {
      a: connectWebSocket(client, { ...optionsA, tcpSocket: clientTcp }),
      b: connectWebSocket(accepted, { ...optionsB, tcpSocket: acceptedTcp }),
      endOutputOfA: () => assert.fail(NO_HALF_CLOSE),
      cleanup: close,
    };
  },
  { describe, it },
  { noHalfClose: NO_HALF_CLOSE },
);

describe('connectWebSocket tcpSocket', () => {
  it("corks the socket once per turn: a turn's messages leave together, in order", async () => {
    const { client, accepted, clientTcp, close } = await socketPair();
    try {
      const calls: string[] = [];
      const tcpSocket = {
        cork: () => (calls.push('cork'), clientTcp.cork()),
        uncork: () => (calls.push('uncork'), clientTcp.uncork()),
      };
      connectWebSocket(accepted, { dispatcher: methods({ echo: ({ v }: { v: number }) => v }) });
      const connection = connectWebSocket(client, { tcpSocket });
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => connection.request('echo', { v: i })));
      assert.deepEqual(results, Array.from({ length: 100 }, (_, i) => i));
      assert.deepEqual(calls, ['cork', 'uncork'], 'one turn of sends: corked once');
      await connection.request('echo', { v: 1 });
      assert.deepEqual(calls, ['cork', 'uncork', 'cork', 'uncork']);
    } finally {
      await close();
    }
  });

  it('refuses what is not a socket; an uncork that throws fails the connection (contained)', async () => {
    const { client, close } = await socketPair();
    try {
      assert.throws(() => connectWebSocket(client, { tcpSocket: {} as never }), /tcpSocket must be the socket under the WebSocket/);
      const tcpSocket = { cork: () => {}, uncork: () => { throw new Error('uncork failed'); } };
      const connection = connectWebSocket(client, { tcpSocket });
      const pending = connection.request('m');
      assert.match((await connection.closed).message, /uncork failed/);
      await assert.rejects(pending);
    } finally {
      await close();
    }
  });
});

describe('connectWebSocket', () => {
  it('sends one JSON text per message, a batch as one message; reads text and binary messages', async () => {
    const { client, accepted, close } = await socketPair();
    const received: string[] = [];
    accepted.on('message', (data, isBinary) => {
      assert.equal(isBinary, false, 'JSON goes as text frames');
      received.push(String(data));
    });
    const connection = connectWebSocket(client);
    await connection.notify('one', [1]);
    const [requested] = connection.batch([{ method: 'a' }, { method: 'b', notification: true }]);
    await waitFor(() => received.length === 2);
    assert.deepEqual(received.map((text) => JSON.parse(text) as unknown), [
      { jsonrpc: '2.0', method: 'one', params: [1] },
      [{ jsonrpc: '2.0', id: 1, method: 'a' }, { jsonrpc: '2.0', method: 'b' }],
    ]);
    accepted.send('{"jsonrpc":"2.0","id":1,"result":"text"}');
    accepted.send(new TextEncoder().encode('{"jsonrpc":"2.0","id":7,"method":"missing"}'), { binary: true });
    const answered = new Promise<string>((resolve) => accepted.once('message', (data) => resolve(String(data))));
    assert.equal(await requested, 'text');
    assert.deepEqual((JSON.parse(await answered) as { id: number; error: { code: number } }).error.code, -32601);
    connection.destroy();
    await close();
  });

  it('requests made before the socket opens are sent once it does', async () => {
    const { server, url } = await listen();
    server.on('connection', (socket) => void connectWebSocket(socket, { dispatcher: methods({ hi: () => 'hello' }) }));
    const socket = new WebSocket(url);
    assert.equal(socket.readyState, WebSocket.CONNECTING);
    const connection = connectWebSocket(socket);
    assert.deepEqual(await Promise.all([connection.request('hi'), connection.request('hi')]), ['hello', 'hello']);
    await connection.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('closing or destroying before the socket opens throws nothing and leaves nothing unhandled', async () => {
    const { server, url } = await listen();
    for (const end of ['close', 'destroy'] as const) {
      const connection = connectWebSocket(new WebSocket(url));
      const call = connection.request('x').then(() => undefined, (err: unknown) => err);
      if (end === 'close') await connection.close();
      else connection.destroy();
      assert.match(String((await call as Error).message), /closed locally|destroyed locally/);
    }
    await delay(50); // ws reports the aborted handshake on a later tick: it must find a listener
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('pauses the ws socket while every handler is busy, and reads on once one finishes', async () => {
    const { client, accepted, close } = await socketPair();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const server = connectWebSocket(accepted, { dispatcher: new Dispatcher().add('work', async (n: number) => (await gate, n)), maxConcurrentHandlers: 1 });
    const caller = connectWebSocket(client);
    const calls = Array.from({ length: 100 }, (_, n) => caller.request('work', [n]));
    await waitFor(() => server.runningHandlers === 1);
    await delay(20);
    assert.equal(accepted.isPaused, true, 'the ws socket is paused');
    assert.equal(server.readingPaused, true);
    release();
    assert.deepEqual(await Promise.all(calls), Array.from({ length: 100 }, (_, n) => n));
    assert.equal(accepted.isPaused, false);
    caller.destroy();
    await close();
  });

  it('bounds what waits to be sent by bufferedAmount: a peer that stops reading stops our writes', async () => {
    const { client, accepted, close } = await socketPair();
    const receivedCount = { n: 0 };
    client.on('message', () => void receivedCount.n++);
    client.pause(); // the peer reads nothing: the kernel buffers fill, then ws's
    const connection = connectWebSocket(accepted, { highWaterMark: 64 * 1024 });
    const pad = 'x'.repeat(4096);
    let written = 0;
    const sent = Array.from({ length: 2000 }, (_, i) => connection.notify('n', { i, pad }).then(() => void written++));
    await delay(200);
    assert.ok(written < 2000, 'notifications wait to be written');
    // ws holds what it could not hand to the kernel: at most the mark plus one message.
    assert.ok(accepted.bufferedAmount < 64 * 1024 + 8192, `bufferedAmount ${accepted.bufferedAmount}`);
    client.resume();
    await Promise.all(sent);
    await waitFor(() => receivedCount.n === 2000, 10_000, 'every notification arrived');
    connection.destroy();
    await close();
  });

  it('close() closes with 1000 after what was sent; the other side is told the code', async () => {
    const { client, accepted, close } = await socketPair();
    const server = connectWebSocket(accepted, { dispatcher: methods({ note: () => undefined }) });
    const caller = connectWebSocket(client);
    const code = new Promise<number>((resolve) => accepted.once('close', (c) => resolve(c)));
    void caller.notify('note');
    await caller.close();
    assert.equal(await code, 1000);
    assert.match((await server.closed).message, /remote side closed the connection: WebSocket close code 1000/);
    await close();
  });

  it('a socket that cannot connect fails the connection: requests reject, nothing is left unhandled', async () => {
    const { server, url } = await listen();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const connection = connectWebSocket(new WebSocket(url));
    const error = await connection.request('x').then(() => undefined, (err: unknown) => err as Error);
    assert.match(String(error?.message), /connection was lost \(ECONNREFUSED\)/);
  });

  it('a socket closed already ends the connection at once', async () => {
    const { client, close } = await socketPair();
    client.close();
    await new Promise((resolve) => client.once('close', resolve));
    const connection = connectWebSocket(client);
    assert.match((await connection.closed).message, /remote side closed/);
    await close();
  });

  it('refuses what is not a WebSocket, and a bad highWaterMark', async () => {
    assert.throws(() => connectWebSocket({} as WebSocket), /needs a WebSocket/);
    const { client, close } = await socketPair();
    assert.throws(() => connectWebSocket(client, { highWaterMark: -1 }), /highWaterMark must be a positive integer/);
    await close();
  });
});

describe('a WHATWG WebSocket (Node --experimental-websocket, in a child)', () => {
  const fixture = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/whatwg-websocket-client.js');

  it('calls our ws server, answers its call back, waits on bufferedAmount under 6 MiB of requests, closes', async () => {
    const { server, url } = await listen();
    const dispatcher = new Dispatcher()
      .add('add', (a: number, b: number) => a + b)
      .add('big', (n: number) => 'y'.repeat(n))
      .add('length', (text: string) => text.length)
      .add('whoAreYou', async (_: unknown, context: ConnectionContext) => `client said ${String(await context.connection.request('name'))}`, { params: 'named', optional: true });
    const closed: Promise<unknown>[] = [];
    server.on('connection', (socket) => void closed.push(connectWebSocket(socket, { dispatcher }).closed));
    const { stdout } = await promisify(execFile)(process.execPath, ['--experimental-websocket', '--no-warnings', fixture, url], {
      env: { ...process.env, JSONRPC_WIRE_FIXTURE: '1' },
      timeout: 20_000,
    });
    assert.deepEqual(JSON.parse(stdout), { add: 5, big: 1_000_000, whoAreYou: 'client said whatwg', missing: -32601, lengths: 100 * 65_536, waitedForDrain: true });
    await Promise.all(closed);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('interop with rpc-websockets', () => {
  it('its Client calls our ws server: calls, errors, notifications, a batch of its own', async () => {
    const { server, url } = await listen();
    const notes: unknown[] = [];
    const dispatcher = new Dispatcher()
      .add('sum', (a: number, b: number) => a + b)
      .add('note', (text: string) => void notes.push(text));
    server.on('connection', (socket) => void connectWebSocket(socket, { dispatcher }));
    const client = new RpcWebSocketsClient(url);
    await new Promise<void>((resolve) => client.once('open', resolve));
    assert.equal(await client.call('sum', [2, 3]), 5);
    await assert.rejects(client.call('nope', []), (error: { code?: number }) => error.code === -32601);
    await client.notify('note', ['hello']);
    await waitFor(() => notes.length === 1);
    assert.deepEqual(notes, ['hello']);
    const many = await Promise.all(Array.from({ length: 50 }, (_, i) => client.call('sum', [i, 1])));
    assert.deepEqual(many, Array.from({ length: 50 }, (_, i) => i + 1));
    client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('our client calls its Server: calls, its errors, a batch', async () => {
    const rpc = new RpcWebSocketsServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => rpc.once('listening', resolve));
    rpc.register('sum', (params) => (params as number[]).reduce((a, b) => a + b, 0));
    rpc.register('fail', () => {
      throw new Error('it failed');
    });
    const url = `ws://127.0.0.1:${(rpc.wss.address() as AddressInfo).port}`;
    const connection = connectWebSocket(new WebSocket(url));
    assert.equal(await connection.request('sum', [1, 2, 3]), 6);
    await assert.rejects(connection.request('missing'), JsonRpcMethodNotFoundError);
    const failure = await connection.request('fail').then(() => undefined, (err: unknown) => err as { code: number });
    assert.ok(failure !== undefined && typeof failure.code === 'number', 'a thrown handler is an error response');
    const batch = connection.batch([{ method: 'sum', params: [1, 1] }, { method: 'sum', params: [2, 2] }]);
    assert.deepEqual(await Promise.all(batch), [2, 4]);
    await connection.close();
    await rpc.close();
  });
});
