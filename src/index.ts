/**
 * jsonrpc-wire: JSON-RPC 2.0 for Node.js.
 *
 * - The sans-I/O core (also importable alone as `jsonrpc-wire/core`): messages, errors, framers,
 *   `JsonRpcPeer`, the protocol engine, `Dispatcher`, `handle()`.
 * - The portable connection (`jsonrpc-wire/portable`): `createConnection(transport)` over any byte
 *   stream or message channel, `createConnectionPair()`. Its class is exported here as
 *   `PortableConnection` while `connect()` still has its own `JsonRpcConnection` (issue 11's
 *   phase 2b makes them one).
 * - The web-standard bindings (also in `jsonrpc-wire/portable`): `connectWebStreams`,
 *   `connectMessagePort`, `connectWebSocket`, `createFetchHandler`, `createHttpClient`; and the
 *   Node-only `createNodeHttpHandler` for `node:http`.
 * - The Node layer: `connect()` over any Duplex with back pressure, TCP/Unix-socket servers and
 *   clients, stdio, child processes.
 */
export * from './core.js';
export * from './node-streams/index.js';
export * from './web/index.js';
export * from './node-http/index.js';
export {
  createConnection,
  createConnectionPair,
  createTransportPair,
  DEFAULT_PAIR_HIGH_WATER_MARK,
  JsonRpcConnection as PortableConnection,
  type ByteStreamTransport,
  type ConnectionOptions,
  type ConnectionContext as PortableConnectionContext,
  type RequestOptions as PortableRequestOptions,
  MemoryByteStream,
  MemoryMessageChannel,
  type MessageChannelTransport,
  type Transport,
  type TransportEvents,
} from './connection/index.js';
