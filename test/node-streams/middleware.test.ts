/** Dispatcher middleware on a connection: it sees the connection, batch entries and unknown methods. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dispatcher } from '../../src/dispatch/index.js';
import { connect, type ConnectionContext, type JsonRpcConnection } from '../../src/node-streams/index.js';
import { memoryPair } from './helpers.js';

test('middleware on a connection sees its connection and signal, every batch entry and unknown methods', async () => {
  const seen: { method: string; connection: JsonRpcConnection; aborted: boolean }[] = [];
  const dispatcher = new Dispatcher<Record<string, (...args: never[]) => unknown>, ConnectionContext>()
    .add('add', (a: number, b: number) => a + b)
    .use(async (call, next) => {
      seen.push({ method: call.method, connection: call.context.connection, aborted: call.signal.aborted });
      await next();
    });
  const { a, b } = memoryPair();
  const server = connect(a, { dispatcher });
  const client = connect(b);
  assert.equal(await client.request('add', [1, 2]), 3);
  const [one, two] = client.batch([{ method: 'add', params: [3, 4] }, { method: 'missing' }]);
  assert.equal(await one, 7);
  await assert.rejects(two!, (err: { code?: number }) => err.code === -32601);
  assert.deepEqual(seen.map((s) => s.method), ['add', 'add', 'missing']);
  assert.ok(seen.every((s) => s.connection === server && !s.aborted));
  await client.close();
  await server.close();
});
