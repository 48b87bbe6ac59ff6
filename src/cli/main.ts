#!/usr/bin/env node
/**
 * The `jsonrpc-wire` command. Parses the command line, runs `serve` or `call`, and turns every
 * expected failure into a one-line message and an exit code (see EXIT in args.ts); a stack trace
 * only ever appears for a bug in jsonrpc-wire itself.
 */
import { EXIT, parseCommandLine, USAGE, UsageError } from './args.js';
import { runCall } from './call.js';
import { CliFailure } from './endpoint.js';
import { runServe } from './serve.js';
import { runStats } from './stats.js';
import { runTap } from './tap.js';
import { parseStatsCommand, parseTapCommand } from './tap-args.js';

async function main(argv: readonly string[]): Promise<number> {
  try {
    if (argv[0] === 'tap') return await runTap(parseTapCommand(argv.slice(1)), process);
    if (argv[0] === 'stats') return await runStats(parseStatsCommand(argv.slice(1)), process);
    const command = parseCommandLine(argv);
    switch (command.command) {
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return EXIT.ok;
      case 'serve':
        return await runServe(command, process);
      case 'call':
        return await runCall(command, process);
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

process.exitCode = await main(process.argv.slice(2));
