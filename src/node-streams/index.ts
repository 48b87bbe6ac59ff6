/**
 * The Node streams layer: a JSON-RPC connection over real byte streams, with back pressure, and
 * its transports (TCP/Unix sockets/named pipes, stdio, child processes).
 */
// Every connection's calls on diagnostics_channel (jsonrpc-wire:request, jsonrpc-wire:handle).
import './diagnostics.js';
export {
  connect,
  JsonRpcConnection,
  type BatchEntry,
  type ConnectionContext,
  type ConnectionEvents,
  type ConnectOptions,
  type Disposable,
  type NotifyArgs,
  type RequestArgs,
  type RequestOptions,
  type RequestResult,
  type StreamPair,
  type ValidatedRequestOptions,
} from './connection.js';
export { ConnectionClosedError, RequestAbortedError, RequestTimeoutError } from '../connection/errors.js';
export { CANCEL_METHOD, PROGRESS_METHOD } from './cancel.js';
export {
  connectTcp,
  JsonRpcServer,
  listenTcp,
  type ConnectionSetup,
  type ListenOptions,
  type SocketAddress,
  type SocketOptions,
} from './tcp.js';
export { connectStdio, log, type StdioOptions } from './stdio.js';
export {
  describeExit,
  spawnConnection,
  type ChildExit,
  type JsonRpcChild,
  type SpawnConnectionOptions,
} from './child-process.js';
