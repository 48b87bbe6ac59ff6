/**
 * Why a call gets no answer, said at once and in one line through the real bin: the other framing
 * (quoting the bytes), HTTP, a silent server, a response to an id never sent, a command that
 * cannot start, a listener that never accepts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { fixture, root, runCli } from './helpers.js';

const jsonServer = join(root, 'node_modules', 'vscode-langservers-extracted', 'bin', 'vscode-json-language-server');
const initialize = '{"processId":null,"rootUri":null,"capabilities":{}}';

test('a real language server called without --framing: a clear error naming the flag within seconds, not the 30 s timeout', { timeout: 60_000 }, async () => {
  const started = Date.now();
  const got = await runCli(['call', 'initialize', initialize, '--stdio', '--', process.execPath, jsonServer, '--stdio']);
  assert.equal(got.code, 3, got.stderr);
  assert.match(got.stderr, /^jsonrpc-wire: .*vscode-json-language-server --stdio sent nothing in the 2 s after the first request \(in newline framing\)\. .*pass --framing content-length.*\n$/);
  assert.ok(Date.now() - started < 25_000, 'well before the default timeout');
  // And with the flag it works (the same server, the same call).
  const ok = await runCli(['call', 'initialize', initialize, '--framing', 'content-length', '--stdio', '--', process.execPath, jsonServer, '--stdio']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout) as { capabilities: { hoverProvider: boolean } }).capabilities.hoverProvider, true);
});

test('a server that speaks Content-Length first is named at once, its bytes quoted', { timeout: 60_000 }, async () => {
  const got = await runCli(['call', 'ping', '--stdio', '--', process.execPath, fixture('cli-speaks-first.mjs')]);
  assert.equal(got.code, 3);
  assert.match(got.stderr, /speaks Content-Length framing \(it sent "Content-Length: \d+\\r\\n\\r\\n\{\\"jsonrpc\\":\\"2\.0\\",\\"method\\":\\"window\/logMessa\.\.\."\), not newline: pass --framing content-length\n$/);
});

test('a banner before a correct answer is no framing problem: the call works and nothing is hinted', async () => {
  const got = await runCli(['call', 'add', '[1, 2]', '--stdio', '--', process.execPath, fixture('cli-banner-server.mjs')]);
  assert.deepEqual([got.code, got.stdout, got.stderr], [0, '3\n', '']);
  // The banner is shown with --verbose.
  const verbose = await runCli(['call', 'add', '[1, 2]', '--verbose', '--stdio', '--', process.execPath, fixture('cli-banner-server.mjs')]);
  assert.match(verbose.stderr, /<- unreadable: .*"Example server v1\.2 starting"/);
});

test('an HTTP server is called HTTP, in every framing, and never offered Content-Length', { timeout: 60_000 }, async (t) => {
  const http = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
  });
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  t.after(() => http.close());
  const { port } = http.address() as net.AddressInfo;
  for (const framing of [[], ['--framing', 'newline'], ['--framing', 'content-length'], ['--framing', 'json-stream']]) {
    const got = await runCli(['call', 'ping', ...framing, '--tcp', `127.0.0.1:${port}`]);
    assert.equal(got.code, 3, `${framing.join(' ')}: ${got.stderr}`);
    assert.match(got.stderr, /^jsonrpc-wire: 127\.0\.0\.1:\d+ speaks HTTP \(it sent "HTTP\/1\.1 400 Bad Request\\r"\), not JSON-RPC over a byte stream: use an HTTP client\n$/);
    assert.doesNotMatch(got.stderr, /--framing/);
  }
});

test('a response to an id never sent is reported at once, and shown with --verbose', { timeout: 60_000 }, async () => {
  const server = ['--stdio', '--', process.execPath, fixture('cli-wrong-id-server.mjs')];
  const got = await runCli(['call', 'ping', '--timeout', '1500', ...server]);
  assert.equal(got.code, 4);
  const [first, second] = got.stderr.split('\n');
  assert.equal(first, 'jsonrpc-wire: the server answered id 999, which was never sent (--verbose shows the response)');
  assert.match(second, /ping timed out after 1500 ms/);
  const verbose = await runCli(['call', 'ping', '--timeout', '1500', '--verbose', ...server]);
  assert.match(verbose.stderr, /^<- response to no request we sent: \{"jsonrpc":"2\.0","id":999,"result":"for someone else"\}\n/);
});

test('a command that cannot be started says so', async () => {
  const got = await runCli(['call', 'ping', '--stdio', '--', 'jsonrpc-wire-no-such-command']);
  assert.deepEqual([got.code, got.stderr], [3, 'jsonrpc-wire: cannot start jsonrpc-wire-no-such-command: not found\n']);
});

test('--timeout bounds connecting too: a listener whose accept queue is full', { timeout: 60_000 }, async (t) => {
  // A listener with a backlog of 1 whose process never runs its event loop again: it accepts nothing.
  const listener = spawn(process.execPath, ['-e', `
    const s = require('node:net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
      process.stdout.write(s.address().port + '\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    });`], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => listener.kill('SIGKILL'));
  const port = await new Promise<number>((done) => listener.stdout.once('data', (d: Buffer) => done(Number(String(d)))));
  // Fill the queue: connect until a connection stays pending.
  const fillers: net.Socket[] = [];
  t.after(() => fillers.forEach((s) => s.destroy()));
  for (let i = 0; i < 64; i++) {
    const socket = net.createConnection({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    fillers.push(socket);
    const connected = await new Promise<boolean>((done) => {
      socket.once('connect', () => done(true));
      setTimeout(() => done(false), 500);
    });
    if (!connected) break;
  }
  const started = Date.now();
  const got = await runCli(['call', 'ping', '--timeout', '1500', '--tcp', `127.0.0.1:${port}`]);
  assert.equal(got.code, 4, got.stderr);
  assert.match(got.stderr, /^jsonrpc-wire: cannot connect to 127\.0\.0\.1:\d+: no connection after 1500 ms \(raise it with --timeout MS\)\n$/);
  assert.ok(Date.now() - started < 20_000);
});
