/** `jsonrpc-wire describe`: rpc.discover as a readable method list, against a real server. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as z from 'zod';
import { Dispatcher, listenTcp, type JsonRpcServer } from '../../src/index.js';
import { formatDocument } from '../../src/cli/describe.js';
import { runCli } from './helpers.js';

let withDiscovery: JsonRpcServer;
let without: JsonRpcServer;
const port = (server: JsonRpcServer): string => `127.0.0.1:${(server.address as { port: number }).port}`;

before(async () => {
  const dispatcher = new Dispatcher()
    .add('sum', ([a, b]) => a + (b ?? 0), { params: z.tuple([z.number(), z.number().optional()]), result: z.number(), summary: 'Adds' })
    .add('bank.move', () => true, {
      params: z.object({ from: z.string(), amount: z.number().int() }),
      result: z.boolean(),
      errors: [{ code: 4001, message: 'Insufficient funds' }],
    })
    .add('sleep', (ms: number) => ms, { params: 'positional', arity: 1 })
    .add('anything', () => null)
    .enableDiscovery({ title: 'Bank', version: '1.2.0', description: 'Moves money' });
  withDiscovery = await listenTcp({ host: '127.0.0.1', port: 0 }, undefined, { dispatcher });
  without = await listenTcp({ host: '127.0.0.1', port: 0 }, undefined, { dispatcher: new Dispatcher().add('x', () => 1) });
});

after(async () => {
  await withDiscovery.close();
  await without.close();
});

test('describe prints one line per method, with params, result, summary and errors', async () => {
  const got = await runCli(['describe', '--tcp', port(withDiscovery)]);
  assert.equal(got.stderr, '');
  assert.equal(got.code, 0);
  assert.equal(
    got.stdout,
    [
      'Bank 1.2.0: Moves money',
      '  sum(param1: number, param2?: number) -> number  Adds',
      '  bank.move({ from: string, amount: integer }) -> boolean',
      '    errors: 4001 Insufficient funds',
      '  sleep(param1: any)',
      '  anything(...)',
      '',
    ].join('\n'),
  );
});

test('describe against a server without discovery fails like the call (exit 1), and refuses positionals', async () => {
  const got = await runCli(['describe', '--tcp', port(without)]);
  assert.equal(got.code, 1);
  assert.match(got.stderr, /-32601/);
  const usage = await runCli(['describe', 'extra', '--tcp', port(without)]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /describe takes no positional arguments/);
  const help = await runCli(['describe', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: jsonrpc-wire describe/);
  const topic = await runCli(['help', 'describe']);
  assert.equal(topic.code, 0);
  assert.equal(topic.stdout, help.stdout);
  const usageText = await runCli(['--help']);
  assert.match(usageText.stdout, /\n  jsonrpc-wire describe \[options\]/);
});

test('formatDocument shows what a hostile document holds without trusting its shape', () => {
  assert.throws(() => formatDocument([]), /not an OpenRPC document/);
  assert.throws(() => formatDocument({ methods: 'x' }), /not an OpenRPC document/);
  const text = formatDocument({
    info: { title: 'T\u001b[31m', version: 7 },
    methods: [
      null,
      { name: 'evil\nname', paramStructure: 'by-name', params: [{ name: 'a', schema: { type: 'array', items: { anyOf: [{ const: 1 }, { type: 'string' }] } } }] },
      { name: 'deep', params: [{ name: 'p', required: true, schema: nest(50) }], result: { schema: { enum: ['a', 'b'] } } },
      { name: 'x'.repeat(1000), params: [] },
    ],
  });
  const lines = text.split('\n');
  assert.equal(lines[0], 'T\\u001b[31m 7');
  assert.equal(lines[1], '  ?');
  assert.equal(lines[2], '  evil\\u000aname({ a?: 1 | string[] })');
  assert.match(lines[3]!, /^ {2}deep\(p: \{ x: \{ x: .*any.*\) -> "a" \| "b"$/);
  assert.ok(lines[4]!.length < 250);
});

function nest(depth: number): unknown {
  return depth === 0 ? { type: 'string' } : { type: 'object', properties: { x: nest(depth - 1) }, required: ['x'] };
}
