/**
 * `jsonrpc-wire/core`: the sans-I/O protocol with no Node imports. Message model and validation,
 * error classes, framers, the peer, the protocol engine, the dispatcher and `handle()`. Runs
 * wherever Uint8Array, TextDecoder and AbortController exist (browsers, Deno, Bun, workers).
 */
export * from './parser/index.js';
export * from './framing/index.js';
export { JsonRpcPeer, type BatchCall, type JsonRpcPeerOptions } from './peer.js';
export * from './protocol/index.js';
export * from './dispatch/index.js';
