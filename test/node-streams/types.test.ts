/**
 * Typed methods: one method-table type checks request()/notify() params and results, and the
 * dispatcher's handlers. The `@ts-expect-error` lines make the build fail if a check goes missing.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';

import { Dispatcher } from '../../src/dispatch/index.js';
import { connect, type ConnectionContext, type JsonRpcConnection } from '../../src/node-streams/index.js';
import { memoryPair } from './helpers.js';

interface ServerMethods {
  add(a: number, b: number): number;
  greet(p: { name: string }): Promise<string>;
  ping(): void;
}
interface ClientMethods {
  log(p: { line: string }): void;
}

async function typeChecks(client: JsonRpcConnection<ServerMethods>, untyped: JsonRpcConnection): Promise<void> {
  const sum: number = await client.request('add', [1, 2], { timeoutMs: 1000 });
  const greeting: string = await client.request('greet', { name: 'Ada' });
  await client.request('ping');
  await client.notify('ping');
  // @ts-expect-error a string where a number goes
  await client.request('add', ['1', 2]);
  // @ts-expect-error a method the table does not have
  await client.request('subtract', [1, 2]);
  // @ts-expect-error the result is a number, not a string
  const wrong: string = await client.request('add', [1, 2]);
  // @ts-expect-error named params are required
  await client.request('greet');
  // @ts-expect-error notify checks params too
  await client.notify('greet', { name: 3 });
  // An untyped connection takes any method and params, and gives unknown.
  const anything: unknown = await untyped.request('whatever', { any: 'thing' });
  void [sum, greeting, wrong, anything];
}

it('a method table types both ends', async () => {
  const { a, b } = memoryPair();
  const serverDispatcher = new Dispatcher<ServerMethods, ConnectionContext>()
    .add('add', (x, y) => x + y)
    .add('greet', async ({ name }, ctx) => {
      await (ctx.connection as JsonRpcConnection<ClientMethods>).notify('log', { line: `greeting ${name}` });
      return `hello ${name}`;
    }, { params: 'named' })
    .add('ping', () => undefined);
  const lines: string[] = [];
  const server = connect<ClientMethods, ServerMethods>(b, { dispatcher: serverDispatcher });
  const client = connect<ServerMethods, ClientMethods>(a, {
    dispatcher: new Dispatcher<ClientMethods>().add('log', ({ line }) => void lines.push(line)),
  });
  assert.equal(await client.request('add', [2, 3]), 5);
  assert.equal(await client.request('greet', { name: 'Ada' }), 'hello Ada');
  assert.deepEqual(lines, ['greeting Ada']);
  assert.equal(typeof typeChecks, 'function');
  await client.close();
  await server.closed;
});
