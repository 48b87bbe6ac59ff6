/** `jsonrpc-wire tap`, run as a process in front of a stand-in server (test/fixtures/tap-server.mjs). */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogLine, MessageLine } from '../../src/cli/log-format.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const fixture = join(root, 'test', 'fixtures', 'tap-server.mjs');
const methods = join(root, 'test', 'fixtures', 'cli-methods.mjs');

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'jsonrpc-wire-tap-'));
}

/** Processes a test started; a failed test must not leave them running (SIGTERM: tap passes it on). */
const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  running.clear();
});

function start(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env } });
  running.add(child);
  return child;
}

function tap(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return start([cli, 'tap', ...args], env);
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

function finish(child: ChildProcessWithoutNullStreams): Promise<Finished> {
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((done) => child.on('close', (code, signal) => done({ code, signal, stdout: Buffer.concat(stdout), stderr })));
}

function readLog(file: string): LogLine[] {
  return readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as LogLine);
}

const frame = (value: unknown): string => `${JSON.stringify(value)}\n`;

/** Random bytes from a fixed seed, so a failure repeats. */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

test('every byte passes through unchanged both ways (garbage and invalid UTF-8 included), and the log has each message', { timeout: 60_000 }, async () => {
  const dir = scratch();
  // The server's stdout: a banner a server should not print, messages, random bytes, then the echo.
  const prelude = Buffer.concat([
    Buffer.from('Server starting on stdio...\n'),
    Buffer.from(frame({ jsonrpc: '2.0', method: 'hello', params: { text: 'Zoë 😀' } })),
    noise(3000, 7),
    Buffer.from('\n'),
  ]);
  writeFileSync(join(dir, 'prelude'), prelude);
  const requests = Buffer.concat([
    Buffer.from(frame({ jsonrpc: '2.0', id: 1, method: 'add', params: [1, 2] })),
    Buffer.from(frame({ jsonrpc: '2.0', id: 'two', method: 'greet', params: { name: 'é' } })),
    noise(100_000, 11),
    Buffer.from('\n'),
    Buffer.from(frame({ jsonrpc: '2.0', method: 'bye' })),
  ]);
  // Newline framing: it resynchronizes at every line, so the messages after the noise are logged too.
  const child = tap(['--log', join(dir, 't.jsonl'), '--framing', 'newline', '--', process.execPath, fixture, 'echo'], { TAP_PRELUDE: join(dir, 'prelude') });
  const done = finish(child);
  // Written in uneven pieces, as a client would.
  for (let at = 0; at < requests.length; at += 7919) child.stdin.write(requests.subarray(at, at + 7919));
  child.stdin.end();
  const got = await done;
  assert.equal(got.code, 0, got.stderr);
  assert.ok(got.stdout.equals(Buffer.concat([prelude, requests])), 'the client received exactly what the server wrote');
  assert.match(got.stderr, new RegExp(`stdin ended after ${requests.length} bytes`), 'the server received every byte, then EOF');

  const lines = readLog(join(dir, 't.jsonl'));
  const messages = lines.filter((l): l is MessageLine => l.kind !== 'start' && l.kind !== 'exit' && l.kind !== 'dropped' && l.kind !== 'unreadable');
  const toServer = messages.filter((l) => l.dir === 'to-server' && l.kind !== 'invalid');
  assert.deepEqual(toServer.map((l) => [l.kind, l.method]), [['request', 'add'], ['request', 'greet'], ['notification', 'bye']]);
  // The echo sends the requests back: to the client they look like requests from the server.
  const hello = messages.find((l) => l.method === 'hello')!;
  assert.deepEqual([hello.dir, (hello.message as { params: unknown }).params], ['to-client', { text: 'Zoë 😀' }]);
  const invalid = messages.filter((l) => l.kind === 'invalid');
  assert.ok(invalid.some((l) => l.dir === 'to-client' && /Server starting on stdio/.test(l.text ?? '')), 'the banner is logged as an invalid message');
  const unreadable = lines.filter((l) => l.kind === 'unreadable');
  assert.ok(unreadable.some((l) => l.dir === 'to-server' && /not valid UTF-8/.test(l.problem)), 'the noise is logged with the framer\'s reason');
  assert.deepEqual([lines[0].kind, lines.at(-1)], ['start', { ...lines.at(-1), kind: 'exit', code: 0, signal: null }]);
});

test('garbage the framer cannot cut (Content-Length framing) is logged with the framer\'s explanation and still passed on', { timeout: 60_000 }, async () => {
  const dir = scratch();
  const body = JSON.stringify({ jsonrpc: '2.0', method: 'ready' });
  const prelude = Buffer.from(`console.log output\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  writeFileSync(join(dir, 'prelude'), prelude);
  const child = tap(['--log', join(dir, 't.jsonl'), '--framing', 'content-length', '--', process.execPath, fixture, 'echo'], { TAP_PRELUDE: join(dir, 'prelude') });
  const done = finish(child);
  child.stdin.end();
  const got = await done;
  assert.ok(got.stdout.equals(prelude));
  const lines = readLog(join(dir, 't.jsonl'));
  const unreadable = lines.find((l) => l.kind === 'unreadable') as { problem: string; dir: string } | undefined;
  assert.ok(unreadable !== undefined && unreadable.dir === 'to-client');
  assert.match(unreadable.problem, /console\.log output/);
  assert.ok(lines.some((l) => l.kind === 'notification' && l.method === 'ready'));
});

test('by default the log detects the framing of each direction from its first bytes, after a banner too', { timeout: 60_000 }, async () => {
  const dir = scratch();
  const cl = (value: unknown): string => `Content-Length: ${Buffer.byteLength(JSON.stringify(value))}\r\n\r\n${JSON.stringify(value)}`;
  writeFileSync(join(dir, 'prelude'), `starting...\n${cl({ jsonrpc: '2.0', method: 'ready' })}`);
  const child = tap(['--log', join(dir, 't.jsonl'), '--', process.execPath, fixture, 'echo'], { TAP_PRELUDE: join(dir, 'prelude') });
  const done = finish(child);
  child.stdin.end(cl({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }));
  assert.equal((await done).code, 0);
  const lines = readLog(join(dir, 't.jsonl')).filter((l) => l.kind !== 'start' && l.kind !== 'exit') as Array<MessageLine | { kind: 'unreadable'; dir: string; framing: string; problem: string }>;
  const of = (dir: string): string[][] => lines.filter((l) => l.dir === dir).map((l) => [l.kind, l.framing]);
  assert.deepEqual(of('to-server'), [['request', 'content-length']]);
  // The banner is reported by the detector (quoted), then the server's own messages and the echo.
  assert.deepEqual(of('to-client'), [['unreadable', 'auto'], ['notification', 'content-length'], ['request', 'content-length']]);
  assert.match((lines.find((l) => l.kind === 'unreadable') as { problem: string }).problem, /starting\.\.\./);
});

test('the exit code and a death by signal are the server\'s; a signal to tap reaches the server', { timeout: 60_000 }, async () => {
  const child = tap(['--', process.execPath, fixture, 'echo', '7']);
  const seven = finish(child);
  child.stdin.end();
  assert.equal((await seven).code, 7);

  const trapped = tap(['--', process.execPath, fixture, 'trap']);
  const trappedDone = finish(trapped);
  await waitFor(trapped, /ready/);
  trapped.kill('SIGTERM');
  const got = await trappedDone;
  assert.equal(got.code, 42, 'the server caught the forwarded SIGTERM and chose its exit code');
  assert.match(got.stderr, /got SIGTERM/);

  const dies = tap(['--', process.execPath, fixture, 'trap']);
  const diesDone = finish(dies);
  await waitFor(dies, /ready/);
  dies.stdin.write('die\n');
  assert.equal((await diesDone).signal, 'SIGTERM', 'tap dies of the signal the server died of');
});

async function waitFor(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<void> {
  let seen = '';
  while (!pattern.test(seen)) {
    const [chunk] = (await once(child.stderr, 'data')) as [Buffer | string];
    seen += chunk.toString();
  }
}

test('back pressure passes through: a client that stops reading stops the server, and nothing is lost', { timeout: 60_000 }, async () => {
  const total = 24 * 1024 * 1024;
  const child = tap(['--log', join(scratch(), 't.jsonl'), '--', process.execPath, fixture, 'flood', String(total)]);
  child.stdin.end();
  child.stdout.pause();
  let progress = 0;
  let changed = Date.now();
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    for (const m of text.matchAll(/wrote (\d+)/g)) {
      if (Number(m[1]) > progress) [progress, changed] = [Number(m[1]), Date.now()];
    }
  });
  // Until the server has written something and then been held for a second: however slow a busy
  // machine makes it, without back pressure it would go on to write all 24 MiB.
  while (progress === 0 || Date.now() - changed < 1000) await new Promise((r) => setTimeout(r, 100));
  // Pipes, sockets and each stream's highWaterMark hold well under a few MiB; the rest waits in the server.
  assert.ok(progress < 8 * 1024 * 1024, `the server wrote ${progress} bytes to a client that read nothing`);
  let received = 0;
  let lines = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    received += chunk.length;
    for (const byte of chunk) if (byte === 0x0a) lines++;
  });
  child.stdout.resume();
  const [code] = (await once(child, 'close')) as [number];
  assert.equal(code, 0);
  assert.ok(received >= total, `received ${received} of ${total}`);
  assert.equal(lines % 64, 0);
});

test('a log that cannot be written is said once on stderr, and the traffic passes all the same', { timeout: 60_000 }, async () => {
  const child = tap(['--log', join(scratch(), 'no-such-dir', 't.jsonl'), '--', process.execPath, fixture, 'echo']);
  const done = finish(child);
  child.stdin.end(frame({ jsonrpc: '2.0', method: 'x' }));
  const got = await done;
  assert.equal(got.code, 0);
  assert.equal(got.stdout.toString(), frame({ jsonrpc: '2.0', method: 'x' }));
  assert.match(got.stderr, /^jsonrpc-wire tap: the log stopped \(cannot write the log .*no-such-dir.*ENOENT.*\); the traffic passes on unlogged$/m);
});

test('a command that cannot be started says so and exits 3; usage errors exit 2', { timeout: 60_000 }, async () => {
  const child = tap(['--log', join(scratch(), 't.jsonl'), '--', 'no-such-server-xyz', '--stdio']);
  child.stdin.end();
  const got = await finish(child);
  assert.equal(got.code, 3);
  assert.equal(got.stderr, 'jsonrpc-wire: cannot start no-such-server-xyz: not found\n');
  for (const args of [[], ['--tcp', ':0'], ['--frob', '--', 'x'], ['--framing', 'xml', '--', 'x'], ['server']]) {
    const usage = tap(args);
    usage.stdin.end();
    const out = await finish(usage);
    assert.equal(out.code, 2, args.join(' '));
    assert.match(out.stderr, /^jsonrpc-wire: .+\nRun 'jsonrpc-wire --help' for usage\.\n$/);
  }
});

test('tap --tcp forwards each connection to --to and logs it numbered; SIGTERM stops it', { timeout: 60_000 }, async () => {
  const dir = scratch();
  const server = start([cli, 'serve', '--tcp', '127.0.0.1:0', '--methods', methods]);
  const serverPort = Number((await matchStderr(server.stderr, /on 127\.0\.0\.1:(\d+)/))[1]);
  const proxy = tap(['--tcp', '127.0.0.1:0', '--to', `127.0.0.1:${serverPort}`, '--log', join(dir, 't.jsonl')]);
  const proxyPort = Number((await matchStderr(proxy.stderr, /listening on 127\.0\.0\.1:(\d+)/))[1]);
  for (const [args, expected] of [[['add', '[1, 2]'], '3\n'], [['greet', '{"name":"x"}'], '"hello x"\n']] as const) {
    const out = await finish(start([cli, 'call', ...args, '--tcp', `127.0.0.1:${proxyPort}`]));
    assert.equal(out.stdout.toString(), expected, out.stderr);
  }
  proxy.kill('SIGTERM');
  assert.deepEqual(await once(proxy, 'close'), [0, null]);
  server.kill('SIGTERM');
  await once(server, 'close');
  const lines = readLog(join(dir, 't.jsonl'));
  const responses = lines.filter((l): l is MessageLine => l.kind === 'response');
  assert.deepEqual(responses.map((r) => [r.conn, r.method, r.dir]), [[1, 'add', 'to-client'], [2, 'greet', 'to-client']]);
  assert.ok(responses.every((r) => typeof r.latencyMs === 'number' && r.latencyMs >= 0));
  assert.deepEqual(lines.filter((l) => l.kind === 'close').map((l) => l.conn), [1, 2]);
});

async function matchStderr(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<RegExpExecArray> {
  let seen = '';
  for (;;) {
    const match = pattern.exec(seen);
    if (match !== null) return match;
    const [chunk] = (await once(stream, 'data')) as [Buffer];
    seen += chunk.toString();
  }
}

test('--redact through the bin: the log keeps methods and ids, never the values', { timeout: 60_000 }, async () => {
  const dir = scratch();
  const child = tap(['--redact', '--log', join(dir, 't.jsonl'), '--', process.execPath, fixture, 'echo']);
  const done = finish(child);
  child.stdin.end(frame({ jsonrpc: '2.0', id: 1, method: 'login', params: { password: 'hunter2' } }));
  const got = await done;
  assert.match(got.stdout.toString(), /hunter2/, 'the traffic itself is untouched');
  const log = readFileSync(join(dir, 't.jsonl'), 'utf8');
  assert.doesNotMatch(log, /hunter2/);
  const requests = readLog(join(dir, 't.jsonl')).filter((l): l is MessageLine => l.kind === 'request');
  assert.deepEqual(requests.map((r) => [r.dir, r.method, (r.message as { params: unknown }).params]), [
    ['to-server', 'login', { password: 'string(7)' }],
    ['to-client', 'login', { password: 'string(7)' }],
  ]);
});

test('tap --tcp: a server that refuses the forwarded connection closes the client\'s, and the log says why', { timeout: 60_000 }, async () => {
  const dir = scratch();
  // A port nobody listens on: bind one, note it, close it.
  const { createServer } = await import('node:net');
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const deadPort = (probe.address() as { port: number }).port;
  probe.close();
  await once(probe, 'close');
  const proxy = tap(['--tcp', '127.0.0.1:0', '--to', `127.0.0.1:${deadPort}`, '--log', join(dir, 't.jsonl')]);
  const proxyPort = Number((await matchStderr(proxy.stderr, /listening on 127\.0\.0\.1:(\d+)/))[1]);
  const call = await finish(start([cli, 'call', 'add', '[1, 2]', '--timeout', '10000', '--tcp', `127.0.0.1:${proxyPort}`]));
  assert.equal(call.code, 3, call.stderr);
  proxy.kill('SIGTERM');
  await once(proxy, 'close');
  const close = readLog(join(dir, 't.jsonl')).find((l) => l.kind === 'close') as { reason?: string } | undefined;
  assert.match(close?.reason ?? '', /ECONNREFUSED/);
});

test('tap --tcp passes a half-close on: a client that ends its side still gets its answers', { timeout: 60_000 }, async () => {
  const { connect } = await import('node:net');
  const server = start([cli, 'serve', '--tcp', '127.0.0.1:0', '--methods', methods]);
  const serverPort = Number((await matchStderr(server.stderr, /on 127\.0\.0\.1:(\d+)/))[1]);
  const proxy = tap(['--tcp', '127.0.0.1:0', '--to', `127.0.0.1:${serverPort}`, '--log', join(scratch(), 't.jsonl')]);
  const proxyPort = Number((await matchStderr(proxy.stderr, /listening on 127\.0\.0\.1:(\d+)/))[1]);
  const socket = connect({ port: proxyPort, host: '127.0.0.1', allowHalfOpen: true });
  await once(socket, 'connect');
  socket.end(frame({ jsonrpc: '2.0', id: 1, method: 'add', params: [20, 22] }) + frame({ jsonrpc: '2.0', id: 2, method: 'greet', params: { name: 'end' } }));
  let received = '';
  socket.setEncoding('utf8').on('data', (s: string) => (received += s));
  await once(socket, 'end');
  assert.deepEqual(received.trim().split('\n').map((l) => JSON.parse(l) as unknown), [
    { jsonrpc: '2.0', id: 1, result: 42 },
    { jsonrpc: '2.0', id: 2, result: 'hello end' },
  ]);
});

test('the server closing its stdout reaches the client as EOF while the server still runs', { timeout: 60_000 }, async () => {
  const child = tap(['--log', join(scratch(), 't.jsonl'), '--', process.execPath, fixture, 'hangup']);
  let received = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (received += s));
  await once(child.stdout, 'end');
  assert.equal(received, 'bye\n');
  assert.equal(child.exitCode, null, 'tap (and the server) still run');
  child.stdin.end();
  assert.deepEqual(await once(child, 'close'), [0, null]);
});

test('the log thread runs at the lowest priority and the pass-through at the normal one', { timeout: 60_000 }, async () => {
  const { readdirSync } = await import('node:fs');
  const child = tap(['--log', join(scratch(), 't.jsonl'), '--', process.execPath, fixture, 'trap']);
  await waitFor(child, /ready/);
  // Field 19 of /proc/PID/task/TID/stat is the thread's nice value (after the command in parentheses).
  const nice = (tid: string): number => Number(readFileSync(`/proc/${child.pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
  let values: number[] = [];
  for (let tries = 0; tries < 50 && !values.includes(19); tries++) {
    values = readdirSync(`/proc/${child.pid}/task`).map(nice);
    if (!values.includes(19)) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(values.includes(19), `thread nice values: ${values.join(', ')}`);
  const { getPriority } = await import('node:os');
  assert.equal(nice(String(child.pid)), getPriority(), 'the main thread (the pass-through) keeps the priority it was started with');
  child.kill('SIGTERM');
  await once(child, 'close');
});
