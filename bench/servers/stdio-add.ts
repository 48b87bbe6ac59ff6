/**
 * The server of bench/tap.ts: `add(a, b)` on this process's stdin/stdout, newline framing (as an
 * MCP server speaks), with jsonrpc-wire's connectStdio and default options.
 */
import { Dispatcher } from '../../src/dispatch/index.js';
import { connectStdio } from '../../src/node-streams/index.js';

connectStdio({ framing: 'newline', dispatcher: new Dispatcher({ add: (a: number, b: number) => a + b }) });
