/**
 * Loaded into every test process (`node --test --import ./dist/test/process-guard.js`; the runner
 * passes its own `--import` on to the subprocess it starts for each file). The library promises no
 * uncaught exception, no unhandled rejection and no process warning, ever, so any of them raised
 * while a suite runs fails that file, even when it happens after every test has passed.
 *
 * The runner already fails a file on an uncaught exception; a process warning
 * (MaxListenersExceededWarning, TimeoutOverflowWarning, a deprecation...) it only prints. The guard
 * listens without changing what the process does ('uncaughtExceptionMonitor' observes without
 * handling) and, at exit, lists what it saw and sets a failing exit code.
 */
const seen: string[] = [];

function describe(value: unknown): string {
  try {
    if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
    return String(value);
  } catch {
    return '[a value that cannot be printed]';
  }
}

process.on('uncaughtExceptionMonitor', (error, origin) => {
  seen.push(`${origin}: ${describe(error)}`);
});
process.on('unhandledRejection', (reason) => {
  seen.push(`unhandledRejection: ${describe(reason)}`);
});
process.on('warning', (warning) => {
  seen.push(`process warning: ${describe(warning)}`);
});

process.on('exit', () => {
  if (seen.length === 0) return;
  process.stderr.write(
    `\nprocess-guard: ${seen.length} uncaught exception(s), unhandled rejection(s) or warning(s) ` +
      `in ${process.argv[1] ?? 'this process'}:\n${seen.map((line) => `  ${line}`).join('\n')}\n`,
  );
  process.exitCode = 1;
});
