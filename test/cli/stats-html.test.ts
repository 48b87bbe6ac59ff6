/**
 * The `stats --html` page of a recorded session, opened in headless Chromium (Debian's
 * /usr/bin/chromium, driven by playwright-core): it renders, shows the session's methods, draws its
 * charts, and asks the network for nothing. Every request the page makes is recorded and aborted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const methods = join(root, 'test', 'fixtures', 'tap-methods.mjs');
const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';

/** A session recorded by tap: `call --script` through tap in front of `serve --stdio`. */
async function recordSession(dir: string): Promise<string> {
  const log = join(dir, 't.jsonl');
  const script = [
    { method: 'add', params: [1, 2] },
    { method: 'greet', params: { name: 'Ada' } },
    { method: 'add', params: [3, 4] },
    { method: 'crash' },
  ].map((step) => JSON.stringify(step)).join('\n');
  writeFileSync(join(dir, 'session.jsonl'), script);
  // `crash` takes the server down: the log ends with a request never answered.
  await run(process.execPath, [
    cli, 'call', '--script', join(dir, 'session.jsonl'), '--timeout', '20000', '--stdio', '--',
    process.execPath, cli, 'tap', '--log', log, '--', process.execPath, cli, 'serve', '--stdio', '--methods', methods,
  ]).catch((e: { code?: number }) => assert.equal(e.code, 3, 'the connection closes under the last call'));
  return log;
}

test('the HTML report renders in Chromium, shows the recorded methods, and makes no request', { timeout: 120_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
  const dir = mkdtempSync(join(tmpdir(), 'jsonrpc-wire-html-'));
  const log = await recordSession(dir);
  const report = join(dir, 'report.html');
  await run(process.execPath, [cli, 'stats', log, '--html', report]);

  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  try {
    const url = pathToFileURL(report).href;
    const requests: string[] = [];
    // Only the page itself may load; anything else it asks for is recorded and refused.
    await context.route('**/*', (route) => {
      const asked = route.request().url();
      if (asked === url) return route.continue();
      requests.push(asked);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(url);
    assert.match(await page.title(), /^jsonrpc-wire stats: /);
    const methodCells = await page.locator('h2:has-text("Methods") + table tbody tr td:first-child').allTextContents();
    assert.deepEqual(methodCells.sort(), ['add', 'crash', 'greet']);
    assert.match(await page.locator('body').innerText(), /the server exited with code 3\. 1 request\(s\) never answered/);
    // The histogram has a bar per bucket with answers; the timeline a bar per request.
    assert.ok((await page.locator('svg[aria-label="latency histogram"] rect.bar').count()) >= 1);
    assert.equal(await page.locator('svg[aria-label="timeline of the session"] rect.call').count(), 4);
    assert.equal(await page.locator('svg[aria-label="timeline of the session"] rect.call.unanswered').count(), 1);
    const box = await page.locator('svg[aria-label="timeline of the session"]').boundingBox();
    assert.ok(box !== null && box.width > 300 && box.height > 40, 'the timeline is drawn at a readable size');
    assert.deepEqual(requests, [url], 'no request but the page itself');
    if (process.env.JSONRPC_WIRE_SCREENSHOT) await page.screenshot({ path: process.env.JSONRPC_WIRE_SCREENSHOT, fullPage: true });
  } finally {
    await context.close();
  }
});
