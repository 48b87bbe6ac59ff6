/** `jsonrpc-wire call --trace` through the real bin: every message both ways on stderr, with timings. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { traceLine } from '../../src/cli/call-trace.js';
import { fixture, runCli, startServe } from './helpers.js';

interface Traced {
  ms: number;
  arrow: string;
  kind: string;
  rest: string;
}

/** The trace lines of stderr, parsed; every other line is left out. */
function traced(stderr: string): Traced[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('trace '))
    .map((line) => {
      const match = /^trace \+(\d+\.\d{3})ms (->|<-) (\w+)(.*)$/.exec(line);
      assert.ok(match, `a trace line: ${line}`);
      return { ms: Number(match[1]), arrow: match[2]!, kind: match[3]!, rest: match[4]! };
    });
}

/** Direction, kind, id and method of a line (its times and size left out). */
function summary(line: Traced): string {
  const fields = line.rest.slice(0, line.rest.indexOf(' {')).trim().split(' ');
  return [line.arrow, line.kind, ...fields.filter((field) => !/^\d+(\.\d+)?(ms|B)$/.test(field))].join(' ');
}

/** The message a line ends with, after its size. */
function messageOf(line: Traced): unknown {
  return JSON.parse(/ \d+B (.*)$/.exec(line.rest)![1]!);
}

test('over a spawned language server: our requests and answers and the server\'s, in order, each response with its latency', { timeout: 60_000 }, async () => {
  const out = await runCli([
    'call', 'initialize', '{"rootUri":"file:///x"}', '--framing', 'content-length', '--trace',
    '--stdio', '--', process.execPath, fixture('cli-lsp-like-server.mjs'),
  ]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(JSON.parse(out.stdout).rootUri, 'file:///x', 'stdout is the result alone');
  const lines = traced(out.stderr);
  assert.deepEqual(lines.map(summary), [
    '-> request 1 initialize',
    '<- request 1 window/workDoneProgress/create',
    '-> response 1 window/workDoneProgress/create',
    '<- request 2 workspace/configuration',
    '-> response 2 workspace/configuration',
    '<- notification window/logMessage',
    '<- response 1 initialize',
  ]);
  assert.deepEqual(messageOf(lines[0]!), { jsonrpc: '2.0', id: 1, method: 'initialize', params: { rootUri: 'file:///x' } });
  assert.deepEqual(messageOf(lines[4]!), { jsonrpc: '2.0', id: 2, result: [null, null] });
  for (const line of lines.filter((l) => l.kind === 'response')) assert.match(line.rest, /^ \d+ \S+ \d+\.\d{3}ms \d+B \{/, 'a response says its latency');
  const times = lines.map((l) => l.ms);
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'in the order they crossed');
  // The sizes are the UTF-8 bytes of each message's JSON text.
  for (const line of lines) assert.equal(Number(/ (\d+)B /.exec(line.rest)![1]), Buffer.byteLength(JSON.stringify(messageOf(line))));
});

test('over TCP to serve, with framing auto: an error response is traced too, and without --trace nothing is', { timeout: 60_000 }, async () => {
  const server = await startServe(['--methods', fixture('cli-methods.mjs')]);
  try {
    const ok = await runCli(['call', 'add', '[2, 3]', '--trace', '--tcp', `127.0.0.1:${server.port}`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), '5');
    const lines = traced(ok.stderr);
    assert.deepEqual(lines.map((l) => [l.arrow, l.kind]), [['->', 'request'], ['<-', 'response']]);
    assert.deepEqual(messageOf(lines[1]!), { jsonrpc: '2.0', id: 1, result: 5 });
    const failed = await runCli(['call', 'fail', '--trace', '--tcp', `127.0.0.1:${server.port}`]);
    assert.equal(failed.code, 1);
    assert.match(traced(failed.stderr)[1]!.rest, /^ 1 fail \d+\.\d{3}ms \d+B \{"jsonrpc":"2.0","id":1,"error":\{"code":-32603/);
    const quiet = await runCli(['call', 'add', '[2, 3]', '--tcp', `127.0.0.1:${server.port}`]);
    assert.deepEqual(traced(quiet.stderr), []);
  } finally {
    server.child.kill('SIGTERM');
    await server.done;
  }
});

test('unreadable and invalid input are traced with why', () => {
  const base = { direction: 'in', timestamp: 1012.5, bytes: 0, framing: 'newline' } as const;
  assert.equal(traceLine({ ...base, kind: 'unreadable', problem: 'Unexpected bytes "x"' }, 1000), 'trace +12.500ms <- unreadable: Unexpected bytes "x"');
  assert.equal(
    traceLine({ ...base, kind: 'invalid', bytes: 6, problem: 'Parse error: bad', text: '{oops}' }, 1000),
    'trace +12.500ms <- invalid 6B: Parse error: bad: {oops}',
  );
});
