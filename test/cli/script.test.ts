/** `call --script` through the real bin: every output line names its step; a failure names line and method. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runCli, startServe, type Running } from './helpers.js';

let server: Running & { port: number };
before(async () => {
  server = await startServe(['--methods', fixture('cli-methods.mjs')]);
});
after(async () => {
  server.child.kill('SIGTERM');
  await server.done;
});

const script = [
  '{"method":"add","params":[1,2]}',
  '# line 2 is a comment',
  '{"method":"fail"}',
  '{"method":"add","params":[3,4]}',
  '{"method":"greet","params":{"name":"z"}}',
].join('\n');
const lines = (stdout: string): unknown[] => stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown);
const failed = { line: 3, method: 'fail', error: { code: -32603, message: 'Internal error' } };

test('a failing step names its line and method, and the steps after it are said not to have run', async () => {
  const got = await runCli(['call', '--script', '-', '--tcp', `:${server.port}`], script);
  assert.equal(got.code, 1);
  assert.deepEqual(lines(got.stdout), [{ line: 1, method: 'add', result: 3 }, failed]);
  assert.equal(got.stderr, 'jsonrpc-wire: script line 3 (fail) got error -32603 (Internal error); the remaining 2 steps were not run (--keep-going runs them)\n');
});

test('--keep-going runs the rest, and still exits 1', async () => {
  const got = await runCli(['call', '--script', '-', '--keep-going', '--tcp', `:${server.port}`], script);
  assert.equal(got.code, 1);
  assert.deepEqual(lines(got.stdout), [
    { line: 1, method: 'add', result: 3 },
    failed,
    { line: 4, method: 'add', result: 7 },
    { line: 5, method: 'greet', result: 'hello z' },
  ]);
  assert.equal(got.stderr, '');
});

test('a timeout or a bad line names the step too', async () => {
  const slow = await runCli(['call', '--script', '-', '--timeout', '300', '--tcp', `:${server.port}`], '{"method":"add","params":[1,1]}\n{"method":"slow"}\n');
  assert.equal(slow.code, 4);
  assert.deepEqual(lines(slow.stdout), [{ line: 1, method: 'add', result: 2 }]);
  assert.equal(slow.stderr, 'jsonrpc-wire: script line 2 (slow) timed out after 300 ms (raise it with --timeout MS)\n');
  const bad = await runCli(['call', '--script', '-', '--tcp', `:${server.port}`], '{"method":"add"}\n{"method":"add","params":5}\n');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^jsonrpc-wire: script line 2 \(add\): "params" must be an array or an object\n/);
});
