/**
 * jsonrpc-wire: JSON-RPC 2.0 for Node.js.
 *
 * - The sans-I/O core (also importable alone as `jsonrpc-wire/core`): messages, errors, framers,
 *   `JsonRpcPeer`, the protocol engine, `Dispatcher`, `handle()`.
 * - The portable connection (`jsonrpc-wire/portable`): `JsonRpcConnection`, `createConnection(transport)`
 *   over any byte stream or message channel, `createConnectionPair()`.
 * - The web-standard bindings (also in `jsonrpc-wire/portable`): `connectWebStreams`,
 *   `connectMessagePort`, `connectWebSocket`, `createFetchHandler`, `createHttpClient`; and the
 *   Node-only `createNodeHttpHandler` for `node:http`.
 * - The Node layer: `connect()` (the portable connection over any Duplex or stream pair, with back
 *   pressure), TCP/Unix-socket servers and clients, stdio, child processes.
 */
export * from './core.js';
export * from './connection/index.js';
export * from './node-streams/index.js';
export * from './web/index.js';
export * from './node-http/index.js';
