/**
 * Every user callback that is not a handler is contained: the `sequential` predicate, event
 * listeners, progress listeners, listeners on a handler's signal, a child's stderr sink. What each
 * throws or rejects with goes to `onHandlerError` with its stage, and the connection carries on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { Dispatcher, type HandlerErrorInfo } from '../../src/dispatch/index.js';
import { connect, spawnConnection, type ConnectionContext } from '../../src/node-streams/index.js';
import { delay, memoryPair, processEvents, rawPeer, waitFor } from './helpers.js';

/** Runs `run`, failing on any uncaught exception or unhandled rejection it causes. */
async function contained(run: () => Promise<void>): Promise<void> {
  const seen = await processEvents(['uncaughtException', 'unhandledRejection'], run);
  assert.deepEqual(seen.map(String), [], 'uncaught exceptions or unhandled rejections');
}

function recorder() {
  const reports: Array<{ error: unknown; info: HandlerErrorInfo }> = [];
  return { reports, onHandlerError: (error: unknown, info: HandlerErrorInfo) => void reports.push({ error, info }) };
}

const request = (id: number, method: string) => JSON.stringify({ jsonrpc: '2.0', id, method });

describe('the sequential predicate', () => {
  it('a throw answers that request -32603 and skips that notification; the rest of the chunk is unaffected', async () => {
    await contained(async () => {
      const ran: string[] = [];
      const { reports, onHandlerError } = recorder();
      const r = rawPeer({
        dispatcher: new Dispatcher({ ok: () => void ran.push('ok'), boom: () => void ran.push('boom') }),
        sequential: (method) => {
          if (method === 'boom') throw new Error('predicate failed');
          return false;
        },
        onHandlerError,
      });
      // One chunk: the failing predicate runs in the middle of it.
      r.send([request(1, 'ok'), request(2, 'boom'), request(3, 'ok'), '{"jsonrpc":"2.0","method":"boom"}', request(4, 'ok')].join('\n'));
      await waitFor(() => r.sent().length === 4, 2000, 'four answers');
      const byId = new Map(r.sent().map((m) => [m.id, m]));
      for (const id of [1, 3, 4]) assert.deepEqual(byId.get(id), { jsonrpc: '2.0', id, result: null });
      assert.deepEqual(byId.get(2), { jsonrpc: '2.0', id: 2, error: { code: -32603, message: 'Internal error' } });
      assert.deepEqual(ran, ['ok', 'ok', 'ok'], 'a message whose predicate threw is not run');
      assert.deepEqual(reports.map((x) => [x.info.stage, x.info.method, x.info.id]), [
        ['sequential', 'boom', 2],
        ['sequential', 'boom', undefined],
      ]);
      await r.connection.close();
    });
  });

  it('a promise returned (an async predicate) is refused the same way, and its rejection is not unhandled', async () => {
    await contained(async () => {
      const { reports, onHandlerError } = recorder();
      const r = rawPeer({
        dispatcher: new Dispatcher({ m: () => 1 }),
        sequential: (async () => {
          throw new Error('async predicate');
        }) as unknown as (method: string) => boolean,
        onHandlerError,
      });
      r.send(request(1, 'm'));
      await waitFor(() => r.sent().length === 1, 2000, 'the answer');
      assert.equal((r.sent()[0]!.error as { code: number }).code, -32603);
      assert.match(String(reports[0]?.error), /returned a promise/);
      await r.connection.close();
    });
  });

  it('property: whatever the predicate throws for some methods, each request is answered exactly once, and only those fail', async () => {
    await contained(async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 12 }),
          fc.subarray(['a', 'b', 'c', 'd']),
          fc.anything(),
          async (methods, throwing, thrown) => {
            const r = rawPeer({
              dispatcher: new Dispatcher({ a: () => 'a', b: () => 'b', c: () => 'c', d: () => 'd' }),
              sequential: (method) => {
                if (throwing.includes(method)) throw thrown;
                return method === 'd';
              },
            });
            r.send(methods.map((method, i) => request(i + 1, method)).join('\n'));
            await waitFor(() => r.sent().length === methods.length, 2000, 'every answer');
            await delay(5);
            const answers = r.sent();
            assert.equal(answers.length, methods.length);
            for (const answer of answers) {
              const method = methods[(answer.id as number) - 1]!;
              if (throwing.includes(method)) assert.equal((answer.error as { code: number } | undefined)?.code, -32603);
              else assert.equal(answer.result, method);
            }
            await r.connection.close();
          },
        ),
        { numRuns: 100 },
      );
    });
  });
});

describe('event listeners', () => {
  it('a listener that throws or rejects is reported with its event; the next listener still runs; nothing is lost', async () => {
    await contained(async () => {
      const { reports, onHandlerError } = recorder();
      const r = rawPeer({ dispatcher: new Dispatcher({ m: () => 1 }), onHandlerError });
      const heard: string[] = [];
      for (const event of ['invalidMessage', 'unknownResponse', 'close'] as const) {
        r.connection.on(event, () => {
          throw new Error(`sync ${event}`);
        });
        r.connection.on(event, async () => {
          throw new Error(`async ${event}`);
        });
        r.connection.on(event, () => void heard.push(event));
      }
      r.send('{not json}');
      r.send('{"jsonrpc":"2.0","id":99,"result":1}');
      r.send(request(1, 'm'));
      await waitFor(() => r.sent().length === 2, 2000, 'two answers');
      assert.deepEqual(r.sent()[1], { jsonrpc: '2.0', id: 1, result: 1 });
      await r.connection.close();
      await delay(10);
      assert.deepEqual(heard, ['invalidMessage', 'unknownResponse', 'close']);
      const seen = reports.map((x) => `${x.info.stage} ${x.info.event} ${(x.error as Error).message}`).sort();
      assert.deepEqual(seen, [
        'listener close async close',
        'listener close sync close',
        'listener invalidMessage async invalidMessage',
        'listener invalidMessage sync invalidMessage',
        'listener unknownResponse async unknownResponse',
        'listener unknownResponse sync unknownResponse',
      ]);
    });
  });

  it("an 'error' listener that throws, with an onHandlerError that throws too, neither loops nor escapes", async () => {
    await contained(async () => {
      let hookCalls = 0;
      const { a } = memoryPair();
      const connection = connect(a, {
        onHandlerError: () => {
          hookCalls++;
          throw new Error('the hook fails too');
        },
      });
      let errorListenerCalls = 0;
      connection.on('error', () => {
        errorListenerCalls++;
        throw new Error('error listener');
      });
      a.readable.destroy(new Error('stream broke'));
      const reason = await connection.closed;
      assert.match(reason.message, /lost/);
      await delay(10);
      assert.equal(errorListenerCalls, 1);
      assert.equal(hookCalls, 1);
    });
  });

  it('a listener that is not a function is reported, not thrown', async () => {
    await contained(async () => {
      const { reports, onHandlerError } = recorder();
      const r = rawPeer({ onHandlerError });
      r.connection.on('invalidMessage', 'not a function' as never);
      r.send('{not json}');
      await waitFor(() => reports.length === 1, 2000, 'the report');
      assert.ok(reports[0]!.error instanceof TypeError);
      await r.connection.close();
    });
  });
});

describe('progress listeners', () => {
  it('a progress listener that throws or rejects is reported (stage progress); later progress still arrives', async () => {
    await contained(async () => {
      const { reports, onHandlerError } = recorder();
      const r = rawPeer({ onHandlerError });
      const values: unknown[] = [];
      r.connection.onProgress('t', (value) => {
        values.push(value);
        if (value === 1) throw new Error('sync progress');
        if (value === 2) return Promise.reject(new Error('async progress'));
        return undefined;
      });
      for (const value of [1, 2, 3]) r.send({ jsonrpc: '2.0', method: '$/progress', params: { token: 't', value } });
      await waitFor(() => values.length === 3 && reports.length === 2, 2000, 'three values, two reports');
      assert.deepEqual(reports.map((x) => [x.info.stage, x.info.method, (x.error as Error).message]), [
        ['progress', '$/progress', 'sync progress'],
        ['progress', '$/progress', 'async progress'],
      ]);
      assert.deepEqual(r.sent(), []);
      await r.connection.close();
    });
  });
});

describe("listeners on a handler's signal", () => {
  it('throwing abort listeners (addEventListener, handleEvent objects, onabort, async) are reported when a call is cancelled', async () => {
    await contained(async () => {
      const { reports, onHandlerError } = recorder();
      let started = 0;
      const dispatcher = new Dispatcher<{ wait(): Promise<void> }, ConnectionContext>().add(
        'wait',
        (ctx) =>
          new Promise<void>(() => {
            started++;
            ctx.signal.addEventListener('abort', () => {
              throw new Error('listener');
            });
            ctx.signal.addEventListener('abort', { handleEvent: () => { throw new Error('handleEvent'); } });
            ctx.signal.addEventListener('abort', async () => {
              throw new Error('async listener');
            });
            ctx.signal.onabort = () => {
              throw new Error('onabort');
            };
          }),
        { params: 'positional', arity: 0 },
      );
      const r = rawPeer({ dispatcher, cancellation: true, onHandlerError });
      r.send(request(1, 'wait'));
      await waitFor(() => started === 1, 2000, 'the handler');
      r.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 1 } });
      await waitFor(() => reports.length === 4, 2000, 'four reports');
      assert.deepEqual(reports.map((x) => `${x.info.stage} ${x.info.method} ${String(x.info.id)} ${(x.error as Error).message}`).sort(), [
        'abort wait 1 async listener',
        'abort wait 1 handleEvent',
        'abort wait 1 listener',
        'abort wait 1 onabort',
      ]);
      assert.equal((r.sent()[0]!.error as { code: number }).code, -32800);
      await r.connection.close();
    });
  });

  it('a throwing abort listener on the shared signal is reported when the connection closes; removed ones are not called', async () => {
    await contained(async () => {
      const { reports, onHandlerError } = recorder();
      let calls = 0;
      const removed = (): void => void calls++;
      const dispatcher = new Dispatcher<{ wait(): Promise<void> }, ConnectionContext>().add(
        'wait',
        (ctx) =>
          new Promise<void>(() => {
            ctx.signal.addEventListener('abort', removed);
            ctx.signal.addEventListener('abort', removed); // added twice: one listener, as EventTarget does
            ctx.signal.removeEventListener('abort', removed);
            ctx.signal.addEventListener('abort', () => {
              throw new Error('on close');
            }, { once: true });
          }),
        { params: 'positional', arity: 0 },
      );
      const r = rawPeer({ dispatcher, onHandlerError });
      r.send(request(1, 'wait'));
      await waitFor(() => r.connection.runningHandlers === 1, 2000, 'the handler');
      await r.connection.close();
      await waitFor(() => reports.length === 1, 2000, 'the report');
      assert.equal(reports[0]!.info.stage, 'abort');
      assert.equal(calls, 0);
    });
  });
});

describe("a child's stderr function", () => {
  it('one that throws or rejects is reported (event stderr) and keeps receiving text', async () => {
    await contained(async () => {
      const { reports, onHandlerError } = recorder();
      const chunks: string[] = [];
      const child = spawnConnection(
        process.execPath,
        ['-e', "process.stderr.write('one\\n'); setTimeout(() => process.stderr.write('two\\n'), 30); process.stdin.resume()"],
        {
          onHandlerError,
          stderr: (text) => {
            chunks.push(text);
            if (chunks.length === 1) throw new Error('sink failed');
            return Promise.reject(new Error('async sink failed'));
          },
        },
      );
      await waitFor(() => chunks.join('').includes('two'), 5000, 'both lines');
      await child.close();
      assert.deepEqual(reports.map((x) => [x.info.stage, x.info.event]).slice(0, 2), [
        ['listener', 'stderr'],
        ['listener', 'stderr'],
      ]);
    });
  });
});
