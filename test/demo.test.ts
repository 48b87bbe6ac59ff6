/** `npm start` is the main job: the demo must run over its real transports and say what happened. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('the demo exits 0 and reports every exchange it makes', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'dist', 'demo', 'main.js')], { timeout: 30_000 });
  assert.match(stdout, /add\(2, 3\) +-> 5\n/);
  assert.match(stdout, /-> 2, 30 \(one frame out, one back\)/);
  assert.match(stdout, /-> hello, demo-client\n/);
  assert.match(stdout, /InsufficientFundsError \(code 1001, balance 70\); instanceof InsufficientFundsError: true/);
  assert.match(stdout, /RequestAbortedError; the server's handler saw its signal abort/);
  assert.match(stdout, /\{"words":12,"lines":5\}; progress reports: 20% 40% 60% 80% 100%/);
  assert.match(stdout, /the worker exited with code 0/);
});
