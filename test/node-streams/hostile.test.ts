/**
 * A connection's handlers throw, reject with or return values on which the library's own error path
 * could trip (proxies whose traps throw, revoked proxies, throwing getters, symbols, cycles), and
 * its error hook misbehaves too: every request is still answered, every handler slot freed, and the
 * connection keeps serving. A received error response whose registered class cannot be built still
 * settles its request.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import fc from 'fast-check';

import { Dispatcher } from '../../src/dispatch/index.js';
import { connect, type ConnectionContext } from '../../src/node-streams/index.js';
import { JsonRpcApplicationError, JsonRpcException } from '../../src/parser/errors.js';
import {
  classReadingItsData,
  delivery,
  handlerDelivering,
  hostileValue,
  HOSTILE_VALUES,
  type Delivery,
  type HostileValue,
} from '../hostile.js';
import { memoryPair } from './helpers.js';

/** What the user's onHandlerError hook does with what it is given. */
const hook = fc.constantFrom<{ name: string; fn: ((error: unknown) => unknown) | undefined }>(
  { name: 'no hook', fn: undefined },
  { name: 'logs', fn: (error) => void String(typeof error) },
  {
    name: 'throws',
    fn: () => {
      throw new Error('the logger broke');
    },
  },
  { name: 'rejects', fn: async () => Promise.reject(new Error('the async logger broke')) },
  { name: 'throws what it was given', fn: (error) => { throw error; } },
  { name: 'returns a Proxy whose traps throw', fn: () => HOSTILE_VALUES[0]!.make() },
  { name: 'reads the message', fn: (error) => (error as { message?: unknown }).message },
);
const expose = fc.constantFrom<boolean | 'with-stack'>(false, true, 'with-stack');

/** A raw peer: writes lines into a server connection, reads its answers back as parsed JSON. */
function rawServer(
  value: HostileValue,
  how: Delivery | 'return',
  options: { onHandlerError?: (error: unknown) => unknown; exposeErrors: boolean | 'with-stack' },
) {
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  const dispatcher = new Dispatcher<Record<string, () => unknown>, ConnectionContext>({
    hostile: how === 'return' ? value.make : handlerDelivering(value, how),
    ok: () => 'still serving',
  });
  const server = connect(
    { readable: toServer, writable: fromServer },
    { dispatcher, maxConcurrentHandlers: 1, exposeErrors: options.exposeErrors, onHandlerError: options.onHandlerError },
  );
  const answers: unknown[] = [];
  let buffered = '';
  fromServer.setEncoding('utf8').on('data', (text: string) => {
    buffered += text;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      answers.push(JSON.parse(buffered.slice(0, newline)));
      buffered = buffered.slice(newline + 1);
    }
  });
  return { toServer, server, answers };
}

/** Resolves once `answers` holds `count` entries; fails (instead of hanging) after a generous bound. */
async function until(answers: unknown[], count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (answers.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${answers.length} of ${count} answers arrived: ${JSON.stringify(answers)}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('property: a hostile thrown value is answered, frees its handler slot, and the connection keeps serving', async () => {
  await fc.assert(
    fc.asyncProperty(hostileValue, delivery, hook, expose, async (value, how, onError, exposeErrors) => {
      const { toServer, server, answers } = rawServer(value, how, { onHandlerError: onError.fn, exposeErrors });
      try {
        // With one handler slot, each message waits for the one before: a slot that is never freed
        // leaves everything after it unanswered.
        toServer.write(
          '{"jsonrpc":"2.0","id":1,"method":"hostile"}\n' +
            '{"jsonrpc":"2.0","method":"hostile"}\n' +
            '[{"jsonrpc":"2.0","id":2,"method":"hostile"},{"jsonrpc":"2.0","id":3,"method":"ok"}]\n' +
            '{"jsonrpc":"2.0","id":4,"method":"ok"}\n',
        );
        await until(answers, 3);
        const [first, batch, last] = answers as [
          { id: number; error: { code: number } },
          Array<{ id: number; error?: { code: number }; result?: unknown }>,
          { id: number; result: unknown },
        ];
        assert.equal(first.id, 1);
        assert.equal(first.error.code, value.code);
        assert.ok(Array.isArray(batch));
        const byId = new Map(batch.map((entry) => [entry.id, entry]));
        assert.equal(byId.get(2)?.error?.code, value.code);
        assert.equal(byId.get(3)?.result, 'still serving');
        assert.deepEqual(last, { jsonrpc: '2.0', id: 4, result: 'still serving' });
      } finally {
        server.destroy();
      }
    }),
    { numRuns: 150 },
  );
});

test('every hostile value, thrown by a handler, leaves the connection serving (one by one)', async () => {
  for (const value of HOSTILE_VALUES) {
    const { toServer, server, answers } = rawServer(value, 'throw', { exposeErrors: false });
    try {
      toServer.write('{"jsonrpc":"2.0","id":1,"method":"hostile"}\n{"jsonrpc":"2.0","id":2,"method":"ok"}\n');
      await until(answers, 2);
      assert.deepEqual(answers, [
        { jsonrpc: '2.0', id: 1, error: value.code === -32602 ? { code: -32602, message: 'Invalid params' } : { code: -32603, message: 'Internal error' } },
        { jsonrpc: '2.0', id: 2, result: 'still serving' },
      ], value.name);
    } finally {
      server.destroy();
    }
  }
});

test('a hostile value as a result is answered -32603 (when it has no JSON form) and the connection keeps serving', async () => {
  for (const value of HOSTILE_VALUES) {
    // Inside an array, so that a thenable is a result like any other value.
    const result: HostileValue = { name: value.name, make: () => [value.make()], code: -32603 };
    const { toServer, server, answers } = rawServer(result, 'return', { exposeErrors: false });
    try {
      toServer.write('{"jsonrpc":"2.0","id":1,"method":"hostile"}\n{"jsonrpc":"2.0","id":2,"method":"ok"}\n');
      await until(answers, 2);
      const first = answers[0] as { id: number; error?: { code: number } };
      assert.equal(first.id, 1);
      if (first.error !== undefined) assert.equal(first.error.code, -32603, value.name);
      assert.deepEqual(answers[1], { jsonrpc: '2.0', id: 2, result: 'still serving' }, value.name);
    } finally {
      server.destroy();
    }
  }
});

test('a received error whose registered class cannot be built still settles the request', async () => {
  const NeedsData = classReadingItsData(4101);
  JsonRpcException.register(NeedsData);
  const { a, b } = memoryPair();
  const client = connect(a);
  const server = connect(b, {
    dispatcher: new Dispatcher({
      bare: () => {
        throw new JsonRpcException(4101, 'no data at all');
      },
      full: () => {
        throw new JsonRpcException(4101, 'with data', { balance: 7 });
      },
    }),
  });
  try {
    const bare = await client.request('bare', undefined, { timeoutMs: 10_000 }).then(
      () => assert.fail('should reject'),
      (err: unknown) => err,
    );
    assert.ok(bare instanceof JsonRpcApplicationError);
    assert.deepEqual([bare.code, bare.message], [4101, 'no data at all']);
    assert.ok((bare as { cause?: unknown }).cause instanceof TypeError);
    const full = await client.request('full', undefined, { timeoutMs: 10_000 }).then(
      () => assert.fail('should reject'),
      (err: unknown) => err,
    );
    assert.ok(full instanceof NeedsData);
    assert.equal(full.balance, 7);
  } finally {
    JsonRpcException.unregister(NeedsData);
    client.destroy();
    server.destroy();
  }
});
