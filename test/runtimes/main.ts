/**
 * Run by Deno and Bun (`deno run dist/test/runtimes/main.js`, `bun run ...`): the behaviour suite
 * over every transport of suites.ts, against the built portable entry, one JSON line per result on
 * stdout for the Node test run to check (test/runtimes/elsewhere.ts).
 */
import { collect, runCases } from './harness.js';
import { describeEverywhere } from './suites.js';

const runtime = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
const name = runtime.Deno !== undefined ? `Deno ${runtime.Deno.version.deno}` : runtime.Bun !== undefined ? `Bun ${runtime.Bun.version}` : 'an unknown runtime';

const { harness, cases } = collect();
describeEverywhere(harness, new URL('./relay-worker.js', import.meta.url).href);
console.log(JSON.stringify({ runtime: name, cases: cases.length }));
await runCases(cases, 10_000, (result) => console.log(JSON.stringify(result)));
console.log(JSON.stringify({ done: true }));
