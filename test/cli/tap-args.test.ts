/** The command lines of `tap` and `stats` (pure). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/cli/args.js';
import { parseStatsCommand, parseTapCommand, type TapCommand } from '../../src/cli/tap-args.js';

function tapOf(argv: string[]): TapCommand {
  const command = parseTapCommand(argv);
  assert.equal(command.command, 'tap');
  return command as TapCommand;
}

test('tap -- CMD ARGS: everything after -- is the server, even options of its own', () => {
  assert.deepEqual(parseTapCommand(['--log', 't.jsonl', '--', 'typescript-language-server', '--stdio', '--log', 'x']), {
    command: 'tap',
    framing: 'auto',
    redact: false,
    log: 't.jsonl',
    target: { kind: 'stdio', command: 'typescript-language-server', args: ['--stdio', '--log', 'x'] },
  });
  const redacted = tapOf(['--redact', '--framing', 'content-length', '--', 'srv']);
  assert.deepEqual([redacted.redact, redacted.framing, redacted.log], [true, 'content-length', undefined]);
});

test('tap --tcp LISTEN --to HOST:PORT', () => {
  assert.deepEqual(tapOf(['--tcp', ':7001', '--to', '127.0.0.1:7000']).target, {
    kind: 'tcp',
    listen: { host: '127.0.0.1', port: 7001 },
    to: { host: '127.0.0.1', port: 7000 },
  });
  assert.deepEqual(tapOf(['--tcp', '[::1]:0', '--to', '[::1]:9']).target, { kind: 'tcp', listen: { host: '::1', port: 0 }, to: { host: '::1', port: 9 } });
});

test('every mistake is a UsageError that says what to do', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /tap needs the server to run: jsonrpc-wire tap --log FILE -- CMD/],
    [['srv'], /put 'srv' after --/],
    [['--tcp', ':1'], /--tcp LISTEN needs --to HOST:PORT/],
    [['--to', ':1'], /needs --to HOST:PORT.*--to needs --tcp/],
    [['--tcp', ':1', '--to', ':0'], /--to wants HOST:PORT with a port from 1 to 65535/],
    [['--tcp', ':1', '--to', 'nowhere'], /--to wants HOST:PORT/],
    [['--tcp', ':1', '--to', ':2', '--', 'srv'], /takes no command after --/],
    [['--framing', 'xml', '--', 'srv'], /--framing must be one of/],
    [['--frob', '--', 'srv'], /^unknown or incomplete option '--frob'$/],
    [['--log', '--', 'srv'], /--log/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseTapCommand(argv), (e: unknown) => e instanceof UsageError && message.test(e.message), argv.join(' '));
});

test('--help and -h ask for the command\'s help, whatever else is given', () => {
  assert.deepEqual(parseTapCommand(['--help']), { command: 'help', topic: 'tap' });
  assert.deepEqual(parseTapCommand(['-h', '--', 'srv']), { command: 'help', topic: 'tap' });
  assert.deepEqual(parseStatsCommand(['-h']), { command: 'help', topic: 'stats' });
});

test('stats LOG [--html FILE]', () => {
  assert.deepEqual(parseStatsCommand(['t.jsonl']), { command: 'stats', file: 't.jsonl' });
  assert.deepEqual(parseStatsCommand(['--html', 'r.html', 't.jsonl']), { command: 'stats', file: 't.jsonl', html: 'r.html' });
  assert.throws(() => parseStatsCommand([]), /stats reads one log/);
  assert.throws(() => parseStatsCommand(['a', 'b']), /got 2 files/);
  assert.throws(() => parseStatsCommand(['a', '--html']), UsageError);
});
