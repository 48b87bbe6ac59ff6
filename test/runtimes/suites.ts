/**
 * What runs on every runtime: the behaviour suite over each transport of pairs.ts. Node's run
 * (test/connection/pair.test.ts) registers the same suites through node:test; Deno, Bun and the
 * Chromium page register them through the harness and report each case back.
 */
import { describeConnection } from '../connection/behaviour.js';
import { collect, runCases, type CaseResult, type Harness } from './harness.js';
import { overMemory, overMessageChannel, overWorkerRelay } from './pairs.js';

/** `relayWorkerUrl`: where relay-worker.js is, on a runtime with Web Workers (not Node's). */
export function describeEverywhere(harness: Harness, relayWorkerUrl?: string): void {
  describeConnection('in-memory pair', overMemory('bytes'), harness);
  describeConnection('in-memory message channel', overMemory('messages'), harness);
  describeConnection('MessageChannel', overMessageChannel(), harness);
  if (relayWorkerUrl !== undefined) describeConnection('MessageChannel through a Worker', overWorkerRelay(relayWorkerUrl), harness);
}

/** Registers and runs the suites here, one case at a time (each within `caseTimeoutMs`), reporting each result as it comes. */
export function runEverywhere(relayWorkerUrl: string | undefined, onResult?: (result: CaseResult) => void, caseTimeoutMs = 10_000): Promise<CaseResult[]> {
  const { harness, cases } = collect();
  describeEverywhere(harness, relayWorkerUrl);
  return runCases(cases, caseTimeoutMs, onResult);
}
