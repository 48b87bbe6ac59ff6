/**
 * `connectMessagePort`: the behaviour suite over Node's MessageChannel (in both message formats),
 * both endpoint shapes (EventEmitter `on` and DOM `addEventListener`), a real worker thread, what
 * arrives in any form, and interop with vscode-jsonrpc's browser reader and writer.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

import type * as VscodeBrowser from 'vscode-jsonrpc/browser';

import type { ConnectionContext, ConnectionOptions } from '../../src/connection/connection.js';
import type { TraceEvent } from '../../src/connection/trace.js';
import { Dispatcher } from '../../src/dispatch/index.js';
import { JsonRpcMethodNotFoundError } from '../../src/parser/errors.js';
import { connectMessagePort, type MessageEndpoint, type MessageFormat } from '../../src/web/message-port.js';
import { delay, methods } from '../connection/behaviour.js';
import { waitFor } from '../node-streams/helpers.js';

// The behaviour suite over MessageChannel ports (both message formats) runs on every runtime: test/runtimes/suites.ts.

/** Only the DOM shape of a real port: `addEventListener`, `removeEventListener`, `start` (as a browser's). */
function domOnly(port: MessagePort): MessageEndpoint & { started: boolean } {
  const endpoint = {
    started: false,
    postMessage: (message: unknown) => port.postMessage(message),
    addEventListener: (type: string, listener: (event: Event) => void) => port.addEventListener(type, listener),
    removeEventListener: (type: string, listener: (event: Event) => void) => port.removeEventListener(type, listener),
    start: () => {
      endpoint.started = true;
      port.start();
    },
  };
  return endpoint;
}

/** What the other end of a channel receives, and a way to post to it raw. */
function rawPeer(port: MessagePort): { received: unknown[]; post: (message: unknown) => void } {
  const received: unknown[] = [];
  port.on('message', (message: unknown) => void received.push(message));
  return { received, post: (message) => port.postMessage(message) };
}

const here = dirname(fileURLToPath(import.meta.url));
const workerServer = join(here, '../fixtures/worker-server.js');

function startWorker(messageFormat?: MessageFormat): Worker {
  return new Worker(workerServer, { workerData: { messageFormat }, env: { ...process.env, JSONRPC_WIRE_FIXTURE: '1' } });
}

describe('connectMessagePort', () => {
  it("posts structured-clone objects by default, JSON text with messageFormat 'json'", async () => {
    for (const [messageFormat, expected] of [
      [undefined, { jsonrpc: '2.0', method: 'n', params: [1] }],
      ['json', '{"jsonrpc":"2.0","method":"n","params":[1]}'],
    ] as const) {
      const { port1, port2 } = new MessageChannel();
      const peer = rawPeer(port2);
      const connection = connectMessagePort(port1, { messageFormat });
      await connection.notify('n', [1]);
      await waitFor(() => peer.received.length === 1);
      assert.deepEqual(peer.received, [expected]);
      connection.destroy();
      port2.close();
    }
  });

  it('accepts objects, JSON text and UTF-8 JSON bytes, a batch as one message', async () => {
    const { port1, port2 } = new MessageChannel();
    const peer = rawPeer(port2);
    const connection = connectMessagePort(port1, { dispatcher: methods({ echo: ({ v }: { v: unknown }) => v }) });
    peer.post({ jsonrpc: '2.0', id: 1, method: 'echo', params: { v: 'object' } });
    peer.post('{"jsonrpc":"2.0","id":2,"method":"echo","params":{"v":"text"}}');
    peer.post(new TextEncoder().encode('{"jsonrpc":"2.0","id":3,"method":"echo","params":{"v":"bytés"}}'));
    peer.post([{ jsonrpc: '2.0', id: 4, method: 'echo', params: { v: 'b1' } }, { jsonrpc: '2.0', method: 'echo', params: { v: 'note' } }]);
    await waitFor(() => peer.received.length === 4);
    assert.deepEqual(peer.received, [
      { jsonrpc: '2.0', id: 1, result: 'object' },
      { jsonrpc: '2.0', id: 2, result: 'text' },
      { jsonrpc: '2.0', id: 3, result: 'bytés' },
      [{ jsonrpc: '2.0', id: 4, result: 'b1' }],
    ]);
    connection.destroy();
    port2.close();
  });

  it('answers what is not JSON-RPC as the spec says, and params with no JSON form with -32602', async () => {
    const { port1, port2 } = new MessageChannel();
    const peer = rawPeer(port2);
    const connection = connectMessagePort(port1);
    let invalid = 0;
    connection.on('invalidMessage', () => void invalid++);
    peer.post(42); // valid JSON, not a request
    peer.post('{"jsonrpc":"2.0",'); // not JSON
    peer.post({ jsonrpc: '2.0', id: 5, method: 'm', params: { big: 10n } }); // structured clone carries a BigInt; JSON cannot
    await waitFor(() => peer.received.length === 3);
    const answers = peer.received.map((answer) => [(answer as { id: unknown }).id, (answer as { error: { code: number } }).error.code]);
    assert.deepEqual(answers, [[null, -32600], [null, -32700], [5, -32602]]);
    assert.equal(invalid, 3);
    connection.destroy();
    port2.close();
  });

  it('traces a value channel as values: each message read as the connection reads it, the text shown only for an invalid one', async () => {
    const { port1, port2 } = new MessageChannel();
    const peer = rawPeer(port2);
    const traced: TraceEvent[] = [];
    const connection = connectMessagePort(port1, { dispatcher: new Dispatcher({ add: (a: number, b: number) => a + b }), trace: (event) => void traced.push(event) });
    try {
      const request = { jsonrpc: '2.0', id: 1, method: 'add', params: [1, 2] };
      const invalid = { jsonrpc: '1.0', id: 2, method: 'add' };
      peer.post(request);
      peer.post(invalid);
      await waitFor(() => peer.received.length === 2 && traced.length === 4);
      const inbound = traced.filter((event) => event.direction === 'in');
      assert.deepEqual(inbound.map((event) => [event.kind, event.id, event.framing, event.text]), [
        ['request', 1, 'message', undefined],
        ['invalid', 2, 'message', JSON.stringify(invalid)],
      ]);
      assert.deepEqual(inbound[0]!.message, request);
      assert.ok(inbound.every((event) => event.bytes > 0));
      const outbound = traced.filter((event) => event.direction === 'out');
      assert.deepEqual(outbound.map((event) => [event.kind, event.id]), [['response', 1], ['response', 2]]);
      assert.deepEqual(outbound[0]!.message, { jsonrpc: '2.0', id: 1, result: 3 });
    } finally {
      connection.destroy();
      port2.close();
    }
  });

  it('reads a posted object as a value: what has no JSON form is refused -32602 / -32600 under its id, the handler never runs', async () => {
    const { port1, port2 } = new MessageChannel();
    const peer = rawPeer(port2);
    let ran = 0;
    const connection = connectMessagePort(port1, { dispatcher: methods({ m: () => void ran++ }) });
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    peer.post({ jsonrpc: '2.0', id: 1, method: 'm', params: { node: cyclic } }); // was -32700 with id null
    peer.post({ jsonrpc: '2.0', id: 2, method: 'm', params: { when: new Date(0) } }); // was run with an ISO string
    peer.post({ jsonrpc: '2.0', id: 3, method: 'm', params: [new Map([[1, 2]]), new Uint8Array(4)] });
    peer.post({ jsonrpc: '2.0', id: 4, method: 'm', params: { toJSON: 'not a function', x: NaN } });
    peer.post({ jsonrpc: '2.0', id: new Date(0), method: 'm' });
    await waitFor(() => peer.received.length === 5);
    const answers = peer.received.map((answer) => [(answer as { id: unknown }).id, (answer as { error: { code: number } }).error.code]);
    assert.deepEqual(answers, [[1, -32602], [2, -32602], [3, -32602], [4, -32602], [null, -32600]]);
    assert.equal(ran, 0);
    connection.destroy();
    port2.close();
  });

  it("method lookup reaches only what the user wrote: Object.prototype's names are -32601", async () => {
    const { port1, port2 } = new MessageChannel();
    const peer = rawPeer(port2);
    const connection = connectMessagePort(port1, { dispatcher: methods({ m: () => 'm' }) });
    const names = ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
    names.forEach((method, i) => peer.post({ jsonrpc: '2.0', id: i, method, params: JSON.parse('{"__proto__":{"polluted":true}}') as unknown }));
    await waitFor(() => peer.received.length === names.length);
    for (const answer of peer.received) assert.equal((answer as { error: { code: number } }).error.code, -32601);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
    connection.destroy();
    port2.close();
  });

  it("posts JSON's form of what it sends, as it was when sent: toJSON, Dates, undefined members, class instances; a BigInt result is -32603", async () => {
    const { port1, port2 } = new MessageChannel();
    const peer = rawPeer(port2);
    class Money {
      constructor(readonly cents: number) {}
      toJSON(): string {
        return `${this.cents / 100} EUR`;
      }
    }
    class Point {
      constructor(readonly x: number) {}
    }
    const connection = connectMessagePort(port1, { dispatcher: methods({ when: () => new Date(0), big: () => 10n, money: () => new Money(150) }) });
    const params = { when: new Date(0), price: new Money(250), skip: undefined, list: [1, undefined, NaN], point: new Point(3) };
    const expected = JSON.parse(JSON.stringify(params)) as unknown;
    void connection.notify('n', params);
    params.list.push(4); // after the call: not what was sent
    peer.post({ jsonrpc: '2.0', id: 1, method: 'when' });
    peer.post({ jsonrpc: '2.0', id: 2, method: 'money' });
    peer.post({ jsonrpc: '2.0', id: 3, method: 'big' });
    await waitFor(() => peer.received.length === 4);
    assert.deepStrictEqual(peer.received[0], { jsonrpc: '2.0', method: 'n', params: expected });
    assert.deepStrictEqual(peer.received.slice(1, 3), [
      { jsonrpc: '2.0', id: 1, result: '1970-01-01T00:00:00.000Z' },
      { jsonrpc: '2.0', id: 2, result: '1.5 EUR' },
    ]);
    assert.equal((peer.received[3] as { id: number; error: { code: number } }).error.code, -32603);
    connection.destroy();
    port2.close();
  });

  it('a response whose result has no JSON form fails the request it answers (an invalid response, never answered)', async () => {
    const { port1, port2 } = new MessageChannel();
    const received: unknown[] = [];
    port2.on('message', (request: { id: number }) => {
      received.push(request);
      port2.postMessage({ jsonrpc: '2.0', id: request.id, result: { at: new Date(0) } });
    });
    const connection = connectMessagePort(port1);
    await assert.rejects(connection.request('m'), (error: Error) => error.name === 'JsonRpcInvalidResponseError' && /result\.at" has no JSON form \(a Date\)/.test(error.message));
    await delay(20);
    assert.equal(received.length, 1, 'nothing was sent back for the invalid response');
    connection.destroy();
    port2.close();
  });

  it('works with the DOM shape alone (addEventListener + start)', async () => {
    const { port1, port2 } = new MessageChannel();
    const endpoint = domOnly(port1);
    const server = connectMessagePort(endpoint, { dispatcher: methods({ hi: () => 'dom' }) });
    assert.ok(endpoint.started, 'start() was called, as a DOM MessagePort needs');
    const client = connectMessagePort(port2);
    assert.equal(await client.request('hi'), 'dom');
    await client.close();
    assert.match((await server.closed).message, /remote side closed/);
  });

  it('refuses what is not an endpoint, and a bad messageFormat', () => {
    assert.throws(() => connectMessagePort({} as MessageEndpoint), /needs an object with postMessage/);
    assert.throws(() => connectMessagePort({ postMessage: () => {} }), /on\(\) or addEventListener\(\)/);
    const { port1, port2 } = new MessageChannel();
    assert.throws(() => connectMessagePort(port1, { messageFormat: 'xml' as MessageFormat }), /messageFormat must be 'object' or 'json'/);
    port1.close();
    port2.close();
  });

  it('close() closes the port: the other side sees the end; listeners are removed', async () => {
    const { port1, port2 } = new MessageChannel();
    const a = connectMessagePort(port1);
    const b = connectMessagePort(port2);
    assert.equal(port1.listenerCount('message'), 1);
    await a.close();
    assert.equal(port1.listenerCount('message'), 0);
    assert.match((await b.closed).message, /remote side closed/);
  });

  for (const messageFormat of ['object', 'json'] as const) {
    it(`talks to a worker thread over parentPort and Worker (EventEmitter only), messageFormat '${messageFormat}'`, async () => {
      const worker = startWorker(messageFormat);
      assert.equal((worker as unknown as { addEventListener?: unknown }).addEventListener, undefined, 'a Worker has no addEventListener');
      const client = connectMessagePort(worker, { messageFormat });
      assert.equal(await client.request('add', [2, 3]), 5);
      await assert.rejects(client.request('nope'), JsonRpcMethodNotFoundError);
      assert.equal(await client.request('quit'), 'bye');
      assert.match((await client.closed).message, /remote side closed/);
    });
  }

  it("a worker's uncaught exception fails the connection: pending requests reject with it", async () => {
    const worker = startWorker();
    const client = connectMessagePort(worker);
    const errors: Error[] = [];
    client.on('error', (error) => void errors.push(error));
    // The answer and the crash race to the main thread: either may come first.
    const answer = await client.request('crash').then((value) => value, (err: unknown) => err);
    assert.ok(answer === 'crashing' || (answer instanceof Error && /worker crashed on purpose/.test(answer.message)), String(answer));
    const reason = await client.closed;
    await assert.rejects(client.request('add', [1, 1]), /connection was lost/);
    assert.match(errors[0]!.message, /worker crashed on purpose/);
    assert.match(reason.message, /connection was lost/);
    await worker.terminate();
  });
});

// vscode-jsonrpc's browser build is exported only under the 'browser' condition; load its file.
const require = createRequire(import.meta.url);
const vscode = require(join(dirname(require.resolve('vscode-jsonrpc')), '../browser/main.js')) as typeof VscodeBrowser;

function vscodeOn(port: MessagePort): VscodeBrowser.MessageConnection {
  // Its reader and writer want a browser MessagePort; Node's has the same onmessage/postMessage/addEventListener.
  const endpoint = port as unknown as ConstructorParameters<typeof VscodeBrowser.BrowserMessageReader>[0];
  const connection = vscode.createMessageConnection(new vscode.BrowserMessageReader(endpoint), new vscode.BrowserMessageWriter(endpoint));
  connection.listen();
  return connection;
}

describe('interop with vscode-jsonrpc/browser (BrowserMessageReader/Writer) over a MessageChannel, default options', () => {
  it('vscode-jsonrpc calls our server: requests, errors, notifications, a call back', async () => {
    const { port1, port2 } = new MessageChannel();
    const notes: unknown[] = [];
    const dispatcher = new Dispatcher()
      .add('add', (a: number, b: number) => a + b)
      .add('note', (text: string) => void notes.push(text))
      .add('whoAmI', async (_: unknown, context: ConnectionContext) => `you are ${String(await context.connection.request('name'))}`, { params: 'named', optional: true });
    const server = connectMessagePort(port1, { dispatcher });
    const client = vscodeOn(port2);
    client.onRequest('name', () => 'vscode');
    assert.equal(await client.sendRequest('add', 2, 40), 42);
    await assert.rejects(client.sendRequest('missing'), (error: { code?: number }) => error.code === -32601);
    await client.sendNotification('note', 'hello');
    await waitFor(() => notes.length === 1);
    assert.deepEqual(notes, ['hello']);
    assert.equal(await client.sendRequest('whoAmI', {}), 'you are vscode');
    client.dispose();
    server.destroy();
    port2.close();
  });

  it('our client calls vscode-jsonrpc: requests, its error responses, its notifications to us', async () => {
    const { port1, port2 } = new MessageChannel();
    const heard: unknown[] = [];
    const server = vscodeOn(port2);
    server.onRequest('add', (a: number, b: number) => a + b);
    server.onRequest('fail', () => new vscode.ResponseError(-32042, 'no luck', { why: 'test' }));
    server.onRequest('ping', async () => {
      await server.sendNotification('pinged', { at: 1 });
      return 'pong';
    });
    const client = connectMessagePort(port1, { dispatcher: methods({ pinged: (params: unknown) => void heard.push(params) }) });
    assert.equal(await client.request('add', [1, 2]), 3);
    const error = (await client.request('fail').then(() => undefined, (err: unknown) => err)) as { code: number; message: string; data: unknown };
    assert.deepEqual([error.code, error.message, error.data], [-32042, 'no luck', { why: 'test' }]);
    assert.equal(await client.request('ping'), 'pong');
    await waitFor(() => heard.length === 1);
    assert.deepEqual(heard, [{ at: 1 }]);
    const many = await Promise.all(Array.from({ length: 100 }, (_, i) => client.request('add', [i, i])));
    assert.deepEqual(many, Array.from({ length: 100 }, (_, i) => 2 * i));
    server.dispose();
    client.destroy();
    port2.close();
    await delay(5);
  });
});
