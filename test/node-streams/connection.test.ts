/**
 * connect(): requests and notifications both ways, errors, timeouts, aborts, cancellation, batches,
 * progress and closing in every state, over real loopback sockets.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { describe, it } from 'node:test';

import { Dispatcher } from '../../src/dispatch/index.js';
import { createFramer } from '../../src/framing/index.js';
import {
  JsonRpcException,
  JsonRpcInvalidParamsError,
  JsonRpcMethodNotFoundError,
  JsonRpcRequestCancelledError,
} from '../../src/parser/errors.js';
import {
  connect,
  ConnectionClosedError,
  RequestAbortedError,
  RequestTimeoutError,
  type ConnectionContext,
  type ConnectOptions,
  type JsonRpcConnection,
} from '../../src/node-streams/index.js';
import type { JsonRpcInvalidMessage } from '../../src/parser/messages.js';
import type { MethodTable, UntypedMethods } from '../../src/dispatch/index.js';
import { delay, memoryPair, noUnhandledRejections, socketPair, waitFor } from './helpers.js';

interface ServerMethods {
  add(a: number, b: number): number;
  echo(p: { text: string }): string;
  sleep(ms: number): Promise<string>;
  fail(): never;
  ping(): void;
}
interface ClientMethods {
  whoAreYou(): string;
}

class InsufficientFundsError extends JsonRpcException {
  static override readonly code = 4001;
  static override readonly defaultMessage = 'Insufficient funds';
  constructor(message?: string, data?: unknown) {
    super(message, data);
  }
}
JsonRpcException.register(InsufficientFundsError);

function serverDispatcher(log: string[] = []): Dispatcher<ServerMethods, ConnectionContext> {
  return new Dispatcher<ServerMethods, ConnectionContext>()
    .add('add', (a, b) => a + b)
    .add('echo', ({ text }) => text, { params: 'named' })
    .add(
      'sleep',
      (ms, ctx) =>
        new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => resolve(`slept ${ms}`), ms);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            log.push(`aborted ${String(ctx.id)}`);
            reject(new Error('aborted'));
          });
        }),
      { params: 'positional', arity: 1 },
    )
    .add('fail', () => {
      throw new InsufficientFundsError(undefined, { balance: 3 });
    })
    .add('ping', () => {
      log.push('ping');
    });
}

/** A connected client/server pair over a loopback socket. */
async function pair(options: { framing?: 'newline' | 'content-length' | 'json-stream'; log?: string[] } = {}) {
  const { a, b, cleanup } = await socketPair();
  const framing = options.framing ?? 'newline';
  const server = connect<ClientMethods, ServerMethods>(b, { framing, dispatcher: serverDispatcher(options.log) });
  const clientDispatcher = new Dispatcher<ClientMethods>().add('whoAreYou', () => 'the client');
  const client = connect<ServerMethods, ClientMethods>(a, { framing, dispatcher: clientDispatcher });
  return {
    client,
    server,
    a,
    b,
    async done() {
      await client.close();
      await server.close();
      cleanup();
    },
  };
}

/** A connection on one end and raw bytes on the other, for exact wire checks. */
async function rawPair<L extends MethodTable<L> = UntypedMethods>(options: ConnectOptions<L> = {}) {
  const { a, b, cleanup } = await socketPair();
  const connection = connect(b, options);
  let text = '';
  a.setEncoding('utf8');
  a.on('data', (chunk: string) => {
    text += chunk;
  });
  return {
    connection,
    raw: a,
    /** Complete newline-framed messages received so far. */
    lines: () =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => text,
    async done() {
      await connection.close();
      cleanup();
    },
  };
}

describe('requests and notifications', () => {
  for (const framing of ['newline', 'content-length', 'json-stream'] as const) {
    it(`works in both directions (${framing})`, async () => {
      const p = await pair({ framing });
      assert.equal(await p.client.request('add', [2, 3]), 5);
      assert.equal(await p.client.request('echo', { text: 'héllo ✓' }), 'héllo ✓');
      assert.equal(await p.server.request('whoAreYou'), 'the client');
      await p.done();
    });
  }

  for (const framing of ['newline', 'content-length'] as const) {
    it(`answers synchronous and asynchronous handlers alike, thenables and throws included (${framing})`, async () => {
      const { a, b, cleanup } = await socketPair();
      const dispatcher = new Dispatcher()
        .add('sync', (x: number) => x * 2)
        .add('async', async (x: number) => x * 3)
        .add('thenable', (x: number) => ({ then: (resolve: (v: number) => void) => resolve(x * 4) }))
        .add('throws', () => {
          throw new JsonRpcInvalidParamsError('no thanks');
        })
        .add('badThen', () => ({
          get then(): never {
            throw new Error('a then getter that throws');
          },
        }))
        .add('signal', (ctx: ConnectionContext) => ctx.signal.aborted, { params: 'positional', arity: 0 });
      const server = connect(b, { framing, dispatcher });
      const client = connect(a, { framing });
      const results = await Promise.allSettled([
        client.request('sync', [1]),
        client.request('async', [1]),
        client.request('thenable', [1]),
        client.request('throws'),
        client.request('badThen'),
        client.request('signal'),
        client.request('sync', [5]),
      ]);
      assert.deepEqual(
        results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as JsonRpcException).code)),
        [2, 3, 4, -32602, -32603, false, 10],
      );
      await client.close();
      await server.closed;
      cleanup();
    });
  }

  it('answers 1,000 concurrent requests, each with its own result', async () => {
    const p = await pair();
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => p.client.request('add', [i, 1000])));
    assert.deepEqual(
      results,
      Array.from({ length: 1000 }, (_, i) => i + 1000),
    );
    // and 1,000 the other way at the same time as 1,000 this way
    const both = await Promise.all([
      Promise.all(Array.from({ length: 1000 }, () => p.server.request('whoAreYou'))),
      Promise.all(Array.from({ length: 1000 }, (_, i) => p.client.request('add', [i, i]))),
    ]);
    assert.equal(both[0].length, 1000);
    assert.ok(both[0].every((r) => r === 'the client'));
    assert.deepEqual(both[1], Array.from({ length: 1000 }, (_, i) => 2 * i));
    await p.done();
  });

  it('a handler can call back to its client through context.connection', async () => {
    const { a, b, cleanup } = await socketPair();
    const dispatcher = new Dispatcher<{ greet(): string }, ConnectionContext>().add(
      'greet',
      async (_params: undefined, ctx) => `hello, ${String(await ctx.connection.request('whoAreYou'))}`,
      { params: 'named', optional: true },
    );
    const server = connect(b, { dispatcher });
    const client = connect<{ greet(): string }>(a, {
      dispatcher: new Dispatcher().add('whoAreYou', () => 'Ada'),
    });
    assert.equal(await client.request('greet'), 'hello, Ada');
    await client.close();
    await server.closed;
    cleanup();
  });

  it('rejects with the JsonRpcException subclass of an error response, user classes included', async () => {
    const p = await pair();
    await assert.rejects(p.client.request('fail'), (err: unknown) => {
      assert.ok(err instanceof InsufficientFundsError);
      assert.equal(err.code, 4001);
      assert.deepEqual(err.data, { balance: 3 });
      return true;
    });
    await assert.rejects(
      (p.client as unknown as JsonRpcConnection).request('nope'),
      JsonRpcMethodNotFoundError,
    );
    await assert.rejects(p.client.request('echo', [1] as never), JsonRpcInvalidParamsError);
    await p.done();
  });

  it('notify() delivers in order and resolves once written', async () => {
    const log: string[] = [];
    const p = await pair({ log });
    for (let i = 0; i < 5; i++) await p.client.notify('ping');
    assert.equal(await p.client.request('add', [1, 1]), 2); // a round trip after the notifications
    assert.deepEqual(log, ['ping', 'ping', 'ping', 'ping', 'ping']);
    await p.done();
  });

  it('sends a batch and answers a received batch with one array', async () => {
    const p = await pair();
    const results = await Promise.all(
      p.client.batch([
        { method: 'add', params: [1, 2] },
        { method: 'ping', notification: true },
        { method: 'echo', params: { text: 'x' } },
      ]),
    );
    assert.deepEqual(results, [3, undefined, 'x']);
    await p.done();

    const r = await rawPair({ dispatcher: serverDispatcher() });
    r.raw.write(
      '[{"jsonrpc":"2.0","id":1,"method":"add","params":[1,2]},{"jsonrpc":"2.0","method":"ping"},{"jsonrpc":"2.0","id":2,"method":"nope"},1]\n',
    );
    r.raw.write('[{"jsonrpc":"2.0","method":"ping"},{"jsonrpc":"2.0","method":"ping"}]\n'); // gets nothing
    r.raw.write('{"jsonrpc":"2.0","id":3,"method":"add","params":[5,5]}\n');
    await waitFor(() => r.lines().length === 2, 5000, 'two answers');
    // Answers go out as handlers finish: find the batch answer by its shape, not its position.
    const batch = r.lines().find((m) => Array.isArray(m));
    const single = r.lines().find((m) => !Array.isArray(m));
    assert.ok(Array.isArray(batch));
    const byId = new Map((batch as unknown as Record<string, unknown>[]).map((m) => [m.id, m]));
    assert.equal((batch as unknown[]).length, 3);
    assert.equal(byId.get(1)?.result, 3);
    assert.equal((byId.get(2)?.error as { code: number }).code, -32601);
    assert.equal((byId.get(null)?.error as { code: number }).code, -32600);
    assert.deepEqual(single, { jsonrpc: '2.0', id: 3, result: 10 });
    await r.done();
  });

  it('answers invalid messages with their error and ignores unknown responses (reported)', async () => {
    const r = await rawPair({ dispatcher: serverDispatcher() });
    const unknown: unknown[] = [];
    r.connection.on('unknownResponse', (response) => unknown.push(response));
    r.raw.write('{not json}\n');
    r.raw.write('{"jsonrpc":"2.0","id":99,"result":1}\n');
    r.raw.write('{"jsonrpc":"1.0","id":7,"method":"add"}\n');
    r.raw.write('{"jsonrpc":"2.0","id":8,"method":"add","params":[1,1]}\n');
    await waitFor(() => r.lines().length === 3, 5000, 'three answers');
    const [parseError, invalid, ok] = r.lines();
    assert.equal((parseError!.error as { code: number }).code, -32700);
    assert.equal(parseError!.id, null);
    assert.equal((invalid!.error as { code: number }).code, -32600);
    assert.equal(invalid!.id, 7);
    assert.deepEqual(ok, { jsonrpc: '2.0', id: 8, result: 2 });
    assert.equal(unknown.length, 1);
    await r.done();
  });

  it('json-stream: a top-level number completed by the end of input is still answered -32600', async () => {
    const { a, b } = memoryPair();
    const connection = connect(a, { framing: 'json-stream', dispatcher: serverDispatcher() });
    let text = '';
    b.readable.setEncoding('utf8');
    b.readable.on('data', (chunk: string) => (text += chunk));
    b.writable.end('{"jsonrpc":"2.0","id":1,"method":"add","params":[1,2]} 42');
    await connection.closed;
    const frames = createFramer('json-stream').push(new TextEncoder().encode(text));
    const answers = frames.map((frame) => JSON.parse(frame.kind === 'frame' ? frame.text : 'null') as { id: unknown; error?: { code: number } });
    assert.equal(answers.length, 2, text);
    assert.deepEqual(answers[0], { jsonrpc: '2.0', id: 1, result: 3 });
    assert.equal(answers[1]!.error?.code, -32600);
  });

  it("reports every invalid message through 'invalidMessage' (malformed JSON, invalid request, framing errors)", async () => {
    const r = await rawPair({ dispatcher: serverDispatcher(), maxMessageBytes: 200 });
    const invalid: JsonRpcInvalidMessage[] = [];
    r.connection.on('invalidMessage', (message) => invalid.push(message));
    r.raw.write('{not json}\n');
    r.raw.write('{"jsonrpc":"1.0","id":7,"method":"add"}\n');
    r.raw.write(`{"jsonrpc":"2.0","id":1,"method":"echo","params":{"text":"${'x'.repeat(500)}"}}\n`);
    r.raw.write('[{"jsonrpc":"2.0","id":2,"method":"add","params":[1,1]},{"jsonrpc":"2.0","id":3}]\n');
    await waitFor(() => r.lines().length === 4, 5000, 'four answers');
    assert.deepEqual(
      invalid.map((m) => [m.error.code, m.id, (m.error.data as { problem?: string } | undefined)?.problem]),
      [
        [-32700, null, undefined],
        [-32600, 7, undefined],
        [-32700, null, 'oversized'],
        [-32600, 3, undefined],
      ],
    );
    await r.done();
  });

  it('does not answer garbage (another framing) but reports it, so mismatched framings do not ping-pong', async () => {
    const { a, b, cleanup } = await socketPair();
    const server = connect(a, { framing: 'content-length', dispatcher: serverDispatcher() });
    const client = connect(b, { framing: 'newline' });
    const serverSaw: JsonRpcInvalidMessage[] = [];
    const clientSaw: JsonRpcInvalidMessage[] = [];
    server.on('invalidMessage', (m) => serverSaw.push(m));
    client.on('invalidMessage', (m) => clientSaw.push(m));
    let toServer = 0;
    let toClient = 0;
    b.on('data', () => toClient++);
    a.on('data', () => toServer++);
    const answer = client.request('add', [1, 2], { timeoutMs: 300 });
    const back = assert.rejects(server.request('add', [1, 2]), ConnectionClosedError);
    await assert.rejects(answer, RequestTimeoutError);
    await delay(100);
    const problems = serverSaw.map((m) => (m.error.data as { problem?: string } | undefined)?.problem);
    assert.ok(problems.includes('garbage'), `the content-length side reports garbage (${problems.join()})`);
    assert.ok(clientSaw.length >= 1, 'the newline side reports the header line as malformed JSON');
    // The newline side answers the header line once; that answer is garbage to the other side and
    // is not answered back: a handful of chunks, not an endless exchange.
    assert.ok(toServer <= 3 && toClient <= 3, `chunks: ${toServer} to the server, ${toClient} to the client`);
    await client.close();
    await server.close();
    await back;
    cleanup();
  });

  it('answers a message over maxMessageBytes with -32700 and carries on', async () => {
    const r = await rawPair({ dispatcher: serverDispatcher(), maxMessageBytes: 200 });
    r.raw.write(`{"jsonrpc":"2.0","id":1,"method":"echo","params":{"text":"${'x'.repeat(5000)}"}}\n`);
    r.raw.write('{"jsonrpc":"2.0","id":2,"method":"add","params":[1,1]}\n');
    await waitFor(() => r.lines().length === 2, 2000, 'two answers');
    const [oversized, ok] = r.lines();
    assert.equal((oversized!.error as { code: number }).code, -32700);
    assert.equal((oversized!.error as { data: { problem: string } }).data.problem, 'oversized');
    assert.deepEqual(ok, { jsonrpc: '2.0', id: 2, result: 2 });
    await r.done();
  });

  it('an already-aborted signal fails a whole batch without sending it', async () => {
    const r = await rawPair();
    const controller = new AbortController();
    controller.abort();
    const results = await Promise.allSettled(
      r.connection.batch([{ method: 'a' }, { method: 'b', notification: true }], { signal: controller.signal }),
    );
    assert.ok(results.every((s) => s.status === 'rejected' && s.reason instanceof RequestAbortedError));
    await delay(30);
    assert.equal(r.text(), '');
    await r.done();
  });

  it('delivers $/progress to onProgress listeners', async () => {
    const { a, b, cleanup } = await socketPair();
    const dispatcher = new Dispatcher<{ work(p: { token: string }): string }, ConnectionContext>().add(
      'work',
      async ({ token }, ctx) => {
        for (let i = 1; i <= 3; i++) await ctx.connection.sendProgress(token, { percent: i * 33 });
        return 'done';
      },
      { params: 'named' },
    );
    const server = connect(b, { dispatcher });
    const client = connect<{ work(p: { token: string }): string }>(a);
    const seen: unknown[] = [];
    const subscription = client.onProgress('t1', (value) => seen.push(value));
    assert.equal(await client.request('work', { token: 't1' }), 'done');
    subscription.dispose();
    assert.deepEqual(seen, [{ percent: 33 }, { percent: 66 }, { percent: 99 }]);
    await client.close();
    await server.closed;
    cleanup();
  });
});

describe('timeouts, aborts and cancellation', () => {
  it('rejects with RequestTimeoutError; the late response is ignored', async () => {
    const p = await pair();
    const late: unknown[] = [];
    p.client.on('unknownResponse', (response) => late.push(response));
    const started = Date.now();
    await assert.rejects(p.client.request('sleep', [200], { timeoutMs: 30 }), (err: unknown) => {
      assert.ok(err instanceof RequestTimeoutError);
      assert.equal(err.code, 'ERR_JSONRPC_REQUEST_TIMEOUT');
      assert.match(err.message, /sleep.*30 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 190, 'rejected before the response came');
    await waitFor(() => late.length === 1, 2000, 'the late response');
    assert.equal(p.client.pendingCount, 0);
    await p.done();
  });

  it('an already-aborted signal never sends the request', async () => {
    const r = await rawPair();
    const peerSide = connect(r.raw); // reads what the connection writes
    const seen: string[] = [];
    // Replace the raw reader: count any bytes at all.
    r.raw.removeAllListeners('data');
    peerSide.on('unknownResponse', () => seen.push('response'));
    const controller = new AbortController();
    controller.abort(new Error('user gave up'));
    await assert.rejects(r.connection.request('add', [1, 2], { signal: controller.signal }), (err: unknown) => {
      assert.ok(err instanceof RequestAbortedError);
      assert.equal((err.cause as Error).message, 'user gave up');
      return true;
    });
    await delay(50);
    assert.equal(r.connection.pendingCount, 0);
    assert.equal(peerSide.runningHandlers, 0);
    assert.equal(r.text(), '');
    await peerSide.close();
    await r.done();
  });

  it('aborting rejects at once, sends $/cancelRequest, and the server aborts the handler with -32800', async () => {
    const log: string[] = [];
    const p = await pair({ framing: 'content-length', log });
    const controller = new AbortController();
    const request = p.client.request('sleep', [10_000], { signal: controller.signal });
    await waitFor(() => p.server.runningHandlers === 1, 2000, 'the handler to start');
    const abortedAt = Date.now();
    controller.abort();
    await assert.rejects(request, RequestAbortedError);
    assert.ok(Date.now() - abortedAt < 1000);
    await waitFor(() => log.includes('aborted 1'), 2000, 'the server handler to see the abort');
    await waitFor(() => p.server.runningHandlers === 0, 2000, 'the handler to end');
    await p.done();
  });

  it('answers a cancelled request -32800, and remembers a cancel that arrives first', async () => {
    const log: string[] = [];
    const r = await rawPair({ dispatcher: serverDispatcher(log), cancellation: true });
    r.raw.write('{"jsonrpc":"2.0","id":1,"method":"sleep","params":[10000]}\n');
    await waitFor(() => r.connection.runningHandlers === 1, 2000, 'the handler to start');
    r.raw.write('{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}\n');
    await waitFor(() => r.lines().length === 1, 2000, 'the -32800');
    assert.deepEqual(r.lines()[0], {
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32800, message: new JsonRpcRequestCancelledError().message },
    });
    await waitFor(() => log.includes('aborted 1'), 2000, 'the handler signal');

    // A cancel before its request: the request is answered -32800 without running.
    r.raw.write('{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"early"}}\n');
    r.raw.write('{"jsonrpc":"2.0","id":"early","method":"add","params":[1,2]}\n');
    r.raw.write('{"jsonrpc":"2.0","id":3,"method":"add","params":[1,2]}\n');
    await waitFor(() => r.lines().length === 3, 2000, 'two more answers');
    assert.equal((r.lines()[1]!.error as { code: number }).code, -32800);
    assert.equal(r.lines()[1]!.id, 'early');
    assert.deepEqual(r.lines()[2], { jsonrpc: '2.0', id: 3, result: 3 });
    // The handler's late rejection produced no second answer for id 1.
    await delay(30);
    assert.equal(r.lines().filter((m) => m.id === 1).length, 1);
    await r.done();
  });

  it('without the convention, $/cancelRequest is an ordinary notification', async () => {
    const r = await rawPair({ dispatcher: serverDispatcher(), framing: 'newline' });
    r.raw.write('{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":5}}\n');
    r.raw.write('{"jsonrpc":"2.0","id":5,"method":"add","params":[1,2]}\n');
    await waitFor(() => r.lines().length === 1, 2000, 'an answer');
    assert.deepEqual(r.lines()[0], { jsonrpc: '2.0', id: 5, result: 3 });
    await r.done();
  });
});

describe('closing', () => {
  it('close() before anything, twice, then request/notify reject with ConnectionClosedError', async () => {
    await noUnhandledRejections(async () => {
      const p = await pair();
      await p.client.close();
      await p.client.close();
      await assert.rejects(p.client.request('add', [1, 2]), ConnectionClosedError);
      await assert.rejects(p.client.notify('ping'), ConnectionClosedError);
      const reason = await p.server.closed;
      assert.ok(reason instanceof ConnectionClosedError);
      assert.match(reason.message, /remote side closed/);
      await p.done();
    });
  });

  it('a handler that closes its connection stops the messages read with it from running', async () => {
    const { a, b } = memoryPair();
    const ran: string[] = [];
    let server: JsonRpcConnection | undefined;
    const dispatcher = new Dispatcher()
      .add('stop', () => {
        ran.push('stop');
        void server!.close();
        return 'stopping';
      })
      .add('after', () => {
        ran.push('after');
      });
    server = connect(b, { dispatcher });
    // Both requests in one chunk: one parse yields both.
    a.writable.write('{"jsonrpc":"2.0","id":1,"method":"stop"}\n{"jsonrpc":"2.0","id":2,"method":"after"}\n');
    await server.closed;
    assert.deepEqual(ran, ['stop']);
  });

  it('close() with requests pending rejects every one with a reason; the server handler is aborted', async () => {
    await noUnhandledRejections(async () => {
      const log: string[] = [];
      const p = await pair({ log });
      const requests = [p.client.request('sleep', [10_000]), p.client.request('sleep', [10_000])];
      await waitFor(() => p.server.runningHandlers === 2, 2000, 'handlers to start');
      const closing = p.client.close();
      for (const request of requests) {
        await assert.rejects(request, (err: unknown) => {
          assert.ok(err instanceof ConnectionClosedError);
          assert.equal(err.code, 'ERR_JSONRPC_CONNECTION_CLOSED');
          assert.match(err.message, /closed locally/);
          return true;
        });
      }
      await closing;
      await p.server.closed;
      await waitFor(() => log.filter((l) => l.startsWith('aborted')).length === 2, 2000, 'handlers aborted');
      await p.done();
    });
  });

  it('the remote end closing rejects pending requests and later calls', async () => {
    await noUnhandledRejections(async () => {
      const p = await pair();
      const request = p.client.request('sleep', [10_000]);
      await waitFor(() => p.server.runningHandlers === 1, 2000, 'the handler');
      await p.server.close();
      await assert.rejects(request, /remote side closed the connection/);
      await assert.rejects(p.client.request('add', [1, 1]), ConnectionClosedError);
      await p.client.closed;
      await p.done();
    });
  });

  it('the remote dying mid-message rejects with a message saying so', async () => {
    await noUnhandledRejections(async () => {
      const r = await rawPair();
      const request = r.connection.request('anything');
      await waitFor(() => r.text().length > 0, 2000, 'the request on the wire');
      r.raw.end('{"jsonrpc":"2.0","id":1,"res');
      await assert.rejects(request, (err: unknown) => {
        assert.ok(err instanceof ConnectionClosedError);
        assert.match(err.message, /middle of a message/);
        return true;
      });
      await r.done();
    });
  });

  it('a stream error (connection reset) rejects with ConnectionClosedError carrying the cause', async () => {
    await noUnhandledRejections(async () => {
      const { a, b, cleanup } = await socketPair();
      const client = connect(a);
      const errors: Error[] = [];
      client.on('error', (err) => errors.push(err));
      const request = client.request('x');
      a.destroy(new Error('boom'));
      await assert.rejects(request, (err: unknown) => {
        assert.ok(err instanceof ConnectionClosedError);
        assert.match(err.message, /lost \(boom\)/);
        assert.equal((err.cause as Error).message, 'boom');
        return true;
      });
      assert.equal(errors.length, 1);
      const reason = await client.closed;
      assert.equal((reason.cause as Error).message, 'boom');
      b.destroy();
      cleanup();
    });
  });

  it('the peer resetting the socket (RST) rejects pending requests', async () => {
    await noUnhandledRejections(async () => {
      const { a, b, cleanup } = await socketPair();
      const client = connect(a);
      const request = client.request('x');
      await delay(10);
      (b as net.Socket & { resetAndDestroy(): void }).resetAndDestroy();
      await assert.rejects(request, ConnectionClosedError);
      cleanup();
    });
  });

  it('writing after the stream was ended or destroyed from outside rejects with ConnectionClosedError', async () => {
    await noUnhandledRejections(async () => {
      const { a, b, cleanup } = await socketPair();
      const client = connect(a);
      a.end();
      await assert.rejects(client.request('x'), ConnectionClosedError);
      await assert.rejects(client.notify('x'), ConnectionClosedError);
      const { a: a2, b: b2, cleanup: cleanup2 } = await socketPair();
      const other = connect(a2);
      a2.destroy();
      await assert.rejects(other.notify('x'), ConnectionClosedError);
      await assert.rejects(other.request('x'), ConnectionClosedError);
      b.destroy();
      b2.destroy();
      cleanup();
      cleanup2();
    });
  });

  it('a notify() the caller ignores on a closed connection raises no unhandled rejection', async () => {
    await noUnhandledRejections(async () => {
      const { a, b } = memoryPair();
      const client = connect(a);
      const server = connect(b);
      await client.close();
      void client.notify('ignored');
      void client.notify('ignored too');
      await server.closed;
    });
  });

  it('input ending (half-close) still lets received requests be answered', async () => {
    const { a, b } = memoryPair();
    const server = connect(b, { dispatcher: serverDispatcher() });
    let out = '';
    b.writable.on('data', (chunk: Buffer) => (out += chunk.toString()));
    a.writable.end('{"jsonrpc":"2.0","id":1,"method":"sleep","params":[20]}\n');
    const reason = await server.closed;
    assert.match(reason.message, /remote side closed/);
    assert.deepEqual(JSON.parse(out), { jsonrpc: '2.0', id: 1, result: 'slept 20' });
  });
});
