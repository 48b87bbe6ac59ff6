/**
 * The connection behaviour suite (test/connection/behaviour.ts) over Node's real transports:
 * the portable connection on a `StreamTransport` over TCP, a Unix socket, and child processes'
 * stdio (each direction through a child that copies its stdin to its stdout).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { createConnection, type ConnectionOptions } from '../../src/connection/connection.js';
import { StreamTransport } from '../../src/node-streams/stream-transport.js';
import { describeConnection } from '../connection/behaviour.js';

const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Two connected half-open sockets (a half-close leaves the other direction working). */
async function socketPair(listenOn: number | string): Promise<{ a: net.Socket; b: net.Socket; close: () => void }> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => (typeof listenOn === 'number' ? server.listen(listenOn, '127.0.0.1', resolve) : server.listen(listenOn, resolve)));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const address = server.address();
  const a =
    typeof address === 'string' || address === null
      ? net.createConnection({ path: listenOn as string, allowHalfOpen: true })
      : net.createConnection({ host: '127.0.0.1', port: address.port, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    a.once('connect', resolve);
    a.once('error', reject);
  });
  const b = await accepted;
  server.close();
  return { a, b, close: () => (a.destroy(), b.destroy()) };
}

function overSockets(listenOn: () => number | string) {
  return async (optionsA?: ConnectionOptions, optionsB?: ConnectionOptions) => {
    const { a, b, close } = await socketPair(listenOn());
    return {
      a: createConnection(new StreamTransport({ readable: a, writable: a }), { utf8Length, ...optionsA }),
      b: createConnection(new StreamTransport({ readable: b, writable: b }), { utf8Length, ...optionsB }),
      endOutputOfA: () => void a.end(),
      cleanup: close,
    };
  };
}

describeConnection('TCP', overSockets(() => 0), { describe, it });

if (process.platform !== 'win32') {
  const dir = mkdtempSync(join(tmpdir(), 'jsonrpc-wire-suite-'));
  let n = 0;
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  describeConnection('Unix socket', overSockets(() => join(dir, `s${n++}.sock`)), { describe, it });
}

/**
 * A child that copies its stdin to its stdout: one direction of a pipe through a real process.
 * SIGUSR2 makes it end its stdout (the reader sees the end of its input, the writer's pipe stays
 * open). It says it is ready (its handler installed) on stderr.
 */
const RELAY =
  "process.stdin.pipe(process.stdout); process.on('SIGUSR2', () => { process.stdin.unpipe(); process.stdin.resume(); process.stdout.end(); }); process.stderr.write('ready')";
async function relay(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', RELAY], { stdio: ['pipe', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stderr!.once('data', () => resolve());
    child.once('error', reject);
  });
  return child;
}

if (process.platform !== 'win32') describeConnection("children's stdio", async (optionsA?: ConnectionOptions, optionsB?: ConnectionOptions) => {
  const [ab, ba] = await Promise.all([relay(), relay()]);
  const exited = [ab, ba].map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve())));
  return {
    a: createConnection(new StreamTransport({ readable: ba.stdout!, writable: ab.stdin! }), { utf8Length, ...optionsA }),
    b: createConnection(new StreamTransport({ readable: ab.stdout!, writable: ba.stdin! }), { utf8Length, ...optionsB }),
    endOutputOfA: () => void ab.kill('SIGUSR2'),
    cleanup: async () => {
      ab.kill();
      ba.kill();
      await Promise.all(exited);
    },
  };
}, { describe, it });
