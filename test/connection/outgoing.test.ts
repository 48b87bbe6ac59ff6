/**
 * Sending calls on the portable connection (over the in-memory pair, so on every transport):
 * `request(..., { result: schema })` (issue 14's client hook), outgoing middleware
 * (`connection.use`), and the framer natives handed through the options.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';
import * as z from 'zod';

import { createConnection } from '../../src/connection/connection.js';
import type { OutgoingCall } from '../../src/connection/outgoing.js';
import { createConnectionPair, createTransportPair } from '../../src/connection/pair.js';
import { Dispatcher, ResultValidationError } from '../../src/dispatch/index.js';
import type { FramerNatives } from '../../src/framing/types.js';
import { JsonRpcServerOverloadedError } from '../../src/parser/errors.js';
import { methods } from './behaviour.js';

function served(table: Parameters<typeof methods>[0], framing?: 'newline' | 'content-length') {
  const [client, server] = createConnectionPair({ framing }, { framing, dispatcher: methods(table) });
  return { client, server, close: async () => (await client.close(), await server.closed) };
}

describe("request(..., { result }) on any transport", () => {
  it("resolves with the schema's output, rejects with ResultValidationError, checks the schema before sending", async () => {
    let calls = 0;
    const p = served({ when: () => (calls++, '2024-01-02'), three: () => (calls++, 3) });
    const date = await p.client.request('when', undefined, { result: z.string().transform((s) => new Date(s)) });
    assert.ok(date instanceof Date && date.getUTCFullYear() === 2024);
    await assert.rejects(p.client.request('three', undefined, { result: z.string() }), (err: unknown) => {
      assert.ok(err instanceof ResultValidationError);
      assert.equal(err.method, 'three');
      return true;
    });
    await assert.rejects(p.client.request('nope', undefined, { result: z.number() }), (err: { code?: number }) => err.code === -32601);
    const before = calls;
    await assert.rejects(p.client.request('three', undefined, { result: {} as never }), TypeError);
    assert.equal(calls, before, 'nothing was sent');
    await p.close();
  });

  it('over a message channel too', async () => {
    const [ta, tb] = createTransportPair(undefined, 'messages');
    const client = createConnection(ta);
    const server = createConnection(tb, { dispatcher: new Dispatcher().add('n', () => 41) });
    assert.equal(await client.request('n', [], { result: z.number().transform((n) => n + 1) }), 42);
    await client.close();
    await server.closed;
  });
});

describe('outgoing middleware (connection.use)', () => {
  it('runs around request and notify, outermost first; may replace params and result', async () => {
    const seen: string[] = [];
    const p = served({ add: ({ a, b }: { a: number; b: number }) => a + b, log: () => undefined });
    p.client
      .use(async (call, next) => {
        seen.push(`outer ${call.kind} ${call.method}`);
        await next();
        if (call.kind === 'request') call.result = `<${String(call.result)}>`;
      })
      .use(async (call, next) => {
        seen.push(`inner ${call.method}`);
        if (call.method === 'add') call.params = { ...(call.params as object), b: 10 };
        await next();
      });
    assert.equal(await p.client.request('add', { a: 1, b: 2 }), '<11>');
    await p.client.notify('log', ['x']);
    assert.deepEqual(seen, ['outer request add', 'inner add', 'outer notification log', 'inner log']);
    await p.close();
  });

  it('can short-circuit (a result, or a throw) without sending', async () => {
    let ran = 0;
    const p = served({ m: () => (ran++, 'sent') });
    p.client.use(async (call, next) => {
      if (call.params === undefined) throw new Error('refused by middleware');
      if ((call.params as { cached?: boolean }).cached === true) {
        call.result = 'cached';
        return;
      }
      await next();
    });
    assert.equal(await p.client.request('m', { cached: true }), 'cached');
    await assert.rejects(p.client.request('m'), /refused by middleware/);
    await assert.rejects(p.client.notify('m'), /refused by middleware/);
    assert.equal(await p.client.request('m', {}), 'sent');
    assert.equal(ran, 1);
    await p.close();
  });

  it('next() may be called again: a retry after -32001 sends the request anew', async () => {
    let attempts = 0;
    const p = served({
      busy: () => {
        if (++attempts < 3) throw new JsonRpcServerOverloadedError();
        return `ok after ${attempts}`;
      },
    });
    p.client.use(async (_call: OutgoingCall, next) => {
      for (let tries = 1; ; tries++) {
        try {
          return await next();
        } catch (err) {
          if (!(err instanceof JsonRpcServerOverloadedError) || tries === 5) throw err;
        }
      }
    });
    assert.equal(await p.client.request('busy'), 'ok after 3');
    await p.close();
  });

  it('a middleware that does not await next() causes no unhandled rejection; batches bypass it', async () => {
    const p = served({});
    let through = 0;
    p.client.use((_call, next) => {
      through++;
      void next(); // rejects (-32601): must not be unhandled
    });
    assert.equal(await p.client.request('missing'), undefined, 'the outermost left no result');
    const [entry] = p.client.batch([{ method: 'missing' }]);
    await assert.rejects(entry!, (err: { code?: number }) => err.code === -32601);
    assert.equal(through, 1);
    assert.throws(() => p.client.use('no' as never), TypeError);
    await p.close();
  });

  it('property: any chain of pass-through middleware leaves every result as it was', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 5 }), fc.array(fc.jsonValue(), { minLength: 1, maxLength: 5 }), async (depth, values) => {
        const p = served({ echo: ({ v }: { v: unknown }) => v });
        let passed = 0;
        for (let i = 0; i < depth; i++) {
          p.client.use(async (_call, next) => {
            passed++;
            await next();
          });
        }
        for (const v of values) assert.deepEqual(await p.client.request('echo', { v }), JSON.parse(JSON.stringify(v)));
        assert.equal(passed, depth * values.length);
        await p.close();
      }),
      { numRuns: 30 },
    );
  });
});

describe('framer natives', () => {
  it("createConnection's natives option reaches the engine's framers, every framing", async () => {
    for (const framing of ['newline', 'content-length', 'json-stream'] as const) {
      let decoded = 0;
      const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
      const natives: FramerNatives = {
        decode: (bytes) => {
          decoded++;
          try {
            return decoder.decode(bytes);
          } catch {
            return null;
          }
        },
        decodeAscii: () => null, // never takes the ASCII path: decode() must be used
        indexOf: (bytes, byte, from) => bytes.indexOf(byte, from),
        lastIndexOf: (bytes, byte) => bytes.lastIndexOf(byte),
      };
      const [client, server] = createConnectionPair({ framing, natives }, { framing, natives, dispatcher: methods({ hi: () => 'héllo' }) });
      assert.equal(await client.request('hi'), 'héllo');
      assert.ok(decoded >= 2, `${framing}: both ends decoded with the natives (${decoded})`);
      await client.close();
      await server.closed;
    }
  });
});

describe("a request's signal", () => {
  it('is let go of once the request settles (its abort listener removed), by an answer or by a timeout', async () => {
    const p = served({ one: () => 1, slow: () => new Promise((resolve) => setTimeout(resolve, 100, 'late')) });
    for (const [method, settles] of [['one', 'answer'], ['slow', 'timeout']] as const) {
      const controller = new AbortController();
      const signal = controller.signal;
      const added: unknown[] = [];
      const removed: unknown[] = [];
      // Spied on through the signal's own methods (they are the only way the connection reaches it).
      const spied = signal as unknown as Record<'addEventListener' | 'removeEventListener', (...args: unknown[]) => void>;
      const add = spied.addEventListener.bind(signal);
      const remove = spied.removeEventListener.bind(signal);
      spied.addEventListener = (...args) => (added.push(args[1]), add(...args));
      spied.removeEventListener = (...args) => (removed.push(args[1]), remove(...args));
      const call = p.client.request(method, undefined, { signal, timeoutMs: settles === 'answer' ? 60_000 : 20 });
      if (settles === 'answer') assert.equal(await call, 1);
      else await assert.rejects(call, { name: 'RequestTimeoutError' });
      assert.equal(added.length, 1, `${settles}: one abort listener while it waited`);
      assert.deepEqual(removed, added, `${settles}: removed once it settled`);
      controller.abort(); // nothing waits on it any more: no cancel, no second settling
    }
    await p.close();
  });
});
