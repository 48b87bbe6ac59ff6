/**
 * Child processes: spawn a command and talk JSON-RPC over its stdin/stdout (driving a language
 * server or a worker).
 *
 * ```ts
 * const child = spawnConnection('node', ['server.js'], { framing: 'content-length', stderr: 'capture' });
 * const result = await child.connection.request('initialize', { capabilities: {} });
 * const { code } = await child.close(); // ends its stdin, waits for it to exit (SIGTERM if it lingers)
 * ```
 *
 * When the child exits, requests still waiting reject with `ConnectionClosedError` whose message
 * carries the exit code or signal (and the end of its stderr when captured). The child's stderr is
 * `'inherit'`ed (passed through) by default; `'capture'` keeps its last 64 KiB for `stderrText()`;
 * `'ignore'` drops it; a function receives each chunk as text.
 */
import { spawn, type ChildProcess } from 'node:child_process';

import type { MethodTable, UntypedMethods } from '../dispatch/types.js';
import type { JsonRpcConnection } from '../connection/connection.js';
import { connect, kDescribeEnd, type ConnectOptions } from './connect.js';
import { checkDuration, startTimer } from '../connection/durations.js';
import { ConnectionClosedError } from '../connection/errors.js';
import { callGuarded, reporter } from '../connection/guard.js';

export interface SpawnConnectionOptions<L extends MethodTable<L> = UntypedMethods> extends ConnectOptions<L> {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * What to do with the child's stderr. Default `'inherit'`. A function that throws or rejects is
   * reported to `onHandlerError` (stage `'listener'`, event `'stderr'`) and keeps receiving text.
   */
  stderr?: 'inherit' | 'capture' | 'ignore' | ((text: string) => unknown);
  /**
   * After `close()` ends its stdin, how long to wait for the child to exit before SIGTERM (then as
   * long again before SIGKILL). Default 2000 ms; any number >= 0, `Infinity` never kills. Anything
   * else throws a RangeError from `spawnConnection()`.
   */
  killTimeoutMs?: number;
}

export interface ChildExit {
  /** The exit code, or null when killed by a signal or never started. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started (e.g. ENOENT). */
  readonly error?: Error;
}

export interface JsonRpcChild<R extends MethodTable<R> = UntypedMethods> {
  readonly connection: JsonRpcConnection<R>;
  readonly process: ChildProcess;
  /** Resolves (never rejects) when the child has exited. */
  readonly exited: Promise<ChildExit>;
  /** The captured end of the child's stderr (`stderr: 'capture'`), else ''. */
  stderrText(): string;
  /**
   * Closes the connection (ending the child's stdin), then waits for the child to exit: SIGTERM after
   * `killTimeoutMs`, SIGKILL after as long again.
   */
  close(): Promise<ChildExit>;
  /** Sends `signal` (default SIGTERM) to the child. */
  kill(signal?: NodeJS.Signals): boolean;
}

const STDERR_CAPTURE_BYTES = 64 * 1024;

/** Describes how a child ended, for error messages. */
export function describeExit(exit: ChildExit): string {
  if (exit.error !== undefined) return `the child process could not be started (${exit.error.message})`;
  if (exit.signal !== null) return `the child process was killed by ${exit.signal}`;
  return `the child process exited with code ${String(exit.code)}`;
}

export function spawnConnection<R extends MethodTable<R> = UntypedMethods, L extends MethodTable<L> = UntypedMethods>(
  command: string,
  args: readonly string[] = [],
  options: SpawnConnectionOptions<L> = {},
): JsonRpcChild<R> {
  const killTimeoutMs = options.killTimeoutMs === undefined ? 2000 : options.killTimeoutMs;
  checkDuration('spawnConnection(): killTimeoutMs', killTimeoutMs); // before anything is spawned
  const stderrMode = options.stderr ?? 'inherit';
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', stderrMode === 'inherit' ? 'inherit' : stderrMode === 'ignore' ? 'ignore' : 'pipe'],
    windowsHide: true,
  });

  let captured = '';
  // Resolves when the child's stderr has been read to its end, so the tail quoted in an exit
  // message is complete.
  const stderrDone =
    child.stderr === null ? Promise.resolve() : new Promise<void>((resolve) => child.stderr!.once('close', () => resolve()));
  if (child.stderr !== null) {
    child.stderr.setEncoding('utf8');
    const reportSink = reporter(options, { method: '', id: undefined, stage: 'listener', event: 'stderr' });
    child.stderr.on('data', (text: string) => {
      if (typeof stderrMode === 'function') {
        callGuarded(stderrMode, [text], reportSink); // a failing log sink must not break the connection
      } else {
        captured += text;
        if (captured.length > STDERR_CAPTURE_BYTES) captured = captured.slice(-STDERR_CAPTURE_BYTES);
      }
    });
    child.stderr.on('error', () => undefined);
  }

  let exitInfo: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo ??= { code, signal };
      resolve(exitInfo);
    });
    child.once('error', (error) => {
      // Failed to spawn (or to kill): if it never started there will be no 'exit'.
      if (child.pid === undefined) {
        exitInfo ??= { code: null, signal: null, error };
        resolve(exitInfo);
      }
    });
  });

  const describe = (): string => {
    const base = exitInfo !== undefined ? describeExit(exitInfo) : 'the child process closed its stdout';
    const tail = captured.trim();
    return stderrMode === 'capture' && tail !== '' ? `${base}; its stderr ended with: ${tail.slice(-500)}` : base;
  };

  const connection = connect<R, L>({ readable: child.stdout!, writable: child.stdin! }, {
    ...options,
    [kDescribeEnd]: () => Promise.all([exited, stderrDone]).then(describe),
  } as ConnectOptions<L>);

  // The child is gone: whatever the pipes still say, nothing more will be answered.
  void exited.then(() => {
    // Give stdout a moment to deliver its last bytes (they may hold responses) before giving up.
    setTimeout(() => connection.destroy(new ConnectionClosedError(`The connection closed: ${describe()}`)), 200).unref();
  });

  let closing: Promise<ChildExit> | undefined;
  return {
    connection,
    process: child,
    exited,
    stderrText: () => captured,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => child.kill(signal),
    close: () => {
      closing ??= (async () => {
        await connection.close();
        if (exitInfo !== undefined) return exitInfo;
        const term = startTimer(killTimeoutMs, () => {
          child.kill('SIGTERM');
          const hard = startTimer(killTimeoutMs, () => child.kill('SIGKILL'));
          void exited.then(() => hard.clear());
        });
        const exit = await exited;
        term.clear();
        return exit;
      })();
      return closing;
    },
  };
}
