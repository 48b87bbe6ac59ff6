/**
 * How the bin stops, as a user sees it: signals to `serve` (a grace period for calls in flight,
 * then exit 0 even with a methods module holding a timer), signals to `call --stdio` (passed on to
 * the server, which is killed if it ignores them: never an orphan), and a closed stdout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { alive, cli, fixture, root, startCli, startServe } from './helpers.js';

const held = fixture('cli-held-methods.mjs');

test('serve: SIGTERM lets the call in flight finish and answer, refuses new connections, exits 0 despite a held timer', { timeout: 60_000 }, async () => {
  const server = await startServe(['--methods', held, '--grace', '20000']);
  const call = startCli(['call', 'sleep', '[1500]', '--tcp', `:${server.port}`]);
  await server.waitForStderr(/sleep 1500 started/);
  server.child.kill('SIGTERM');
  await server.waitForStderr(/stopping: no new connections/);
  const late = await startCli(['call', 'add', '[1, 2]', '--tcp', `:${server.port}`]).done;
  assert.equal(late.code, 3, late.stderr);
  assert.match(late.stderr, /connection refused/);
  const [called, served] = await Promise.all([call.done, server.done]);
  assert.deepEqual([called.code, called.stdout], [0, '"slept 1500"\n'], called.stderr);
  assert.equal(served.code, 0, served.stderr);
  assert.match(served.stderr, /stopped\n$/);
});

test('serve: a call still running when the grace period ends is cut off, and serve exits 0', { timeout: 60_000 }, async () => {
  const server = await startServe(['--methods', held, '--grace', '300']);
  const call = startCli(['call', 'sleep', '[600000]', '--tcp', `:${server.port}`]);
  await server.waitForStderr(/sleep 600000 started/);
  server.child.kill('SIGINT');
  const [called, served] = await Promise.all([call.done, server.done]);
  assert.equal(served.code, 0, served.stderr);
  assert.match(served.stderr, /grace period is over/);
  assert.equal(called.code, 3);
  assert.match(called.stderr, /the connection to .* closed/);
});

test('serve: a second signal exits at once, grace period or not', { timeout: 60_000 }, async () => {
  const server = await startServe(['--methods', held, '--grace', '600000']);
  const call = startCli(['call', 'sleep', '[600000]', '--tcp', `:${server.port}`]);
  await server.waitForStderr(/sleep 600000 started/);
  server.child.kill('SIGTERM');
  await server.waitForStderr(/stopping/);
  server.child.kill('SIGTERM');
  const served = await server.done;
  assert.equal(served.code, 0);
  await call.done;
});

test('call --stdio: a signal is passed on to the server, which is killed when it ignores it; exit 128+signal', { timeout: 60_000 }, async (t) => {
  const call = startCli(['call', 'ping', '--framing', 'newline', '--verbose', '--stdio', '--', process.execPath, fixture('cli-stubborn-child.mjs')]);
  const [, pidText] = await call.waitForStderr(/pid (\d+)/);
  const pid = Number(pidText);
  t.after(() => {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  call.child.kill('SIGTERM');
  const out = await call.done;
  assert.equal(out.code, 143, out.stderr);
  assert.match(out.stderr, /got SIGTERM/, 'the signal reached the server');
  assert.equal(alive(pid), false, 'the server is not left running');
});

test('call --stdio: SIGINT reaches a server that obeys it, and call exits 130', { timeout: 60_000 }, async () => {
  const call = startCli([
    'call', 'sleep', '[600000]', '--verbose',
    '--stdio', '--', process.execPath, cli, 'serve', '--stdio', '--methods', fixture('cli-held-methods.mjs'), '--grace', '0',
  ]);
  await call.waitForStderr(/sleep 600000 started/);
  call.child.kill('SIGINT');
  const out = await call.done;
  assert.equal(out.code, 130, out.stderr);
  assert.match(out.stderr, /jsonrpc-wire: stopping/, 'the server got the signal and stopped');
});

test('a closed stdout ends call quietly with exit code 5', { timeout: 60_000 }, async () => {
  const server = await startServe(['--methods', fixture('cli-methods.mjs')]);
  try {
    for (const args of [['call', 'add', '[1, 2]'], ['call', '--script', '-']]) {
      const child = spawn(process.execPath, [cli, ...args, '--tcp', `:${server.port}`], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdout.destroy(); // like `| head -c 0`: the reader is gone before anything is written
      child.stdin.end('{"method":"add","params":[1,2]}\n'.repeat(20));
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      const code = await new Promise<number | null>((done) => child.on('close', done));
      assert.equal(code, 5, `${args.join(' ')}: ${stderr}`);
      assert.equal(stderr, '');
    }
  } finally {
    server.child.kill('SIGTERM');
    await server.done;
  }
});
