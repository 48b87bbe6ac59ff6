/**
 * Incoming batches over a connection: their entries share the connection's handler slots
 * (`maxConcurrentHandlers`), a batch larger than the bound completes, a sequential method inside a
 * batch keeps its meaning, every handler gets a signal of its own (no process warnings), and the
 * batch's one response holds one answer per request and invalid entry, in the batch's order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { Dispatcher } from '../../src/dispatch/index.js';
import type { DispatchContext } from '../../src/dispatch/types.js';
import { connect, type ConnectOptions, type JsonRpcConnection } from '../../src/node-streams/index.js';
import { delay, memoryPair, noWarnings, waitFor } from './helpers.js';

/** A server on one end of an in-memory pair; the test writes and reads raw lines on the other. */
function rawServer(options: ConnectOptions) {
  const { a, b } = memoryPair();
  const connection: JsonRpcConnection = connect(b, options);
  let text = '';
  a.readable.setEncoding('utf8');
  a.readable.on('data', (chunk: string) => (text += chunk));
  return {
    connection,
    write: (line: string) => a.writable.write(line + '\n'),
    lines: () =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as unknown),
    close: () => connection.close(),
  };
}

const request = (id: number, method: string, params: unknown[] = []) => ({ jsonrpc: '2.0', id, method, params });

describe('incoming batches share the connection handler slots', () => {
  it('8 batches of 16 entries with maxConcurrentHandlers 4 never run more than 4 handlers; no warning', async () => {
    await noWarnings(async () => {
      let running = 0;
      let peak = 0;
      const dispatcher = new Dispatcher().add(
        'work',
        async (n: number, context: DispatchContext) => {
          // Listening on the signal is what raised MaxListenersExceededWarning on a shared one.
          context.signal.addEventListener('abort', () => undefined);
          running++;
          peak = Math.max(peak, running);
          await delay(1);
          running--;
          return n;
        },
        { params: 'positional', arity: 1 },
      );
      const s = rawServer({ dispatcher, maxConcurrentHandlers: 4 });
      for (let b = 0; b < 8; b++) {
        s.write(JSON.stringify(Array.from({ length: 16 }, (_, i) => request(b * 16 + i, 'work', [b * 16 + i]))));
      }
      await waitFor(() => s.lines().length === 8, 10_000, 'eight batch responses');
      assert.equal(peak, 4);
      for (const [b, response] of s.lines().entries()) {
        assert.ok(Array.isArray(response));
        assert.deepEqual(
          response.map((answer) => (answer as { result: number }).result),
          Array.from({ length: 16 }, (_, i) => b * 16 + i),
        );
      }
      await s.close();
    });
  });

  it('single requests too: 20 handlers listening on their signals at once raise no warning', async () => {
    await noWarnings(async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const dispatcher = new Dispatcher().add(
        'wait',
        async (_p: unknown, context: DispatchContext) => {
          context.signal.addEventListener('abort', () => undefined);
          await gate;
          return 'ok';
        },
        { params: 'named', optional: true },
      );
      const s = rawServer({ dispatcher });
      for (let i = 0; i < 20; i++) s.write(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'wait' }));
      await waitFor(() => s.connection.runningHandlers === 20, 5000, 'twenty handlers');
      release();
      await waitFor(() => s.lines().length === 20, 5000, 'twenty answers');
      await s.close();
    });
  });

  it('a batch of 50 entries with maxConcurrentHandlers 2 completes, answers in the batch order', async () => {
    const dispatcher = new Dispatcher()
      .add('slow', async (n: number) => {
        await delay(1);
        return n;
      })
      .add('fast', (n: number) => n);
    const s = rawServer({ dispatcher, maxConcurrentHandlers: 2 });
    s.write(JSON.stringify(Array.from({ length: 50 }, (_, i) => request(i, i % 3 === 0 ? 'fast' : 'slow', [i]))));
    await waitFor(() => s.lines().length === 1, 10_000, 'the batch response');
    const [response] = s.lines() as { id: number; result: number }[][];
    assert.deepEqual(response!.map((answer) => answer.id), Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(response!.map((answer) => answer.result), Array.from({ length: 50 }, (_, i) => i));
    assert.equal(s.connection.runningHandlers, 0);
    await s.close();
  });

  it('a sequential method inside a batch waits for the entries before it and holds the ones after', async () => {
    const log: string[] = [];
    const step = (name: string) => async () => {
      log.push(`start ${name}`);
      await delay(5);
      log.push(`end ${name}`);
      return name;
    };
    const dispatcher = new Dispatcher()
      .add('a', step('a'))
      .add('b', step('b'))
      .add('edit', step('edit'))
      .add('c', step('c'))
      .add('d', step('d'));
    const s = rawServer({ dispatcher, maxConcurrentHandlers: 8, sequential: ['edit'] });
    s.write(JSON.stringify(['a', 'b', 'edit', 'c', 'd'].map((method, i) => request(i, method))));
    await waitFor(() => s.lines().length === 1, 5000, 'the batch response');
    const at = (entry: string): number => log.indexOf(entry);
    assert.ok(at('start edit') > at('end a') && at('start edit') > at('end b'), log.join(', '));
    assert.ok(at('start c') > at('end edit') && at('start d') > at('end edit'), log.join(', '));
    assert.ok(at('start b') < at('end a'), 'entries before the sequential one still run side by side');
    await s.close();
  });

  it('$/cancelRequest for a batch entry answers it -32800 inside the batch response', async () => {
    const dispatcher = new Dispatcher()
      .add(
        'hang',
        (_p: unknown, context: DispatchContext) => new Promise((resolve) => context.signal.addEventListener('abort', resolve)),
        { params: 'named', optional: true },
      )
      .add('one', () => 1);
    const s = rawServer({ dispatcher, cancellation: true });
    s.write(JSON.stringify([request(1, 'one'), { jsonrpc: '2.0', id: 2, method: 'hang' }]));
    await waitFor(() => s.connection.runningHandlers === 1, 2000, 'the hanging entry');
    s.write(JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 2 } }));
    await waitFor(() => s.lines().length === 1, 2000, 'the batch response');
    const [response] = s.lines() as { id: number; result?: number; error?: { code: number } }[][];
    assert.deepEqual(response!.map((answer) => answer.id), [1, 2]);
    assert.equal(response![0]!.result, 1);
    assert.equal(response![1]!.error?.code, -32800);
    await s.close();
  });

  it('any batch: one answer per request and invalid entry, in order, none for notifications; the bound holds', async () => {
    type Kind = 'sync' | 'async' | 'note' | 'invalid' | 'unknown';
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Kind>('sync', 'async', 'note', 'invalid', 'unknown'), { minLength: 1, maxLength: 24 }),
        fc.integer({ min: 1, max: 5 }),
        async (kinds, limit) => {
          let running = 0;
          let peak = 0;
          const enter = (): void => {
            running++;
            peak = Math.max(peak, running);
          };
          const dispatcher = new Dispatcher()
            .add('sync', (n: number) => {
              enter();
              running--;
              return n;
            })
            .add('async', async (n: number) => {
              enter();
              await delay(1);
              running--;
              return n;
            })
            .add('note', async () => {
              enter();
              await delay(1);
              running--;
            });
          const s = rawServer({ dispatcher, maxConcurrentHandlers: limit });
          const entries = kinds.map((kind, i) => {
            if (kind === 'note') return { jsonrpc: '2.0', method: 'note', params: [i] };
            if (kind === 'invalid') return { jsonrpc: '2.0', id: i, method: 42 };
            return request(i, kind === 'unknown' ? 'nope' : kind, [i]);
          });
          s.write(JSON.stringify(entries));
          const answered = kinds.flatMap((kind, i) => (kind === 'note' ? [] : [i]));
          if (answered.length > 0) await waitFor(() => s.lines().length === 1, 5000, 'the batch response');
          await waitFor(() => s.connection.runningHandlers === 0 && running === 0, 5000, 'handlers to end');
          await delay(2);
          if (answered.length === 0) {
            assert.deepEqual(s.lines(), [], 'a batch of notifications gets no response');
          } else {
            const [response] = s.lines() as { id: number | null; result?: number; error?: { code: number } }[][];
            assert.equal(s.lines().length, 1);
            // An invalid entry (method 42) is answered in its place, under its id.
            assert.deepEqual(
              response!.map((answer) => answer.id),
              answered,
            );
            for (const [k, answer] of response!.entries()) {
              const kind = kinds[answered[k]!];
              if (kind === 'sync' || kind === 'async') assert.equal(answer.result, answered[k]);
              else assert.equal(answer.error?.code, kind === 'invalid' ? -32600 : -32601);
            }
          }
          assert.ok(peak <= limit, `peak ${peak} over the limit ${limit}`);
          await s.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a batch over 1000 entries runs nothing and is answered with one -32600', async () => {
    let ran = 0;
    const dispatcher = new Dispatcher().add('x', () => ++ran);
    const s = rawServer({ dispatcher });
    s.write(JSON.stringify(Array.from({ length: 1001 }, (_, i) => request(i, 'x'))));
    await waitFor(() => s.lines().length === 1, 5000, 'the answer');
    const [answer] = s.lines() as { id: null; error: { code: number } }[];
    assert.equal(answer!.id, null);
    assert.equal(answer!.error.code, -32600);
    assert.equal(ran, 0);
    await s.close();
  });
});
