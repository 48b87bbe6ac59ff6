/** JSON-RPC over `node:http`: the Node-only HTTP server binding (the portable ones are in src/web). */
export { createNodeHttpHandler, type NodeHttpHandler } from './handler.js';
