/** `serve --socket` and a socket file already at its path: stale (replaced), live, or not a socket. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, runCli, startCli } from './helpers.js';

const methods = fixture('cli-methods.mjs');

test('a socket left by a crashed server is replaced; one in use, or a file that is no socket, is refused with the reason', { skip: process.platform === 'win32', timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'jsonrpc-wire-sock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'rpc.sock');

  // A server that dies without cleaning up leaves its socket file behind.
  const crashed = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  await new Promise((done) => crashed.on('exit', done));
  assert.ok((await stat(path)).isSocket(), 'the stale socket is there');

  const server = startCli(['serve', '--socket', path, '--methods', methods], { keepStdin: true });
  await server.waitForStderr(/serving .* on /);
  assert.match(server.stderr(), /replaced the stale socket .*rpc\.sock \(nobody was listening on it\)/);
  const called = await runCli(['call', 'add', '[1, 2]', '--socket', path]);
  assert.deepEqual([called.code, called.stdout], [0, '3\n'], called.stderr);

  const second = await runCli(['serve', '--socket', path, '--methods', methods]);
  assert.equal(second.code, 3);
  assert.match(second.stderr, /^jsonrpc-wire: cannot listen on .*rpc\.sock: another server is listening on it \(stop it, or choose another path\)\n$/);
  server.child.kill('SIGTERM');
  assert.equal((await server.done).code, 0);

  const file = join(dir, 'not-a-socket');
  await writeFile(file, 'keep me');
  const refused = await runCli(['serve', '--socket', file, '--methods', methods]);
  assert.equal(refused.code, 3);
  assert.match(refused.stderr, /it exists and is not a socket \(remove it, or choose another path\)/);
  assert.equal((await stat(file)).size, 7, 'the file is untouched');
});
