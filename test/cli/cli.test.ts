/** The jsonrpc-wire command, run as a user runs it: as a process, talking to real servers. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import jayson from 'jayson';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const methods = join(root, 'test', 'fixtures', 'cli-methods.mjs');
const lspLike = join(root, 'test', 'fixtures', 'cli-lsp-like-server.mjs');

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], stdin?: string): Promise<Outcome> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdin.end(stdin ?? '');
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

let server: ChildProcess;
let port = 0;

before(async () => {
  server = spawn(process.execPath, [cli, 'serve', '--tcp', '127.0.0.1:0', '--methods', methods], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  server.stderr!.setEncoding('utf8');
  while (!/on 127\.0\.0\.1:(\d+)/.test(log)) {
    const [chunk] = (await once(server.stderr!, 'data')) as [string];
    log += chunk;
  }
  port = Number(/on 127\.0\.0\.1:(\d+)/.exec(log)![1]);
});

after(async () => {
  server.kill('SIGTERM');
  const [code] = (await once(server, 'exit')) as [number | null];
  assert.equal(code, 0, 'serve exits 0 on SIGTERM');
});

test('call prints the result as JSON and exits 0', async () => {
  const got = await runCli(['call', 'add', '[1, 2]', '--tcp', `127.0.0.1:${port}`]);
  assert.deepEqual(got, { code: 0, stdout: '3\n', stderr: '' });
  const named = await runCli(['call', 'greet', '{"name":"Zoë"}', '--tcp', `:${port}`]);
  assert.equal(JSON.parse(named.stdout), 'hello Zoë');
});

test('an error response prints the error object on stderr and exits 1, without the server internals', async () => {
  const failed = await runCli(['call', 'fail', '--tcp', `:${port}`]);
  assert.equal(failed.code, 1);
  assert.equal(failed.stdout, '');
  assert.deepEqual(JSON.parse(failed.stderr), { code: -32603, message: 'Internal error' });
  const missing = await runCli(['call', 'nope', '--tcp', `:${port}`]);
  assert.equal(missing.code, 1);
  assert.equal(JSON.parse(missing.stderr).code, -32601);
});

test('a timeout and a refused connection each give one line and their own exit code', async () => {
  const slow = await runCli(['call', 'slow', '--timeout', '150', '--tcp', `:${port}`]);
  assert.equal(slow.code, 4);
  assert.match(slow.stderr, /^jsonrpc-wire: .*timed out after 150 ms.*\n$/);
  const refused = await runCli(['call', 'add', '[1,2]', '--tcp', '127.0.0.1:1']);
  assert.equal(refused.code, 3);
  assert.match(refused.stderr, /^jsonrpc-wire: cannot connect to 127\.0\.0\.1:1: connection refused.*\n$/);
});

test('bad arguments and a missing methods file give a usage line and exit 2, never a stack trace', async () => {
  for (const args of [
    ['call', 'add', '{oops', '--tcp', ':1'],
    ['serve', '--tcp', ':0', '--methods', 'no-such-file.mjs'],
    ['serve', '--tcp', ':0', '--methods', join(root, 'test', 'fixtures', 'cli-clashing-methods.mjs')],
    ['frobnicate'],
  ]) {
    const got = await runCli(args);
    assert.equal(got.code, 2, args.join(' '));
    assert.match(got.stderr, /^jsonrpc-wire: .+\nRun 'jsonrpc-wire --help' for usage\.\n$/);
    assert.doesNotMatch(got.stderr, /\bat .+:\d+:\d+/);
  }
});

test('--version prints the package version; help CMD and CMD --help print that command\'s help', async () => {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  assert.deepEqual(await runCli(['--version']), { code: 0, stdout: `${version}\n`, stderr: '' });
  const help = await runCli(['help', 'call']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: jsonrpc-wire call .*--keep-going.*Exit codes:/s);
  assert.deepEqual(await runCli(['call', '--help']), help);
  assert.match((await runCli(['serve', '-h'])).stdout, /^Usage: jsonrpc-wire serve .*--grace MS/s);
});

test('an unknown command or option is named as such, never as a missing endpoint or Node\'s advice about --', async () => {
  const frob = await runCli(['frob']);
  assert.equal(frob.code, 2);
  assert.match(frob.stderr, /^jsonrpc-wire: unknown command 'frob': the commands are 'serve', 'call', 'tap', 'stats' and 'describe'\n/);
  const flag = await runCli(['call', 'add', '--tcp', `:${port}`, '--bogus']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /^jsonrpc-wire: unknown option '--bogus' for call \(see 'jsonrpc-wire help call'\)\n/);
  assert.doesNotMatch(flag.stderr, /--' delimiter|place it after/);
});

test('a port in use is a one-line error with exit 3', async () => {
  const got = await runCli(['serve', '--tcp', `127.0.0.1:${port}`, '--methods', methods]);
  assert.equal(got.code, 3);
  assert.match(got.stderr, /already in use/);
});

test('a script of calls from stdin runs in order, one result per line', async () => {
  const script = ['{"method":"add","params":[2,3]}', '# a comment', '{"method":"greet","params":{"name":"x"}}', ''].join('\n');
  const got = await runCli(['call', '--script', '-', '--tcp', `:${port}`], script);
  assert.equal(got.code, 0, got.stderr);
  assert.deepEqual(got.stdout.trim().split('\n').map((l) => JSON.parse(l)), [
    { line: 1, method: 'add', result: 5 },
    { line: 3, method: 'greet', result: 'hello x' },
  ]);
});

test('call --stdio drives a spawned server over its stdio (the CLI serving itself, content-length)', async () => {
  const got = await runCli([
    'call', 'add', '[20, 22]', '--framing', 'content-length',
    '--stdio', '--', process.execPath, cli, 'serve', '--stdio', '--framing', 'content-length', '--methods', methods,
  ]);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.stdout, '42\n');
});

test('serve without --framing answers each client in the framing it is spoken to', async () => {
  for (const framing of ['content-length', 'newline', 'json-stream']) {
    const got = await runCli([
      'call', 'add', '[20, 22]', '--framing', framing,
      '--stdio', '--', process.execPath, cli, 'serve', '--stdio', '--methods', methods,
    ]);
    assert.deepEqual([got.code, got.stdout], [0, '42\n'], `${framing}: ${got.stderr}`);
  }
});

test('while waiting, call answers the requests a language server sends it, and --verbose shows them', async () => {
  const script = [
    '{"method":"initialize","params":{"processId":null,"rootUri":"file:///tmp","capabilities":{}}}',
    '{"method":"initialized","params":{},"notification":true}',
    '{"method":"shutdown"}',
    '{"method":"exit","notification":true}',
  ].join('\n');
  const got = await runCli(['call', '--script', '-', '--verbose', '--framing', 'content-length', '--stdio', '--', process.execPath, lspLike], script);
  assert.equal(got.code, 0, got.stderr);
  const [init, shutdown] = got.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { result: unknown }).result);
  assert.deepEqual(init, { capabilities: { hoverProvider: true }, config: [null, null], rootUri: 'file:///tmp' });
  assert.equal(shutdown, null);
  assert.match(got.stderr, /<- request \d+ window\/workDoneProgress\/create/);
  assert.match(got.stderr, /<- window\/logMessage \{"type":3,"message":"initializing"\}/);
});

test('a framing mismatch is named as soon as the server answers in its own framing, quoting its bytes', async () => {
  const got = await runCli([
    'call', 'add', '[1, 2]', '--framing', 'content-length',
    '--stdio', '--', process.execPath, cli, 'serve', '--stdio', '--framing', 'newline', '--methods', methods,
  ]);
  assert.equal(got.code, 3);
  assert.match(got.stderr, /^jsonrpc-wire: .* speaks newline-delimited JSON \(it sent "\{\\"jsonrpc\\":\\"2\.0\\".*"\), not content-length: pass --framing newline\n$/);
});

test('a server whose responses are not JSON-RPC 2.0 (jayson in 1.0 mode) is one line and exit 3, at once', async () => {
  const jaysonServer = new jayson.Server(
    { add: (args: [number, number], callback: (error: unknown, result?: number) => void) => callback(null, args[0] + args[1]) },
    { version: 1 },
  );
  const tcp = jaysonServer.tcp();
  await new Promise<void>((done) => tcp.listen(0, '127.0.0.1', done));
  try {
    const { port: jaysonPort } = tcp.address() as AddressInfo;
    const got = await runCli(['call', 'add', '[1, 2]', '--timeout', '60000', '--tcp', `127.0.0.1:${jaysonPort}`]);
    assert.equal(got.code, 3, got.stderr);
    assert.equal(got.stdout, '');
    assert.match(got.stderr, /^jsonrpc-wire: The response to JSON-RPC request "add" is not valid JSON-RPC 2\.0: .*received \{"id":1,"error":null,"result":3\}\n$/);
  } finally {
    await new Promise((done) => tcp.close(done));
  }
});
