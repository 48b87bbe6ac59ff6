/**
 * `connect()`: a JSON-RPC connection over a Node byte stream, both client and server.
 *
 * ```ts
 * interface ServerMethods { add(a: number, b: number): number }
 * interface ClientMethods { log(p: { line: string }): void }
 *
 * const dispatcher = new Dispatcher<ClientMethods, ConnectionContext>()
 *   .add('log', ({ line }) => console.error(line), { params: 'named' });
 * const connection = connect<ServerMethods, ClientMethods>(socket, { dispatcher });
 * const sum = await connection.request('add', [1, 2], { timeoutMs: 1000 }); // number
 * await connection.close();
 * ```
 *
 * A binding and nothing more: the streams become a `StreamTransport` (stream-transport.ts), and
 * the connection is the portable one (src/connection) with Node's natives for the framers
 * (framer-natives.ts) and `Buffer.byteLength` for Content-Length headers. The protocol, the
 * scheduling and the life cycle are the engine's and the portable connection's.
 */
import { Buffer } from 'node:buffer';
import type { Readable, Writable } from 'node:stream';

import { createConnection, type ConnectionOptions, type JsonRpcConnection } from '../connection/connection.js';
import type { MethodTable, UntypedMethods } from '../dispatch/types.js';
import { nodeFramerNatives } from './framer-natives.js';
import { StreamTransport } from './stream-transport.js';

/** A stream pair to run a connection over (e.g. a child's stdout and stdin). */
export interface StreamPair {
  readonly readable: Readable;
  readonly writable: Writable;
}

/** `ConnectionOptions`, with what only a Node stream has. */
export interface ConnectOptions<L extends MethodTable<L> = UntypedMethods> extends ConnectionOptions<L> {
  /**
   * Outgoing bytes buffered in the stream before this side stops reading and holds further writes
   * until they drain. Default: the writable's own `writableHighWaterMark`.
   */
  highWaterMark?: number;
}

/** Internal: lets a transport explain why the remote side ended (a child's exit code). */
export const kDescribeEnd: unique symbol = Symbol('describeEnd');
/** Internal: streams a transport does not own (process.stdin/stdout) are ended, never destroyed. */
export const kKeepStreams: unique symbol = Symbol('keepStreams');
export interface InternalOptions {
  [kDescribeEnd]?: () => Promise<string | undefined>;
  [kKeepStreams]?: boolean;
}

/**
 * Content-Length headers of framed text: native, faster than the portable loop. Taken from the
 * imported Buffer once (the global `Buffer` is a getter, run on every read of it) and called
 * without an encoding, which skips the encoding's lookup: UTF-8 is the default.
 */
const { byteLength } = Buffer;
const utf8Length = (text: string): number => byteLength(text);

/**
 * Runs a JSON-RPC connection over `stream`: a `Duplex` (socket) or a `{ readable, writable }` pair.
 * `R` is the remote side's method table (checks `request()`/`notify()`), `L` this side's (checks the
 * dispatcher). See `ConnectOptions` for framing, limits and back pressure.
 */
export function connect<R extends MethodTable<R> = UntypedMethods, L extends MethodTable<L> = UntypedMethods>(
  stream: (Readable & Writable) | StreamPair,
  options: ConnectOptions<L> = {},
): JsonRpcConnection<R> {
  const pair: StreamPair =
    'readable' in stream && typeof (stream as StreamPair).readable === 'object' && (stream as StreamPair).readable !== null
      ? (stream as StreamPair)
      : { readable: stream as Readable, writable: stream as Writable };
  const internal = options as InternalOptions;
  const transport = new StreamTransport(pair, {
    highWaterMark: options.highWaterMark,
    keepStreams: internal[kKeepStreams],
    describeEnd: internal[kDescribeEnd],
  });
  return createConnection<R, L>(transport, {
    ...options,
    utf8Length: options.utf8Length ?? utf8Length,
    natives: options.natives ?? nodeFramerNatives,
  });
}
