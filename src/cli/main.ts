#!/usr/bin/env node
/**
 * The `jsonrpc-wire` command. Parses the command line, runs `serve` or `call`, and turns every
 * expected failure into a one-line message and an exit code (see EXIT in args.ts); a stack trace
 * only ever appears for a bug in jsonrpc-wire itself.
 */
import { readFileSync } from 'node:fs';
import { EXIT, parseCommandLine, USAGE, UsageError } from './args.js';
import { runCall } from './call.js';
import { runDescribe } from './describe.js';
import { CliFailure } from './endpoint.js';
import { HELP } from './help.js';
import { Interrupts } from './interrupts.js';
import { runServe } from './serve.js';
import { runStats } from './stats.js';
import { runTap } from './tap.js';
import { parseStatsCommand, parseTapCommand } from './tap-args.js';

/** The version in package.json (two levels above dist/src/cli, in the repository and when installed). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: readonly string[], interrupts: Interrupts): Promise<number> {
  try {
    if (argv[0] === 'tap' || argv[0] === 'stats') {
      const traffic = argv[0] === 'tap' ? parseTapCommand(argv.slice(1)) : parseStatsCommand(argv.slice(1));
      if (traffic.command === 'help') {
        process.stdout.write(`${HELP[traffic.topic]}\n`);
        return EXIT.ok;
      }
      return traffic.command === 'tap' ? await runTap(traffic, process) : await runStats(traffic, process);
    }
    if (argv[0] === 'describe') return await runDescribe(argv.slice(1), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, interrupts });
    const command = parseCommandLine(argv);
    switch (command.command) {
      case 'help':
        process.stdout.write(`${command.topic === undefined ? USAGE : HELP[command.topic]}\n`);
        return EXIT.ok;
      case 'version':
        process.stdout.write(`${version()}\n`);
        return EXIT.ok;
      case 'serve':
        return await runServe(command, { stderr: process.stderr, interrupts });
      case 'call':
        return await runCall(command, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, interrupts });
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`jsonrpc-wire: ${err.message}\nRun 'jsonrpc-wire --help' for usage.\n`);
      return EXIT.usage;
    }
    if (err instanceof CliFailure) {
      process.stderr.write(`jsonrpc-wire: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

const interrupts = new Interrupts(process);
const argv = process.argv.slice(2);
const code = await main(argv, interrupts);
// A write to a closed stdout fails a moment after it was made: give that error its turn, so that a
// closed stdout always ends in its own exit code.
await new Promise<void>((done) => setImmediate(done));
// Exit explicitly: a methods module's timers, or a script still being read from stdin after a
// signal, must not keep the process alive (stdout and stderr writes are synchronous for files and
// pipes, so nothing printed is lost).
// (serve's stdout is its client's to close: that ends the connection as usual.)
process.exit(interrupts.stdoutClosed && argv[0] !== 'serve' ? EXIT.stdoutClosed : code);
