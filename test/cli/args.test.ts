import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, parseHostPort, parseScriptLine, UsageError } from '../../src/cli/args.js';

test('call over a spawned language server: the command after -- is not parsed as our options', () => {
  const got = parseCommandLine([
    'call', 'initialize', '{"processId":null}', '--framing', 'content-length', '--timeout', '500',
    '--stdio', '--', 'typescript-language-server', '--stdio', '--log-level', '4',
  ]);
  assert.deepEqual(got, {
    command: 'call',
    endpoint: { kind: 'stdio', command: 'typescript-language-server', args: ['--stdio', '--log-level', '4'] },
    framing: 'content-length',
    timeoutMs: 500,
    verbose: false,
    trace: false,
    steps: [{ method: 'initialize', params: { processId: null } }],
    keepGoing: false,
  });
});

test('serve over TCP with defaults', () => {
  assert.deepEqual(parseCommandLine(['serve', '--tcp', '127.0.0.1:7000', '--methods', 'm.mjs']), {
    command: 'serve', endpoint: { kind: 'tcp', host: '127.0.0.1', port: 7000 }, framing: 'auto', methodsFile: 'm.mjs', graceMs: 5000,
  });
  const got = parseCommandLine(['serve', '--socket', '/tmp/s', '--methods', 'm.mjs', '--grace', '0', '--framing', 'newline']);
  assert.ok(got.command === 'serve');
  assert.equal(got.graceMs, 0);
  assert.equal(got.framing, 'newline');
});

test('a script replaces METHOD; no args or --help asks for help', () => {
  const got = parseCommandLine(['call', '--script', '-', '--tcp', ':9', '--verbose', '--keep-going', '--trace']);
  assert.ok(got.command === 'call');
  assert.deepEqual(got.steps, { script: '-' });
  assert.equal(got.verbose, true);
  assert.equal(got.trace, true);
  assert.equal(got.keepGoing, true);
  assert.equal(got.framing, 'auto');
  assert.deepEqual(parseCommandLine([]), { command: 'help' });
  assert.deepEqual(parseCommandLine(['--help']), { command: 'help' });
});

test('help CMD and CMD --help give that command\'s help; --version the version', () => {
  assert.deepEqual(parseCommandLine(['call', '-h']), { command: 'help', topic: 'call' });
  assert.deepEqual(parseCommandLine(['call', 'm', '--tcp', ':1', '--help']), { command: 'help', topic: 'call' });
  assert.deepEqual(parseCommandLine(['help', 'serve']), { command: 'help', topic: 'serve' });
  assert.deepEqual(parseCommandLine(['serve', '--help']), { command: 'help', topic: 'serve' });
  assert.deepEqual(parseCommandLine(['help']), { command: 'help' });
  assert.deepEqual(parseCommandLine(['--version']), { command: 'version' });
  assert.throws(() => parseCommandLine(['help', 'frob']), /no help on 'frob'/);
});

test('HOST:PORT forms', () => {
  assert.deepEqual(parseHostPort('localhost:80'), { kind: 'tcp', host: 'localhost', port: 80 });
  assert.deepEqual(parseHostPort(':81'), { kind: 'tcp', host: '127.0.0.1', port: 81 });
  assert.deepEqual(parseHostPort('82'), { kind: 'tcp', host: '127.0.0.1', port: 82 });
  assert.deepEqual(parseHostPort('[::1]:83'), { kind: 'tcp', host: '::1', port: 83 });
  assert.throws(() => parseHostPort('host:99999'), /0 to 65535/);
  assert.throws(() => parseHostPort('host'), /HOST:PORT/);
});

test('each bad command line is a UsageError that names the problem', () => {
  const cases: Array<[string[], RegExp]> = [
    [['call', 'm', '{bad', '--tcp', ':1'], /PARAMS_JSON is not valid JSON/],
    [['call', 'm', '3', '--tcp', ':1'], /must be a JSON array or object/],
    [['call', 'm', '--tcp', ':1', '--stdio', '--', 'x'], /exactly one of/],
    [['call', 'm'], /exactly one of/],
    [['call', 'm', '--stdio'], /needs the server to run/],
    [['call', '--tcp', ':1'], /needs a METHOD/],
    [['call', 'm', '--tcp', ':1', '--framing', 'xml'], /--framing must be one of/],
    [['call', 'm', '--tcp', ':1', '--timeout', '-5'], /--timeout/],
    [['call', 'm', '--tcp', ':1', '--bogus'], /^unknown option '--bogus' for call \(see 'jsonrpc-wire help call'\)$/],
    [['call', 'm', '--tcp', ':1', '-x'], /^unknown option '-x' for call/],
    [['serve', '--tcp', ':1', '--methods', 'm.mjs', '--timeout', '5'], /^unknown option '--timeout' for serve/],
    [['call', 'm', '--tcp', ':1', '--grace', '5'], /^unknown option '--grace' for call/],
    [['call', 'm', '--tcp', ':1', '--keep-going'], /--keep-going goes with --script/],
    [['serve', '--tcp', ':1', '--methods', 'm.mjs', '--grace', 'soon'], /--grace wants/],
    [['frob'], /^unknown command 'frob': the commands are 'serve', 'call', 'tap', 'stats' and 'describe'$/],
    [['frob', '--tcp', ':1', '--stdio'], /^unknown command 'frob'/],
    [['serve', '--stdio'], /needs --methods/],
    [['serve', '--stdio', '--methods', 'x.mjs', '--', 'cmd'], /takes no command/],
    [['dance', '--stdio'], /unknown command 'dance'/],
    [['--frob'], /unknown option '--frob'/],
    [['call', 'm', '--tcp', ':1', '--', 'cmd'], /only goes with --stdio/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => parseCommandLine(argv), (err: unknown) => err instanceof UsageError && message.test(err.message), argv.join(' '));
  }
});

test('script lines: comments and blanks skipped, bad lines named by number', () => {
  assert.equal(parseScriptLine('  ', 1), null);
  assert.equal(parseScriptLine('# hello', 2), null);
  assert.deepEqual(parseScriptLine('{"method":"initialized","params":{},"notification":true}', 3), {
    method: 'initialized', params: {}, notification: true, line: 3,
  });
  assert.deepEqual(parseScriptLine('{"method":"shutdown"}', 4), { method: 'shutdown', line: 4 });
  assert.throws(() => parseScriptLine('{"params":[]}', 5), /line 5 needs a string "method"/);
  assert.throws(() => parseScriptLine('{"method":"m","params":1}', 6), /line 6 \(m\): "params"/);
  assert.throws(() => parseScriptLine('nope', 7), /line 7 is not valid JSON/);
});
