/**
 * diagnostics_channel: the TracingChannels jsonrpc-wire:request and jsonrpc-wire:handle, over the
 * in-memory pair and over a socket through StreamTransport.
 */
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { describe, it } from 'node:test';

// The Node entry, as users load it: it must give the channels (every test here fails without).
import '../../src/index.js';
import { requestSpan, type HandleSpan, type RequestSpan } from '../../src/connection/call-tracing.js';
import { createConnection } from '../../src/connection/connection.js';
import { RequestTimeoutError } from '../../src/connection/errors.js';
import { createConnectionPair } from '../../src/connection/pair.js';
import { JsonRpcException } from '../../src/parser/errors.js';
import { callTracingChannel } from '../../src/node-streams/diagnostics.js';
import { StreamTransport } from '../../src/node-streams/stream-transport.js';
import { methods } from '../connection/behaviour.js';

type Span = RequestSpan | HandleSpan;
const EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;

/** Subscribes to every event of `name`; each record is the event and a copy of the context then. */
function record(name: string): { events: [string, Span][]; stop: () => void } {
  const channel = diagnostics.tracingChannel<unknown, Span>(name);
  const events: [string, Span][] = [];
  const handlers = Object.fromEntries(EVENTS.map((event) => [event, (context: Span) => events.push([event, { ...context }])]));
  channel.subscribe(handlers as never);
  return { events, stop: () => channel.unsubscribe(handlers as never) };
}

const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('diagnostics_channel', () => {
  it('jsonrpc-wire:request: start and end when sent, asyncStart and asyncEnd when answered, with method, id, params size and duration', async () => {
    const requests = record('jsonrpc-wire:request');
    const [a, b] = createConnectionPair({}, {
      dispatcher: methods({ add: ({ x, y }: { x: number; y: number }) => x + y, no: () => { throw new JsonRpcException(-32001, 'refused'); } }),
    });
    try {
      assert.equal(await a.request('add', { x: 1, y: 2 }), 3);
      assert.deepEqual(requests.events.map(([event]) => event), ['start', 'end', 'asyncStart', 'asyncEnd']);
      const [start, , , done] = requests.events.map(([, context]) => context);
      assert.deepEqual(start, { method: 'add', id: 1, paramsBytes: JSON.stringify({ x: 1, y: 2 }).length });
      assert.equal(typeof done!.duration, 'number');
      assert.ok(done!.duration! >= 0);
      requests.events.length = 0;
      await assert.rejects(a.request('no', { s: 'é' }), /refused/);
      assert.deepEqual(requests.events.map(([event]) => event), ['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
      const failed = requests.events[2]![1];
      assert.equal(failed.paramsBytes, 10, '{"s":"é"} is 10 bytes in UTF-8');
      assert.ok(failed.error instanceof JsonRpcException);
      assert.equal((failed.error as JsonRpcException).code, -32001);
    } finally {
      requests.stop();
      await a.close();
      await b.closed;
    }
  });

  it('a request that times out, or is still waiting at close, ends its span with that error; batch entries have spans too', async () => {
    const requests = record('jsonrpc-wire:request');
    const [a, b] = createConnectionPair({}, { dispatcher: methods({ slow: () => new Promise(() => {}), quick: () => 1 }) });
    try {
      await assert.rejects(a.request('slow', undefined, { timeoutMs: 1 }), RequestTimeoutError);
      // A batch's answer comes when all its entries are done: each entry is a span of its own.
      assert.deepEqual(await Promise.all(a.batch([{ method: 'quick' }, { method: 'quick' }])), [1, 1]);
      const waiting = a.request('slow');
      await a.close();
      await assert.rejects(waiting);
      const errors = requests.events.filter(([event]) => event === 'error').map(([, context]) => [context.id, (context.error as Error).name]);
      assert.deepEqual(errors, [[1, 'RequestTimeoutError'], [4, 'ConnectionClosedError']]);
      const started = requests.events.filter(([event]) => event === 'start').map(([, context]) => [context.method, context.id]);
      assert.deepEqual(started, [['slow', 1], ['quick', 2], ['quick', 3], ['slow', 4]]);
      const ended = requests.events.filter(([event]) => event === 'asyncEnd').map(([, context]) => context.id);
      assert.deepEqual(ended.sort(), [1, 2, 3, 4]);
    } finally {
      requests.stop();
      b.destroy(); // its slow handlers never end
      await b.closed;
    }
  });

  it('jsonrpc-wire:handle: sync, async, throwing and rejecting handlers, and notifications (id undefined)', async () => {
    const handles = record('jsonrpc-wire:handle');
    const [a, b] = createConnectionPair({}, {
      dispatcher: methods({
        sync: () => 'now',
        later: async () => 'later',
        throws: () => { throw new JsonRpcException(-32002, 'thrown'); },
        rejects: () => Promise.reject(new JsonRpcException(-32003, 'rejected')),
        note: () => undefined,
      }),
    });
    const run = async (call: () => Promise<unknown>): Promise<string[]> => {
      handles.events.length = 0;
      await call().catch(() => undefined);
      // A notification's promise resolves once it is written, before the other side handles it.
      const bound = Date.now() + 20_000; // a hang bound only
      while (handles.events.length < 4 && Date.now() < bound) await new Promise((resolve) => setTimeout(resolve, 1));
      await settled();
      return handles.events.map(([event]) => event);
    };
    try {
      const done = ['start', 'end', 'asyncStart', 'asyncEnd'];
      assert.deepEqual(await run(() => a.request('sync')), done, 'a synchronous handler ends its span at once');
      assert.deepEqual(handles.events[0]![1], { method: 'sync', id: 1, paramsBytes: 0 });
      assert.equal(handles.events[1]![1].duration, undefined, 'no duration at end');
      assert.equal(typeof handles.events[3]![1].duration, 'number');
      assert.deepEqual(await run(() => a.request('later', { n: [1, 2] })), done);
      assert.equal(handles.events[0]![1].paramsBytes, '{"n":[1,2]}'.length);
      assert.ok(handles.events[3]![1].duration! >= 0);
      const failed = ['start', 'end', 'error', 'asyncStart', 'asyncEnd'];
      assert.deepEqual(await run(() => a.request('throws')), failed);
      assert.equal((handles.events[2]![1].error as JsonRpcException).code, -32002);
      assert.deepEqual(await run(() => a.request('rejects')), failed);
      assert.equal((handles.events[2]![1].error as JsonRpcException).code, -32003);
      assert.deepEqual(await run(() => a.notify('note')), done);
      assert.equal(handles.events[0]![1].id, undefined);
      // The answers are what they would be untraced.
      assert.equal(await a.request('later'), 'later');
      await assert.rejects(a.request('rejects'), { code: -32003 });
    } finally {
      handles.stop();
      await a.close();
      await b.closed;
    }
  });

  it('a handler runs inside the start channel\'s stores (AsyncLocalStorage bound with bindStore)', async () => {
    const store = new AsyncLocalStorage<string>();
    const start = diagnostics.tracingChannel<string, HandleSpan>('jsonrpc-wire:handle').start;
    start.bindStore(store, (context) => `span of ${context.method}`);
    const [a, b] = createConnectionPair({}, {
      dispatcher: methods({
        where: async () => {
          await settled();
          return store.getStore();
        },
      }),
    });
    try {
      assert.equal(await a.request('where'), 'span of where');
    } finally {
      start.unbindStore(store);
      await a.close();
      await b.closed;
    }
  });

  it('nobody subscribed: no span is made; one subscriber to any of the five events is enough', () => {
    assert.equal(requestSpan('m', 1, [1]), undefined);
    const onlyAsyncEnd = (): void => {};
    const channel = diagnostics.tracingChannel('jsonrpc-wire:request');
    channel.asyncEnd.subscribe(onlyAsyncEnd);
    try {
      assert.notEqual(requestSpan('m', 1, [1]), undefined);
    } finally {
      channel.asyncEnd.unsubscribe(onlyAsyncEnd);
    }
    assert.equal(requestSpan('m', 1, [1]), undefined);
  });

  it('before Node 20.13 (no TracingChannel.hasSubscribers) it is worked out from the five channels', () => {
    const real = diagnostics.tracingChannel<unknown, HandleSpan>('jsonrpc-wire:test-old-node');
    const old = new Proxy(real, { get: (target, key) => (key === 'hasSubscribers' ? undefined : Reflect.get(target, key)) });
    const channel = callTracingChannel(old);
    assert.equal(channel.hasSubscribers, false);
    for (const event of EVENTS) {
      const listener = (): void => {};
      real[event].subscribe(listener);
      assert.equal(channel.hasSubscribers, true, event);
      real[event].unsubscribe(listener);
      assert.equal(channel.hasSubscribers, false);
    }
    const seen: string[] = [];
    const onStart = (context: unknown): number => seen.push((context as HandleSpan).method);
    real.start.subscribe(onStart);
    assert.equal(channel.start.runStores({ method: 'm', id: 1, paramsBytes: 0 }, () => 'ran'), 'ran');
    real.start.unsubscribe(onStart);
    assert.deepEqual(seen, ['m']);
  });

  it('over createConnection with StreamTransport on a TCP socket: both channels, both sides', async () => {
    const requests = record('jsonrpc-wire:request');
    const handles = record('jsonrpc-wire:handle');
    const server = net.createServer((socket) => {
      createConnection(new StreamTransport({ readable: socket, writable: socket }), { framing: 'content-length', dispatcher: methods({ echo: ({ v }: { v: string }) => v }) });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const client = createConnection(new StreamTransport({ readable: socket, writable: socket }), { framing: 'content-length' });
    try {
      assert.equal(await client.request('echo', { v: 'ü' }), 'ü'); // params {"v":"ü"}: 10 bytes
      await settled();
      assert.deepEqual(requests.events.map(([event, context]) => [event, context.method, context.paramsBytes]), [
        ['start', 'echo', 10],
        ['end', 'echo', 10],
        ['asyncStart', 'echo', 10],
        ['asyncEnd', 'echo', 10],
      ]);
      assert.deepEqual(handles.events.map(([event, context]) => [event, context.method, context.id]), [
        ['start', 'echo', 1],
        ['end', 'echo', 1],
        ['asyncStart', 'echo', 1],
        ['asyncEnd', 'echo', 1],
      ]);
    } finally {
      requests.stop();
      handles.stop();
      await client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
