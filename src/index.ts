/**
 * jsonrpc-wire: JSON-RPC 2.0 for Node.js.
 *
 * - The sans-I/O core (also importable alone as `jsonrpc-wire/core`): messages, errors, framers,
 *   `JsonRpcPeer`, `Dispatcher`, `handle()`.
 * - The Node layer: `connect()` over any Duplex with back pressure, TCP/Unix-socket servers and
 *   clients, stdio, child processes.
 */
export * from './core.js';
export * from './node-streams/index.js';
