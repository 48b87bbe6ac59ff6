/**
 * `jsonrpc-wire/portable`: everything that runs on any JavaScript runtime (browsers, Deno, Bun,
 * workers, Node): the codec, the protocol engine, the dispatcher (all of `jsonrpc-wire/core`) and
 * the connection over any transport, `createConnection(transport, options)`, with the in-memory
 * `createConnectionPair()`, and the web-standard bindings (Web Streams, MessagePort and Worker,
 * WebSocket, fetch-style HTTP). Nothing under it imports a `node:` module (a test checks).
 */
export * from './core.js';
export * from './connection/index.js';
export * from './web/index.js';
