/** Test helpers: loopback socket pairs, in-memory stream pairs, waiting. */
import net from 'node:net';
import { PassThrough } from 'node:stream';

import type { MethodTable, UntypedMethods } from '../../src/dispatch/index.js';
import { connect, type ConnectOptions, type StreamPair } from '../../src/node-streams/index.js';

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

/** Runs `run` and returns what the process emitted on `events` meanwhile (and just after). */
export async function processEvents(events: readonly string[], run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onEvent = (value: unknown): void => void seen.push(value);
  for (const event of events) process.on(event, onEvent);
  try {
    await run();
    await delay(20);
  } finally {
    for (const event of events) process.off(event, onEvent);
  }
  return seen;
}

/** Fails the test if the process sees an unhandled rejection while `run` runs. */
export async function noUnhandledRejections(run: () => Promise<void>): Promise<void> {
  const seen = await processEvents(['unhandledRejection'], run);
  if (seen.length > 0) throw new Error(`Unhandled rejection(s): ${seen.map(String).join('; ')}`);
}

/** Fails the test if the process emits a warning (MaxListenersExceededWarning...) while `run` runs. */
export async function noWarnings(run: () => Promise<void>): Promise<void> {
  const seen = await processWarnings(run);
  if (seen.length > 0) throw new Error(`Process warning(s): ${seen.map(String).join('; ')}`);
}

/** Every process 'warning' while `run` runs (there must be none, ever). */
export async function processWarnings(run: () => Promise<void>): Promise<Error[]> {
  return (await processEvents(['warning'], run)) as Error[];
}

/**
 * A connection on one end of an in-memory pair and raw newline-framed JSON on the other, for exact
 * wire checks: `sent()` is every message the connection wrote, `send()` writes one to it.
 */
export function rawPeer<L extends MethodTable<L> = UntypedMethods>(options: ConnectOptions<L> = {}) {
  const { a, b } = memoryPair();
  const connection = connect(a, options);
  let text = '';
  b.readable.setEncoding('utf8');
  b.readable.on('data', (chunk: string) => {
    text += chunk;
  });
  return {
    connection,
    sent: (): Record<string, unknown>[] =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    send: (value: unknown): void => void b.writable.write(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`),
    /** The id of the last request the connection wrote. */
    lastRequestId: (): unknown => {
      const requests = text.split('\n').filter((line) => line.includes('"method"'));
      return (JSON.parse(requests[requests.length - 1]!) as { id: unknown }).id;
    },
  };
}
