/**
 * Every example of section 7 of the JSON-RPC 2.0 specification (https://www.jsonrpc.org/specification),
 * run through handle(). Responses are compared as parsed JSON; `error.data` is stripped first
 * because the specification's examples omit that optional member (its content is tested elsewhere).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dispatcher, handle } from '../../src/dispatch/index.js';
import { assertSameResponses, parse, withoutErrorData } from './helpers.js';

const calls: string[] = [];

function specServer(): Dispatcher {
  return new Dispatcher({
    subtract(a: unknown, b: unknown): number {
      calls.push('subtract');
      if (typeof a === 'object' && a !== null) {
        const { minuend, subtrahend } = a as { minuend: number; subtrahend: number };
        return minuend - subtrahend;
      }
      return (a as number) - (b as number);
    },
    sum: (...xs: unknown[]) => (xs as number[]).reduce((s, x) => s + x, 0),
    update: (...xs: unknown[]) => {
      calls.push(`update ${xs.join(',')}`);
    },
    notify_hello: (x: unknown) => {
      calls.push(`notify_hello ${String(x)}`);
    },
    notify_sum: (...xs: unknown[]) => {
      calls.push(`notify_sum ${xs.join(',')}`);
    },
    get_data: () => ['hello', 5],
  });
}

async function exchange(request: string): Promise<unknown> {
  return withoutErrorData(parse(await handle(request, specServer())));
}

test('7: rpc call with positional parameters', async () => {
  assert.deepEqual(await exchange('{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}'), {
    jsonrpc: '2.0', result: 19, id: 1,
  });
  assert.deepEqual(await exchange('{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}'), {
    jsonrpc: '2.0', result: -19, id: 2,
  });
});

test('7: rpc call with named parameters', async () => {
  assert.deepEqual(
    await exchange('{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}'),
    { jsonrpc: '2.0', result: 19, id: 3 },
  );
  assert.deepEqual(
    await exchange('{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}'),
    { jsonrpc: '2.0', result: 19, id: 4 },
  );
});

test('7: a notification gets no response, and is still run', async () => {
  calls.length = 0;
  assert.equal(await handle('{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}', specServer()), null);
  assert.deepEqual(calls, ['update 1,2,3,4,5']);
  // Not even "Method not found": a notification is never answered.
  assert.equal(await handle('{"jsonrpc": "2.0", "method": "foobar"}', specServer()), null);
});

test('7: rpc call of non-existent method', async () => {
  assert.deepEqual(await exchange('{"jsonrpc": "2.0", "method": "foobar", "id": "1"}'), {
    jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: '1',
  });
});

test('7: rpc call with invalid JSON', async () => {
  assert.deepEqual(await exchange('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]'), {
    jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null,
  });
});

test('7: rpc call with invalid Request object', async () => {
  assert.deepEqual(await exchange('{"jsonrpc": "2.0", "method": 1, "params": "bar"}'), {
    jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null,
  });
});

test('7: rpc call Batch, invalid JSON', async () => {
  const text = `[
    {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
    {"jsonrpc": "2.0", "method"
  ]`;
  assert.deepEqual(await exchange(text), { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
});

test('7: rpc call with an empty Array is one error object, not an array', async () => {
  assert.deepEqual(await exchange('[]'), { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null });
});

test('7: rpc call with an invalid Batch (but not empty)', async () => {
  assert.deepEqual(await exchange('[1]'), [
    { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null },
  ]);
});

test('7: rpc call with invalid Batch', async () => {
  const error = { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null };
  assertSameResponses(await exchange('[1,2,3]'), [error, error, error]);
});

test('7: rpc call Batch', async () => {
  calls.length = 0;
  const text = `[
    {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
    {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
    {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
    {"foo": "boo"},
    {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
    {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
  ]`;
  assertSameResponses(await exchange(text), [
    { jsonrpc: '2.0', result: 7, id: '1' },
    { jsonrpc: '2.0', result: 19, id: '2' },
    { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null },
    { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: '5' },
    { jsonrpc: '2.0', result: ['hello', 5], id: '9' },
  ]);
  assert.deepEqual(calls.sort(), ['notify_hello 7', 'subtract']);
});

test('7: rpc call Batch (all notifications) returns nothing, not []', async () => {
  calls.length = 0;
  const text = `[
    {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
    {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
  ]`;
  assert.equal(await handle(text, specServer()), null);
  assert.deepEqual(calls.sort(), ['notify_hello 7', 'notify_sum 1,2,4']);
});
