/**
 * This process's stdin/stdout as a connection: how a language server (or any tool driven over
 * pipes) talks to its parent.
 *
 * ```ts
 * const connection = connectStdio({ framing: 'content-length', dispatcher });
 * await connection.closed; // the parent closed our stdin
 * ```
 *
 * **Nothing else may write to stdout** while the connection runs: a stray `console.log()` would be
 * read by the parent as (broken) protocol bytes. Log to stderr (`console.error`, or the `log`
 * function returned here). By default `connectStdio()` also points `console.log`, `console.info`
 * and `console.debug` at stderr until the connection closes; pass `redirectConsole: false` to
 * leave the console alone.
 */
import type { MethodTable, UntypedMethods } from '../dispatch/types.js';
import type { JsonRpcConnection } from '../connection/connection.js';
import { connect, kKeepStreams, type ConnectOptions } from './connect.js';

export interface StdioOptions<L extends MethodTable<L> = UntypedMethods> extends ConnectOptions<L> {
  /** Send `console.log/info/debug` to stderr while connected. Default true. */
  redirectConsole?: boolean;
}

/** Writes a line to stderr: safe to call from a stdio server. */
export function log(...values: unknown[]): void {
  console.error(...values);
}

export function connectStdio<R extends MethodTable<R> = UntypedMethods, L extends MethodTable<L> = UntypedMethods>(
  options: StdioOptions<L> = {},
): JsonRpcConnection<R> {
  const connection = connect<R, L>(
    { readable: process.stdin, writable: process.stdout },
    { ...options, [kKeepStreams]: true } as ConnectOptions<L>,
  );
  if (options.redirectConsole !== false) {
    const saved = { log: console.log, info: console.info, debug: console.debug };
    console.log = console.error;
    console.info = console.error;
    console.debug = console.error;
    void connection.closed.then(() => {
      if (console.log === console.error) console.log = saved.log;
      if (console.info === console.error) console.info = saved.info;
      if (console.debug === console.error) console.debug = saved.debug;
    });
  }
  return connection;
}
