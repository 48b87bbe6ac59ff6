import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dispatcher } from '../../src/dispatch/dispatcher.js';
import { handle } from '../../src/dispatch/handle.js';
import { JsonRpcMethodNotFoundError } from '../../src/parser/errors.js';
import { encodeResult } from '../../src/parser/messages.js';

test('a fallback answers every unregistered method, registered ones still win', async () => {
  const seen: Array<[string, unknown, unknown]> = [];
  const dispatcher = new Dispatcher({ known: () => 'registered' }).fallback((method, params, ctx) => {
    seen.push([method, params, ctx.id]);
    if (method === 'decline') throw new JsonRpcMethodNotFoundError();
    return `fallback:${method}`;
  });
  const reply = async (text: string): Promise<unknown> => JSON.parse((await handle(text, dispatcher)) ?? 'null');
  assert.deepEqual(await reply('{"jsonrpc":"2.0","id":1,"method":"known"}'), { jsonrpc: '2.0', id: 1, result: 'registered' });
  assert.deepEqual(await reply('{"jsonrpc":"2.0","id":2,"method":"constructor","params":[1]}'), {
    jsonrpc: '2.0', id: 2, result: 'fallback:constructor',
  });
  assert.equal((await reply('{"jsonrpc":"2.0","id":3,"method":"decline"}') as { error: { code: number } }).error.code, -32601);
  assert.equal(await handle('{"jsonrpc":"2.0","method":"note","params":{"a":1}}', dispatcher), null);
  assert.deepEqual(seen, [['constructor', [1], 2], ['decline', undefined, 3], ['note', { a: 1 }, undefined]]);

  dispatcher.fallback(undefined);
  assert.equal((await reply('{"jsonrpc":"2.0","id":4,"method":"other"}') as { error: { code: number } }).error.code, -32601);
  assert.throws(() => dispatcher.fallback('nope' as never), /must be a function/);
});

test('encodeResult refuses a result with no JSON form instead of dropping the member', () => {
  assert.throws(() => encodeResult(1, () => 1), /no JSON representation/);
  assert.throws(() => encodeResult(1, Symbol('s')), /no JSON representation/);
  assert.throws(() => encodeResult(1, { toJSON: () => undefined }), /no JSON representation/);
  assert.throws(() => encodeResult(1, 10n), TypeError);
  assert.deepEqual(JSON.parse(encodeResult('a"b', { x: [1] })), { jsonrpc: '2.0', id: 'a"b', result: { x: [1] } });
});
