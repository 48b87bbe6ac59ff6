/** Standard Schema over a connection: `request(..., { result })`, and validators that never settle. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as z from 'zod';
import { Dispatcher, ResultValidationError, type StandardSchemaV1 } from '../../src/dispatch/index.js';
import { connect, type ConnectionContext } from '../../src/node-streams/index.js';
import { memoryPair, waitFor } from './helpers.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

const never: StandardSchemaV1 = { '~standard': { version: 1, vendor: 'test', validate: () => new Promise(() => undefined) } };

function pair(dispatcher: Dispatcher<never, ConnectionContext> | Dispatcher, options: { maxConcurrentHandlers?: number; cancellation?: boolean } = {}) {
  const { a, b } = memoryPair();
  const server = connect(a, { dispatcher: dispatcher as Dispatcher, ...options });
  const client = connect(b, { cancellation: options.cancellation });
  return { server, client, close: async () => { await client.close(); await server.close(); } };
}

test('request(..., { result }) resolves with the schema\'s output, or rejects with ResultValidationError', async () => {
  const p = pair(new Dispatcher().add('sum', (a: number, b: number) => a + b).add('when', () => '2024-01-02'));
  const sum = await p.client.request('sum', [1, 2], { result: z.number() });
  expectType<Equal<typeof sum, number>>();
  assert.equal(sum, 3);
  const date = await p.client.request('when', [], { result: z.string().transform((s) => new Date(s)) });
  expectType<Equal<typeof date, Date>>();
  assert.ok(date instanceof Date);
  await assert.rejects(p.client.request('sum', [1, 2], { result: z.string() }), (err: unknown) => {
    assert.ok(err instanceof ResultValidationError);
    assert.equal(err.method, 'sum');
    assert.deepEqual(err.issues.map((i) => i.path), [[]]);
    return true;
  });
  // On a typed connection the params are still checked against the remote table.
  const typed = p.client as unknown as import('../../src/node-streams/index.js').JsonRpcConnection<{ sum(a: number, b: number): number }>;
  assert.equal(await typed.request('sum', [4, 5], { result: z.number().int() }), 9);
  // @ts-expect-error: sum takes two numbers
  await typed.request('sum', ['4', 5], { result: z.number() }).catch(() => undefined);
  // An error response is still the error, not a validation failure.
  await assert.rejects(p.client.request('nope', [], { result: z.number() }), (err: { code?: number }) => err.code === -32601);
  // Something that is not a schema rejects before anything is sent.
  const before = p.server.runningHandlers;
  await assert.rejects(p.client.request('sum', [1, 2], { result: {} as never }), TypeError);
  assert.equal(p.server.runningHandlers, before);
  await p.close();
});

test('a params validator that never settles frees its handler slot on $/cancelRequest', async () => {
  const d = new Dispatcher().add('stuck', () => 'ran', { params: never }).add('add', (a: number, b: number) => a + b);
  // Two slots: with one, reading pauses while it is taken, so no $/cancelRequest could arrive.
  const p = pair(d, { maxConcurrentHandlers: 2, cancellation: true });
  const controller = new AbortController();
  const stuck = p.client.request('stuck', [], { signal: controller.signal });
  stuck.catch(() => undefined);
  await waitFor(() => p.server.runningHandlers === 1, 2000, 'the validation to start');
  controller.abort();
  await assert.rejects(stuck);
  await waitFor(() => p.server.runningHandlers === 0, 2000, 'the slot to be freed');
  assert.equal(await p.client.request('add', [2, 3], { timeoutMs: 5000 }), 5);
  await p.close();
});

test('a params validator that never settles does not hold the connection open past close()', async () => {
  const p = pair(new Dispatcher().add('stuck', () => 'ran', { params: never }));
  const stuck = p.client.request('stuck', []);
  stuck.catch(() => undefined);
  await waitFor(() => p.server.runningHandlers === 1, 2000, 'the validation to start');
  await p.server.close();
  await waitFor(() => p.server.runningHandlers === 0, 2000, 'the slot to be freed');
  await assert.rejects(stuck);
  await p.client.close();
});
