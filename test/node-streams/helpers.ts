/** Test helpers: loopback socket pairs, in-memory stream pairs, waiting. */
import net from 'node:net';
import { PassThrough } from 'node:stream';

import type { StreamPair } from '../../src/node-streams/index.js';

// The fixture scripts in test/fixtures run only when this is set (children inherit it), so a test
// runner that picks them up as test files does not hang on them.
process.env.JSONRPC_WIRE_FIXTURE = '1';

/** Two connected TCP sockets on 127.0.0.1 (a real kernel socket pair, with real back pressure). */
export async function socketPair(): Promise<{ a: net.Socket; b: net.Socket; cleanup: () => void }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const a = net.createConnection({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    a.once('connect', resolve);
    a.once('error', reject);
  });
  const b = await accepted;
  server.close();
  a.setNoDelay(true);
  b.setNoDelay(true);
  return {
    a,
    b,
    cleanup: () => {
      a.destroy();
      b.destroy();
    },
  };
}

/** Two in-memory stream pairs wired to each other. */
export function memoryPair(): { a: StreamPair; b: StreamPair } {
  const ab = new PassThrough();
  const ba = new PassThrough();
  return { a: { readable: ba, writable: ab }, b: { readable: ab, writable: ba } };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every few ms until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await delay(2);
  }
}

/** Fails the test if the process sees an unhandled rejection while `run` runs. */
export function noUnhandledRejections(run: () => Promise<void>): Promise<void> {
  return noProcessEvent('unhandledRejection', 'Unhandled rejection(s)', run);
}

/** Fails the test if the process emits a warning (MaxListenersExceededWarning...) while `run` runs. */
export function noWarnings(run: () => Promise<void>): Promise<void> {
  return noProcessEvent('warning', 'Process warning(s)', run);
}

async function noProcessEvent(event: 'unhandledRejection' | 'warning', what: string, run: () => Promise<void>): Promise<void> {
  const seen: unknown[] = [];
  const onEvent = (value: unknown): void => {
    seen.push(value);
  };
  process.on(event, onEvent);
  try {
    await run();
    await delay(20);
  } finally {
    process.off(event, onEvent);
  }
  if (seen.length > 0) throw new Error(`${what}: ${seen.map(String).join('; ')}`);
}
