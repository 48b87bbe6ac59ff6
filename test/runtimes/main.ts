/**
 * Run by Deno and Bun (`deno run dist/test/runtimes/main.js`, `bun run ...`): the behaviour suite
 * over every transport of suites.ts, against the built portable entry, one JSON line per result on
 * stdout for the Node test run to check (test/runtimes/elsewhere.ts).
 */
import { runEverywhere } from './suites.js';

const runtime = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
const name = runtime.Deno !== undefined ? `Deno ${runtime.Deno.version.deno}` : runtime.Bun !== undefined ? `Bun ${runtime.Bun.version}` : 'an unknown runtime';

console.log(JSON.stringify({ runtime: name }));
await runEverywhere(new URL('./relay-worker.js', import.meta.url).href, (result) => console.log(JSON.stringify(result)));
console.log(JSON.stringify({ done: true }));
