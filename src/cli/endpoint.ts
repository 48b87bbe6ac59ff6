/**
 * Opening the connection a `call` talks over: a TCP or Unix socket, or a spawned command's stdio.
 * Connecting is bounded by a timeout and can be aborted (a signal); every way it can fail becomes a
 * `CliFailure` with its exit code and a one-line message. A spawned server is never left behind:
 * closing ends its stdin and kills it if it lingers, and a signal is passed on to it first.
 */
import net from 'node:net';
import type { Readable } from 'node:stream';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { FramingName } from '../framing/types.js';
import { spawnConnection, type ChildExit, type JsonRpcChild } from '../node-streams/child-process.js';
import type { ConnectionContext, JsonRpcConnection } from '../connection/connection.js';
import type { TraceEvent } from '../connection/trace.js';
import { connect } from '../node-streams/connect.js';
import { EXIT, type Endpoint } from './args.js';

/** After passing a signal on to a spawned server, how long it has to exit before SIGKILL. */
export const CHILD_GRACE_MS = 2000;

/** A failure with the exit code it earns and a one-line message for stderr. */
export class CliFailure extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface OpenConnection {
  readonly connection: JsonRpcConnection;
  /** The server's bytes as they arrive, to watch (the connection reads them; never read here). */
  readonly incoming: Readable;
  /**
   * Closes the connection. A spawned server gets its stdin ended and is killed if it lingers; with
   * `signal`, that signal is sent to it first and SIGKILL follows CHILD_GRACE_MS later.
   */
  close(signal?: 'SIGINT' | 'SIGTERM'): Promise<void>;
  /** Ends everything at once (a second Ctrl-C): SIGKILL for a spawned server. */
  kill(): void;
}

export interface EndpointOptions {
  framing: FramingName;
  dispatcher: Dispatcher<never, ConnectionContext>;
  /** Show a spawned server's stderr (true) or keep it for error messages (false). */
  passStderr: boolean;
  /** Give up connecting after this many milliseconds (exit code: timeout). */
  connectTimeoutMs: number;
  /** Aborting stops connecting; the promise then rejects with the signal's reason. */
  signal: AbortSignal;
  /** The connection's `trace` option (`call --trace`). */
  trace: ((event: TraceEvent) => void) | undefined;
}

export function describeEndpoint(endpoint: Endpoint): string {
  switch (endpoint.kind) {
    case 'tcp':
      return `${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
    case 'socket':
      return endpoint.path;
    case 'stdio':
      return [endpoint.command ?? 'stdio', ...endpoint.args].join(' ');
  }
}

export async function openEndpoint(endpoint: Endpoint, options: EndpointOptions): Promise<OpenConnection> {
  options.signal.throwIfAborted();
  if (endpoint.kind === 'stdio') {
    if (endpoint.command === undefined) throw new CliFailure(EXIT.usage, 'call --stdio needs a command after --');
    return spawnServer(endpoint.command, endpoint.args, options);
  }
  const socket = await connectSocket(endpoint, options);
  const connection = connect(socket, { framing: options.framing, dispatcher: options.dispatcher as Dispatcher, trace: options.trace });
  return {
    connection,
    incoming: socket,
    close: () => connection.close(),
    kill: () => connection.destroy(),
  };
}

async function spawnServer(command: string, args: string[], options: EndpointOptions): Promise<OpenConnection> {
  const child = spawnConnection(command, args, {
    framing: options.framing,
    dispatcher: options.dispatcher as Dispatcher,
    stderr: options.passStderr ? 'inherit' : 'capture',
    trace: options.trace,
  });
  // Wait until it runs: a command that cannot start must not read as "the connection closed".
  const failed = await new Promise<Error | undefined>((resolve) => {
    child.process.once('spawn', () => resolve(undefined));
    void child.exited.then((exit) => resolve(exit.error));
  });
  if (failed !== undefined) {
    await child.close();
    const code = (failed as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'permission denied' : failed.message;
    throw new CliFailure(EXIT.connection, `cannot start ${command}: ${why}`);
  }
  if (options.signal.aborted) {
    await stopChild(child, 'SIGTERM');
    throw options.signal.reason;
  }
  return {
    connection: child.connection,
    incoming: child.process.stdout!,
    close: (signal) => stopChild(child, signal).then(() => undefined),
    kill: () => void child.kill('SIGKILL'),
  };
}

/** Closes `child`'s connection and waits for it to exit; with `signal`, sends it that first, SIGKILL later. */
async function stopChild(child: JsonRpcChild, signal: 'SIGINT' | 'SIGTERM' | undefined): Promise<ChildExit> {
  if (signal === undefined) return child.close();
  child.kill(signal);
  void child.connection.close();
  const hard = setTimeout(() => child.kill('SIGKILL'), CHILD_GRACE_MS);
  const exit = await child.exited;
  clearTimeout(hard);
  return exit;
}

function connectSocket(endpoint: Exclude<Endpoint, { kind: 'stdio' }>, options: EndpointOptions): Promise<net.Socket> {
  const where = describeEndpoint(endpoint);
  return new Promise<net.Socket>((resolve, reject) => {
    const socket =
      endpoint.kind === 'tcp'
        ? net.createConnection({ host: endpoint.host, port: endpoint.port })
        : net.createConnection({ path: endpoint.path });
    const fail = (err: unknown): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onError = (err: NodeJS.ErrnoException): void => {
      const why =
        err.code === 'ECONNREFUSED' ? 'connection refused (is the server running?)'
        : err.code === 'ENOENT' ? 'no such socket (is the server running?)'
        : err.message;
      fail(new CliFailure(EXIT.connection, `cannot connect to ${where}: ${why}`));
    };
    const onAbort = (): void => fail(options.signal.reason);
    // A full accept queue leaves connect() pending for minutes: --timeout bounds it.
    const timer = setTimeout(
      () => fail(new CliFailure(EXIT.timeout, `cannot connect to ${where}: no connection after ${options.connectTimeoutMs} ms (raise it with --timeout MS)`)),
      options.connectTimeoutMs,
    );
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('error', onError);
      options.signal.removeEventListener('abort', onAbort);
    };
    socket.once('error', onError);
    options.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      cleanup();
      if (endpoint.kind === 'tcp') socket.setNoDelay(true);
      resolve(socket);
    });
  });
}
