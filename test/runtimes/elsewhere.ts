/**
 * Checks, in the Node test run, the behaviour suite's results from another runtime: one node:test
 * case per suite case (so a failure on Deno, Bun or Chromium names the case and carries its error),
 * and one more that the runtime ran every case and nothing else, and finished cleanly. The other
 * runtime runs once per file, started by the first case that needs its results.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { collect, type CaseResult } from './harness.js';
import { describeEverywhere, type Runtime } from './suites.js';
import { startWebSocketRelay, type WebSocketRelay } from './websocket-relay.js';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** What a runtime reported: its results, and anything else that went wrong (output on stderr, an exit code, a page error). */
export interface Outcome {
  readonly results: readonly CaseResult[];
  /** It said it was done (it did not stop half-way). */
  readonly finished: boolean;
  readonly problems: readonly string[];
}

const keyOf = (result: { suite: string; name: string }): string => `${result.suite}\u0000${result.name}`;

/** Registers the node:test cases for `label`'s results (the cases `runtime` has); `run` runs the suite there (once). */
export function checkElsewhere(label: string, runtime: Runtime, run: () => Promise<Outcome>): void {
  const { harness, cases } = collect();
  describeEverywhere(harness, { runtime, relayWorkerUrl: 'relay-worker.js', webSocketRelayUrl: 'ws://relay', serve: async () => assert.fail('only names are read here') });
  let outcome: Promise<Outcome> | undefined;
  const results = (): Promise<Outcome> => (outcome ??= run());

  describe(label, () => {
    const suites = [...new Set(cases.map((c) => c.suite))];
    for (const suite of suites) {
      describe(suite, () => {
        for (const { name, skip } of cases.filter((c) => c.suite === suite)) {
          it(name, { skip }, async () => {
            const { results: reported, problems } = await results();
            const result = reported.find((r) => keyOf(r) === keyOf({ suite, name }));
            assert.ok(result !== undefined, `${label} reported no result for this case${problems.length > 0 ? `:\n${problems.join('\n')}` : ''}`);
            assert.ok(result.ok, `failed on ${label}:\n${result.error}`);
          });
        }
      });
    }

    it('ran every case of the suite and nothing else, and finished cleanly', async () => {
      const { results: reported, finished, problems } = await results();
      assert.deepEqual(problems, []);
      assert.ok(finished, `${label} did not finish the suite`);
      assert.deepEqual(reported.map(keyOf).sort(), cases.map(keyOf).sort());
      const skippedThere = reported.filter((r) => r.skipped !== undefined).map(keyOf);
      assert.deepEqual(skippedThere.sort(), cases.filter((c) => c.skip !== undefined).map(keyOf).sort(), 'it skipped what is skipped here, and only that');
    });
  });
}

/** The path of a dev dependency's binary, or a failure that says how to get it. */
export function devBinary(name: string): string {
  const path = join(root, 'node_modules', '.bin', name);
  if (!existsSync(path)) throw new Error(`${name} is not installed: it is a dev dependency, run \`npm ci\` (or \`npm install -D ${name}\`)`);
  return path;
}

const DONE = JSON.stringify({ done: true });
const EXIT_MS = 10_000;

/**
 * Runs test/runtimes/main.js under another runtime's binary, with a WebSocket relay server for it
 * to reach (its URL the last argument; `args` may give the binary permissions for it): it prints one JSON line per result, and
 * `{"done":true}` at the end; then it must exit 0 by itself (nothing left keeping it alive) with
 * nothing on stderr. It is killed if it runs for `deadlineMs`, or goes on for EXIT_MS after it is done.
 */
export async function runMain(binary: string, args: (relay: WebSocketRelay) => readonly string[], deadlineMs = 240_000): Promise<Outcome> {
  const relay = await startWebSocketRelay();
  try {
    return await runMainWith(binary, [...args(relay), join(root, 'dist', 'test', 'runtimes', 'main.js'), relay.url], deadlineMs);
  } finally {
    await relay.close();
  }
}

function runMainWith(binary: string, args: readonly string[], deadlineMs: number): Promise<Outcome> {
  return new Promise((resolveOutcome) => {
    const child = spawn(binary, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const results: CaseResult[] = [];
    const problems: string[] = [];
    let finished = false;
    let stdout = '';
    let stderr = '';
    const kill = (why: string): void => {
      problems.push(why);
      child.kill('SIGKILL');
    };
    let exitDeadline: ReturnType<typeof setTimeout> | undefined;
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      // Done, it must exit by itself: what still keeps it alive (an open port, a timer) is a leak.
      if (exitDeadline === undefined && stdout.includes(DONE)) {
        exitDeadline = setTimeout(() => kill(`did not exit within ${EXIT_MS} ms of finishing: something keeps it alive`), EXIT_MS);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const deadline = setTimeout(() => kill(`still running after ${deadlineMs} ms: killed`), deadlineMs);
    child.once('error', (error) => problems.push(`could not start ${binary}: ${error.message}`));
    child.once('close', (code, signal) => {
      clearTimeout(deadline);
      clearTimeout(exitDeadline);
      for (const line of stdout.split('\n').filter((l) => l.trim() !== '')) {
        let message: { done?: true; runtime?: string } & Partial<CaseResult>;
        try {
          message = JSON.parse(line) as typeof message;
        } catch {
          problems.push(`a line that is not JSON on stdout: ${line}`);
          continue;
        }
        if (message.done === true) finished = true;
        else if (typeof message.suite === 'string') results.push(message as CaseResult);
      }
      if (stderr !== '') problems.push(`stderr: ${stderr}`);
      if (code !== 0) problems.push(`exited with ${code ?? signal}`);
      resolveOutcome({ results, finished, problems });
    });
  });
}
