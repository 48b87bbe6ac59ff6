/**
 * Run by Deno and Bun (`deno run dist/test/runtimes/main.js ws://127.0.0.1:PORT`, `bun run ...`):
 * the behaviour suite over every transport of suites.ts, against the built portable entry, one
 * JSON line per result on stdout for the Node test run to check (test/runtimes/elsewhere.ts). The
 * argument is the WebSocket relay server the Node test started.
 */
import { serveHere } from './serve.js';
import { runEverywhere } from './suites.js';

const runtime = globalThis as { Deno?: { version: { deno: string }; args: string[] }; Bun?: { version: string }; process?: { argv: string[] } };
const name = runtime.Deno !== undefined ? `Deno ${runtime.Deno.version.deno}` : `Bun ${runtime.Bun?.version}`;
const [webSocketRelayUrl] = runtime.Deno?.args ?? runtime.process?.argv.slice(2) ?? [];

console.log(JSON.stringify({ runtime: name }));
await runEverywhere({ runtime: runtime.Deno !== undefined ? 'deno' : 'bun', relayWorkerUrl: new URL('./relay-worker.js', import.meta.url).href, webSocketRelayUrl, serve: serveHere }, (result) => console.log(JSON.stringify(result)));
console.log(JSON.stringify({ done: true }));
