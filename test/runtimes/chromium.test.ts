/**
 * The behaviour suite in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
 * a localhost server serves dist/ as it is (the built portable entry and the built suite, plain
 * ESM), the page imports the suite and runs it over every transport of suites.ts (a Worker, and
 * WebSockets to a Node server, among them), and each result is checked here.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';

import { chromium } from 'playwright-core';

import type { CaseResult } from './harness.js';
import { checkElsewhere, root, type Outcome } from './elsewhere.js';
import { startWebSocketRelay } from './websocket-relay.js';

const CHROMIUM = '/usr/bin/chromium';
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.map': 'application/json', '.html': 'text/html' };

/** Serves the files under dist/ (and a blank page at /), nothing outside it. */
async function serveDist(): Promise<{ server: Server; origin: string }> {
  const dist = join(root, 'dist');
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><link rel="icon" href="data:,"><title>jsonrpc-wire suite</title>');
      return;
    }
    const file = normalize(join(dist, decodeURIComponent(path)));
    if (!file.startsWith(dist + sep)) {
      response.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function runInChromium(deadlineMs = 240_000): Promise<Outcome> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed (${CHROMIUM}): on Debian, \`apt-get install -y chromium\` (.ci/run does it when it is missing)`);
  }
  const { server, origin } = await serveDist();
  const relay = await startWebSocketRelay();
  const profile = await mkdtemp(join(tmpdir(), 'jsonrpc-wire-chromium-'));
  const problems: string[] = [];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // As root in a container, without a GPU, and with no network but loopback: no sandbox, and none
    // of Chromium's own connections (updates, sync, field trials), which would only fail.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('worker', (worker) => worker.on('console', (message) => problems.push(`worker console ${message.type()}: ${message.text()}`)));
    await page.goto(`${origin}/`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the page was still running the suite after ${deadlineMs} ms`)), deadlineMs);
    });
    const extras = { runtime: 'chromium', relayWorkerUrl: `${origin}/test/runtimes/relay-worker.js`, webSocketRelayUrl: relay.url };
    const running = page.evaluate(
      `Promise.all([import('/test/runtimes/suites.js'), import('/test/runtimes/serve.js')])
        .then(([suites, { serveHere }]) => suites.runEverywhere({ ...${JSON.stringify(extras)}, serve: serveHere }))`,
    ) as Promise<CaseResult[]>;
    try {
      const results = await Promise.race([running, deadline]);
      return { results, finished: true, problems };
    } catch (error) {
      problems.push(String(error));
      return { results: [], finished: false, problems };
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await context.close();
    server.close();
    await relay.close();
    await rm(profile, { recursive: true, force: true });
  }
}

checkElsewhere('Chromium', 'chromium', () => runInChromium());
