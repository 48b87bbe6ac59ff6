/**
 * The Node streams layer: Node I/O for the portable connection (src/connection). `connect()` runs
 * it over real byte streams with back pressure; the helpers make those streams (TCP/Unix
 * sockets/named pipes, stdio, child processes).
 */
// Every connection's calls on diagnostics_channel (jsonrpc-wire:request, jsonrpc-wire:handle).
import './diagnostics.js';
export { connect, type ConnectOptions, type StreamPair } from './connect.js';
// The connection connect() returns, and its API's types (the portable ones: one connection).
export {
  JsonRpcConnection,
  ConnectionClosedError,
  RequestAbortedError,
  RequestTimeoutError,
  type BatchEntry,
  type ConnectionContext,
  type ConnectionEvents,
  type Disposable,
  type NotifyArgs,
  type RequestArgs,
  type RequestOptions,
  type RequestResult,
  type ValidatedRequestOptions,
} from '../connection/index.js';
export { CANCEL_METHOD, PROGRESS_METHOD } from '../protocol/conventions.js';
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
