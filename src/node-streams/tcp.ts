/**
 * TCP, Unix domain sockets and Windows named pipes: thin helpers over `connect()`.
 *
 * ```ts
 * const server = await listenTcp({ host: '127.0.0.1', port: 0 }, (connection) => {
 *   // called once per accepted connection; `connection` is already reading
 * }, { dispatcher });
 * const client = await connectTcp(server.address, { framing: 'newline' });
 * ...
 * await client.close();
 * await server.close(); // stops listening and closes every connection
 * ```
 *
 * A path address (`{ path: '/tmp/x.sock' }` or `{ path: '\\\\.\\pipe\\name' }`) uses a Unix socket
 * or a Windows named pipe through the same calls. TCP sockets made here get `setNoDelay(true)`
 * unless `noDelay: false`: the connection already coalesces each tick's messages into one write,
 * so Nagle's algorithm would only add latency.
 */
import net from 'node:net';

import { reportHandlerError } from '../dispatch/error-policy.js';
import type { MethodTable, UntypedMethods } from '../dispatch/types.js';
import type { JsonRpcConnection } from '../connection/connection.js';
import { connect, type ConnectOptions } from './connect.js';
import { ConnectionClosedError } from '../connection/errors.js';
import { describeThrown, isThenable } from '../connection/guard.js';

/** Where to listen or connect: a TCP host and port, or a socket/pipe path. */
export type SocketAddress = { readonly host?: string; readonly port: number } | { readonly path: string };

export interface SocketOptions<L extends MethodTable<L> = UntypedMethods> extends ConnectOptions<L> {
  /** `setNoDelay` on TCP sockets. Default true. */
  noDelay?: boolean;
}

export interface ListenOptions<L extends MethodTable<L> = UntypedMethods> extends SocketOptions<L> {
  /** Passed to `server.listen()`. */
  backlog?: number;
}

/**
 * Called once per accepted connection. It may return anything; a thenable (a promise) is awaited.
 * What it throws or rejects with closes that one connection: its `closed` reason says
 * "The listenTcp setup callback failed: ..." (the original in `cause`), and `onHandlerError` hears
 * of it with stage `'setup'`. The server keeps accepting.
 */
export type ConnectionSetup<R extends MethodTable<R>> = (connection: JsonRpcConnection<R>, socket: net.Socket) => unknown;

export class JsonRpcServer<R extends MethodTable<R> = UntypedMethods> {
  /** The connections open now. */
  readonly connections = new Set<JsonRpcConnection<R>>();
  private closing: Promise<void> | undefined;

  constructor(readonly server: net.Server) {}

  /** Where the server listens: `{ host, port }` for TCP (the real port when 0 was asked), else `{ path }`. */
  get address(): SocketAddress {
    const address = this.server.address();
    if (address === null) throw new Error('The server is not listening');
    if (typeof address === 'string') return { path: address };
    return { host: address.address, port: address.port };
  }

  /** Stops accepting, closes every open connection, and resolves once the server is closed. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const connection of this.connections) void connection.close();
    });
    return this.closing;
  }
}

/**
 * Listens on `address` and runs `setup` for every accepted connection, which is made with
 * `options` (framing, dispatcher, limits: the dispatcher is shared by all connections; each handler
 * gets its own connection in `context.connection`). Resolves once listening.
 */
export function listenTcp<R extends MethodTable<R> = UntypedMethods, L extends MethodTable<L> = UntypedMethods>(
  address: SocketAddress,
  setup: ConnectionSetup<R> | undefined,
  options: ListenOptions<L> = {},
): Promise<JsonRpcServer<R>> {
  // Half-open: a client that ends its side after its last request still gets the answers.
  const server = net.createServer({ allowHalfOpen: true });
  const wrapper = new JsonRpcServer<R>(server);
  server.on('connection', (socket) => {
    if (options.noDelay !== false && 'setNoDelay' in socket) socket.setNoDelay(true);
    const connection = connect<R, L>(socket, options);
    wrapper.connections.add(connection);
    void connection.closed.then(() => wrapper.connections.delete(connection));
    if (setup === undefined) return;
    const fail = (err: unknown): void => {
      reportHandlerError(err, options, { method: '', id: undefined, stage: 'setup' });
      const reason = new ConnectionClosedError(`The listenTcp setup callback failed: ${describeThrown(err)}`, { cause: err });
      connection.destroy(reason);
    };
    try {
      const returned: unknown = setup(connection, socket);
      if (isThenable(returned)) returned.then(undefined, fail); // reading `then` may throw: inside the try
    } catch (err) {
      fail(err);
    }
  });
  return new Promise<JsonRpcServer<R>>((resolve, reject) => {
    server.once('error', reject);
    const onListening = (): void => {
      server.off('error', reject);
      server.on('error', () => undefined); // later accept errors must not crash the process
      resolve(wrapper);
    };
    if ('path' in address) server.listen({ path: address.path, backlog: options.backlog }, onListening);
    else server.listen({ host: address.host ?? '127.0.0.1', port: address.port, backlog: options.backlog }, onListening);
  });
}

/** Connects to `address` and resolves with a connection once the socket is connected. */
export function connectTcp<R extends MethodTable<R> = UntypedMethods, L extends MethodTable<L> = UntypedMethods>(
  address: SocketAddress,
  options: SocketOptions<L> = {},
): Promise<JsonRpcConnection<R>> {
  return new Promise<JsonRpcConnection<R>>((resolve, reject) => {
    const socket =
      'path' in address
        ? net.createConnection({ path: address.path, allowHalfOpen: true })
        : net.createConnection({ host: address.host ?? '127.0.0.1', port: address.port, allowHalfOpen: true });
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      if (options.noDelay !== false && !('path' in address)) socket.setNoDelay(true);
      resolve(connect<R, L>(socket, options));
    });
  });
}
