/**
 * The behaviour of a connection, written once and run over every transport (as Go's jsonrpc2 runs
 * one test DSL under every framer), and on every runtime: `describeConnection(name, makePair,
 * harness)` registers the suite for a factory of two connected ends, through `node:test`'s
 * `describe`/`it` in Node's runs, or through test/runtimes/harness.ts's under Deno, Bun and in
 * Chromium. So it imports no `node:` module, and takes the library from the portable entry.
 */
import {
  ConnectionClosedError,
  Dispatcher,
  JsonRpcMethodNotFoundError,
  JsonRpcRequestCancelledError,
  RequestAbortedError,
  RequestTimeoutError,
  type ConnectionContext,
  type ConnectionOptions,
  type JsonRpcConnection,
} from '../../src/portable.js';
import { assert } from '../runtimes/assert.js';
import { watchUnhandledRejections, type Harness } from '../runtimes/harness.js';

export interface ConnectedPair {
  readonly a: JsonRpcConnection;
  readonly b: JsonRpcConnection;
  /** Ends A's output only (a half-close): B sees the end of its input, A still reads. */
  endOutputOfA(): void;
  /** Releases whatever the pair holds (sockets, a child). */
  cleanup(): Promise<void> | void;
}

export type PairFactory = (optionsA?: ConnectionOptions, optionsB?: ConnectionOptions) => Promise<ConnectedPair>;

/** What a transport cannot do, so the tests that need it are skipped for it (and say why). */
export interface TransportLimits {
  /** Why the transport has no half-close (a MessagePort or WebSocket closes both ways at once). */
  noHalfClose?: string;
  /** Why one side cannot learn that the other closed (Deno's and Chromium's MessagePorts fire no `close`). */
  noCloseSeen?: string;
}

type Handler = (params: never, context: ConnectionContext) => unknown;

/** A dispatcher from a table of named-params handlers (each gets the context). */
export function methods(table: Record<string, Handler>): Dispatcher<never, ConnectionContext> {
  const dispatcher = new Dispatcher<never, ConnectionContext>();
  for (const [name, fn] of Object.entries(table)) {
    (dispatcher as unknown as Dispatcher).add(name, fn as (...args: never[]) => unknown, { params: 'named', optional: true });
  }
  return dispatcher;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

/** A promise and its resolver, to hand from a handler to the test. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export function describeConnection(name: string, makePair: PairFactory, { describe, it }: Harness, limits: TransportLimits = {}): void {
  /** Runs `body` with a fresh pair, cleaned up after, and checks no unhandled rejection happened meanwhile. */
  async function withPair(
    optionsA: ConnectionOptions | undefined,
    optionsB: ConnectionOptions | undefined,
    body: (pair: ConnectedPair) => Promise<void>,
  ): Promise<void> {
    const pair = await makePair(optionsA, optionsB);
    const stopWatching = watchUnhandledRejections();
    let unhandled: unknown[] = [];
    try {
      await body(pair);
    } finally {
      pair.a.destroy();
      pair.b.destroy();
      await Promise.all([pair.a.closed, pair.b.closed]);
      await pair.cleanup();
      await delay(5);
      unhandled = stopWatching();
    }
    assert.deepEqual(unhandled, [], 'no unhandled rejection');
  }

  describe(`connection behaviour: ${name}`, () => {
    it('answers requests, maps error responses to their exception, delivers notifications', () =>
      withPair(undefined, { dispatcher: methods({ add: ({ a, b }: { a: number; b: number }) => a + b, note: (p: { n: number }) => seen.resolve(p.n) }) }, async ({ a }) => {
        assert.equal(await a.request('add', { a: 2, b: 40 }), 42);
        await assert.rejects(a.request('missing'), JsonRpcMethodNotFoundError);
        await a.notify('note', { n: 7 });
        assert.equal(await seen.promise, 7);
      }));
    const seen = deferred<number>();

    it('sends a batch: one promise per entry, in order, a notification resolving once written', () =>
      withPair(undefined, { dispatcher: methods({ twice: ({ n }: { n: number }) => n * 2, fail: () => { throw new JsonRpcRequestCancelledError(); } }) }, async ({ a }) => {
        const results = a.batch([
          { method: 'twice', params: { n: 1 } },
          { method: 'twice', params: { n: 2 }, notification: true },
          { method: 'fail' },
          { method: 'twice', params: { n: 3 } },
        ]);
        assert.equal(await results[0], 2);
        assert.equal(await results[1], undefined);
        await assert.rejects(results[2]!, JsonRpcRequestCancelledError);
        assert.equal(await results[3], 6);
      }));

    it('calls both ways: a handler calls back the side that called it', () => {
      const back = methods({ inner: ({ x }: { x: number }) => x + 1 });
      const front = methods({ outer: async ({ x }: { x: number }, ctx) => (await ctx.connection.request('inner', { x })) as number * 10 });
      return withPair({ dispatcher: back }, { dispatcher: front }, async ({ a, b }) => {
        assert.equal(await a.request('outer', { x: 4 }), 50);
        assert.equal(await b.request('inner', { x: 1 }), 2);
      });
    });

    it('times out, and tells the other side by the LSP cancel: its handler aborts', () => {
      const started = deferred<AbortSignal>();
      const b = methods({ hang: (_p, ctx) => { started.resolve(ctx.signal); return aborted(ctx.signal).then(() => 'late'); } });
      return withPair({ conventions: 'lsp' }, { conventions: 'lsp', dispatcher: b }, async ({ a }) => {
        const late: unknown[] = [];
        a.on('unknownResponse', (response) => void late.push(response));
        await assert.rejects(a.request('hang', undefined, { timeoutMs: 30 }), RequestTimeoutError);
        const reason = await aborted(await started.promise);
        assert.ok(reason instanceof JsonRpcRequestCancelledError);
        await delay(20);
        assert.equal(a.pendingCount, 0);
      });
    });

    it('aborts by signal (RequestAbortedError, cause = reason); an aborted signal sends nothing', () => {
      let calls = 0;
      const started = deferred<void>();
      const b = methods({ hang: (_p, ctx) => { calls++; started.resolve(); return aborted(ctx.signal); } });
      return withPair({ conventions: 'lsp' }, { conventions: 'lsp', dispatcher: b }, async ({ a }) => {
        const controller = new AbortController();
        const call = a.request('hang', undefined, { signal: controller.signal });
        await started.promise;
        controller.abort('enough');
        const error = await call.then(() => undefined, (err: unknown) => err);
        assert.ok(error instanceof RequestAbortedError);
        assert.equal(error.cause, 'enough');
        await assert.rejects(a.request('hang', undefined, { signal: AbortSignal.abort() }), RequestAbortedError);
        await delay(20);
        assert.equal(calls, 1);
      });
    });

    it("MCP: an abort sends notifications/cancelled with the reason; the handler's signal aborts; no answer comes", () => {
      const started = deferred<AbortSignal>();
      const b = methods({ hang: (_p, ctx) => { started.resolve(ctx.signal); return aborted(ctx.signal).then(() => 'late'); } });
      return withPair({ conventions: 'mcp' }, { conventions: 'mcp', dispatcher: b }, async ({ a, b: server }) => {
        const late: unknown[] = [];
        a.on('unknownResponse', (response) => void late.push(response));
        const controller = new AbortController();
        const call = a.request('hang', undefined, { signal: controller.signal });
        const signal = await started.promise;
        controller.abort('user pressed stop');
        await assert.rejects(call, RequestAbortedError);
        const reason = await aborted(signal);
        assert.ok(reason instanceof JsonRpcRequestCancelledError);
        assert.deepEqual(reason.data, { reason: 'user pressed stop' });
        await delay(30);
        assert.deepEqual(late, [], 'a cancelled MCP request is not answered');
        assert.equal(server.runningHandlers, 0);
      });
    });

    for (const conventions of ['lsp', 'mcp'] as const) {
      it(`${conventions}: progress reaches the request's onProgress, with the token where the conventions put it`, () => {
        const b = methods({
          work: async (params: Record<string, unknown>, ctx) => {
            await ctx.progress(conventions === 'mcp' ? { progress: 1, total: 2 } : { kind: 'report', percentage: 50 });
            await ctx.progress(conventions === 'mcp' ? { progress: 2, total: 2 } : { kind: 'end' });
            return params;
          },
        });
        return withPair({ conventions }, { conventions, dispatcher: b }, async ({ a }) => {
          const values: unknown[] = [];
          const params = (await a.request('work', { q: 1 }, { onProgress: (value) => void values.push(value) })) as Record<string, unknown>;
          if (conventions === 'mcp') {
            assert.ok(typeof (params._meta as { progressToken?: unknown }).progressToken === 'number');
            assert.deepEqual(values, [{ progress: 1, total: 2 }, { progress: 2, total: 2 }]);
          } else {
            assert.ok(typeof params.workDoneToken === 'number');
            assert.deepEqual(values, [{ kind: 'report', percentage: 50 }, { kind: 'end' }]);
          }
          assert.equal(params.q, 1);
        });
      });
    }

    it('progress restarts the timeout (resetTimeoutOnProgress), within maxTotalTimeoutMs', () => {
      const b = methods({
        slow: async (_p, ctx) => {
          // 12 x 40 ms: longer than timeoutMs (300), which only progress keeps from firing.
          for (let i = 0; i < 12; i++) {
            await delay(40);
            await ctx.progress({ progress: i });
          }
          return 'done';
        },
      });
      return withPair({ conventions: 'mcp' }, { conventions: 'mcp', dispatcher: b }, async ({ a }) => {
        const onProgress = (): void => {};
        assert.equal(await a.request('slow', undefined, { timeoutMs: 300, resetTimeoutOnProgress: true, onProgress }), 'done');
        const capped = a.request('slow', undefined, { timeoutMs: 300, resetTimeoutOnProgress: true, maxTotalTimeoutMs: 200, onProgress });
        const error = await capped.then(() => undefined, (err: unknown) => err);
        assert.ok(error instanceof RequestTimeoutError);
        assert.equal(error.timeoutMs, 200);
      });
    });

    it('cancelIncoming cancels a running request by id: LSP answers -32800 and aborts the handler', () => {
      const started = deferred<{ id: unknown; signal: AbortSignal }>();
      const b = methods({ hang: (_p, ctx) => { started.resolve({ id: ctx.id, signal: ctx.signal }); return aborted(ctx.signal); } });
      return withPair({ conventions: 'lsp' }, { conventions: 'lsp', dispatcher: b }, async ({ a, b: server }) => {
        const call = a.request('hang');
        const { id, signal } = await started.promise;
        assert.equal(server.cancelIncoming(id as number, 'shutting down'), true);
        await assert.rejects(call, JsonRpcRequestCancelledError);
        assert.ok(signal.aborted);
        assert.equal(server.cancelIncoming(12345), false);
      });
    });

    it('close, in every state: pending requests and running handlers, twice, after, destroy', { skip: limits.noCloseSeen }, () => {
      const started = deferred<AbortSignal>();
      const b = methods({ hang: (_p, ctx) => { started.resolve(ctx.signal); return aborted(ctx.signal); } });
      return withPair(undefined, { dispatcher: b }, async ({ a, b: server }) => {
        // Settled from the start: over a WebSocket the rejection can come before the awaits below end.
        const call = a.request('hang').then(() => undefined, (err: unknown) => err);
        const signal = await started.promise;
        const closing = server.close();
        await server.close(); // twice: the same close
        await closing;
        assert.ok((await aborted(signal)) instanceof ConnectionClosedError);
        const error = await call;
        assert.ok(error instanceof ConnectionClosedError);
        assert.match(error.message, /remote side closed/);
        assert.match((await server.closed).message, /closed locally/);
        assert.match((await a.closed).message, /remote side closed/);
        await assert.rejects(a.request('hang'), ConnectionClosedError);
        await assert.rejects(a.notify('x'), ConnectionClosedError);
        assert.equal(a.isOpen, false);
        a.destroy('again'); // destroying a closed connection changes nothing
        assert.match((await a.closed).message, /remote side closed/);
      });
    });

    it('destroy rejects pending requests at once with its reason', () =>
      withPair(undefined, { dispatcher: methods({ hang: (_p, ctx) => aborted(ctx.signal) }) }, async ({ a }) => {
        const call = a.request('hang');
        await delay(10);
        a.destroy(new Error('boom'));
        const error = await call.then(() => undefined, (err: unknown) => err);
        assert.ok(error instanceof ConnectionClosedError);
        assert.equal((error.cause as Error).message, 'boom');
      }));

    it('back pressure: never more handlers than the bound; every request of a flood answered', () => {
      let running = 0;
      let peak = 0;
      const b = methods({
        work: async ({ n }: { n: number }) => {
          peak = Math.max(peak, ++running);
          await delay(1);
          running--;
          return n;
        },
      });
      return withPair(undefined, { dispatcher: b, maxConcurrentHandlers: 3 }, async ({ a }) => {
        const calls = Array.from({ length: 200 }, (_, n) => a.request('work', { n }));
        assert.deepEqual(await Promise.all(calls), Array.from({ length: 200 }, (_, n) => n));
        assert.ok(peak <= 3, `at most 3 handlers ran at once (saw ${peak})`);
      });
    });

    it('the deadlock case: a busy side still reads the response its own handler waits for', () => {
      // B has one handler slot; its handler awaits a request to A, while A keeps sending B more work.
      const a = methods({ lookup: ({ k }: { k: string }) => k.toUpperCase() });
      const b = methods({
        resolve: async ({ k }: { k: string }, ctx) => ctx.connection.request('lookup', { k }),
        echo: ({ v }: { v: number }) => v,
      });
      return withPair({ dispatcher: a }, { dispatcher: b, maxConcurrentHandlers: 1, maxQueuedMessages: 4 }, async ({ a: client }) => {
        const first = client.request('resolve', { k: 'abc' });
        const more = Array.from({ length: 3 }, (_, v) => client.request('echo', { v }));
        assert.equal(await first, 'ABC');
        assert.deepEqual(await Promise.all(more), [0, 1, 2]);
      });
    });

    it('half-close: the end of input is not the end of work; every received request is answered', { skip: limits.noHalfClose }, () => {
      let arrived = 0;
      const allArrived = deferred<void>();
      const b = methods({
        slow: async ({ n }: { n: number }) => {
          if (++arrived === 3) allArrived.resolve();
          await delay(30);
          return n;
        },
      });
      return withPair(undefined, { dispatcher: b }, async ({ a, b: server, endOutputOfA }) => {
        const calls = [1, 2, 3].map((n) => a.request('slow', { n }));
        await allArrived.promise; // all three running on B when its input ends
        endOutputOfA();
        assert.deepEqual(await Promise.all(calls), [1, 2, 3]);
        assert.match((await server.closed).message, /remote side closed/);
      });
    });

    it('await using closes the connection at the end of the scope', () =>
      withPair(undefined, undefined, async ({ a }) => {
        await a[Symbol.asyncDispose]();
        assert.match((await a.closed).message, /closed locally/);
      }));
  });
}
