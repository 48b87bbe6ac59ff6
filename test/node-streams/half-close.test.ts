/**
 * The end of input is not the end of work: a sender that writes its requests and notifications and
 * then ends its side (FIN, or closing a child's stdin) has every one of them handled, and every
 * request answered while the stream can still be written; when it cannot (a socket that is not
 * half-open, which Node ends as soon as the remote side ends), each lost answer is reported
 * through 'droppedResponse'. Then the connection closes. Counted exactly, many times over.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Dispatcher } from '../../src/dispatch/index.js';
import type { FramingName } from '../../src/framing/types.js';
import { connect, listenTcp, type JsonRpcConnection, type StreamPair } from '../../src/node-streams/index.js';
import { JsonRpcPeer } from '../../src/peer.js';
import { countingMethods, type Counts } from '../fixtures/counting-methods.js';
import { memoryPair } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const halfCloseServer = path.join(here, '../fixtures/half-close-server.js');
const socketDir = mkdtempSync(path.join(tmpdir(), 'jsonrpc-wire-half-'));
after(() => rmSync(socketDir, { recursive: true, force: true }));

/** `requests` requests and `notes` notifications (padded to ~`padding` bytes), interleaved, framed. */
function traffic(framing: FramingName, requests: number, notes: number, padding: number): Buffer {
  const peer = new JsonRpcPeer({ framing });
  const pad = 'x'.repeat(padding);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < Math.max(requests, notes); i++) {
    if (i < requests) parts.push(peer.request('work', [i]).bytes);
    if (i < notes) parts.push(peer.notify('note', [pad]));
  }
  return Buffer.concat(parts);
}

/**
 * Writes `bytes` (in pieces, honouring back pressure), ends the writable, reads until the readable
 * ends; resolves with the ids of the answers read.
 */
async function sendAndEnd(stream: StreamPair, framing: FramingName, bytes: Buffer): Promise<number[]> {
  const peer = new JsonRpcPeer({ framing });
  const ids: number[] = [];
  const readDone = new Promise<void>((resolve) => {
    stream.readable.on('data', (chunk: Buffer) => {
      for (const message of peer.parse(chunk)) if (message.kind === 'response') ids.push(message.id as number);
    });
    stream.readable.on('end', resolve);
    stream.readable.on('close', resolve);
    stream.readable.on('error', resolve);
  });
  for (let offset = 0; offset < bytes.length; offset += 64 * 1024) {
    if (!stream.writable.write(bytes.subarray(offset, offset + 64 * 1024))) {
      await new Promise((resolve) => stream.writable.once('drain', resolve));
    }
  }
  stream.writable.end();
  await readDone;
  return ids;
}

/** One run over a socket pair made by `serve` (which calls back with the server-side connection). */
async function overSocket(
  options: { framing: FramingName; requests: number; notes: number; padding: number },
  listen: (dispatcher: Dispatcher, onConnection: (connection: JsonRpcConnection) => void) => Promise<{
    connectClient: () => net.Socket;
    close: () => Promise<void>;
  }>,
): Promise<{ counts: Counts; answers: number[]; closedWith: string }> {
  const { dispatcher, counts, watch } = countingMethods();
  let closed!: Promise<string>;
  const server = await listen(dispatcher, (connection) => {
    watch(connection);
    closed = connection.closed.then((reason) => reason.message);
  });
  const socket = server.connectClient();
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const answers = await sendAndEnd(
    { readable: socket, writable: socket },
    options.framing,
    traffic(options.framing, options.requests, options.notes, options.padding),
  );
  const closedWith = await closed;
  socket.destroy();
  await server.close();
  return { counts, answers, closedWith };
}

function listenAt(kind: 'tcp' | 'unix', run: number) {
  return async (dispatcher: Dispatcher, onConnection: (connection: JsonRpcConnection) => void) => {
    const address = kind === 'tcp' ? { host: '127.0.0.1', port: 0 } : { path: path.join(socketDir, `s${run}.sock`) };
    const server = await listenTcp(address, onConnection, { dispatcher, framing: 'newline' });
    const at = server.address;
    return {
      connectClient: () => ('path' in at ? net.createConnection(at.path) : net.createConnection(at.port, at.host)),
      close: () => server.close(),
    };
  };
}

/** A plain `net.createServer({ allowHalfOpen })` whose sockets are given to `connect()`. */
function plainServer(allowHalfOpen: boolean, framing: FramingName) {
  return async (dispatcher: Dispatcher, onConnection: (connection: JsonRpcConnection) => void) => {
    const server = net.createServer({ allowHalfOpen }, (socket) => onConnection(connect(socket, { dispatcher, framing })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    return {
      connectClient: () => net.createConnection(port, '127.0.0.1'),
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  };
}

const RUNS = 20;
const SMALL = { requests: 60, notes: 60, padding: 200 };

function assertAllAnswered(result: { counts: Counts; answers: number[]; closedWith: string }, requests: number, notes: number): void {
  assert.equal(result.counts.requests, requests, 'every request handled');
  assert.equal(result.counts.notes, notes, 'every notification handled');
  assert.deepEqual(
    [...result.answers].sort((x, y) => x - y),
    Array.from({ length: requests }, (_, i) => i + 1),
    'every request answered once',
  );
  assert.equal(result.counts.dropped, 0);
  assert.match(result.closedWith, /remote side closed/);
}

describe('half-close: everything received is handled, answered while the stream is writable', () => {
  for (const kind of ['tcp', 'unix'] as const) {
    it(`listenTcp over ${kind === 'tcp' ? 'TCP' : 'a Unix socket'}: ${RUNS} runs, every answer arrives`, async () => {
      for (let run = 0; run < RUNS; run++) {
        const result = await overSocket({ framing: 'newline', ...SMALL }, listenAt(kind, run));
        assertAllAnswered(result, SMALL.requests, SMALL.notes);
      }
    });
  }

  for (const framing of ['newline', 'content-length'] as const) {
    it(`a plain half-open socket given to connect(), ${framing}: ${RUNS} runs, every answer arrives`, async () => {
      for (let run = 0; run < RUNS; run++) {
        const result = await overSocket({ framing, ...SMALL }, plainServer(true, framing));
        assertAllAnswered(result, SMALL.requests, SMALL.notes);
      }
    });

    it(`a plain socket that is not half-open, ${framing}: ${RUNS} runs, all handled, lost answers reported`, async () => {
      for (let run = 0; run < RUNS; run++) {
        const { counts, answers, closedWith } = await overSocket({ framing, ...SMALL }, plainServer(false, framing));
        assert.equal(counts.requests, SMALL.requests);
        assert.equal(counts.notes, SMALL.notes);
        // Node ends our side when the remote's ends: an answer either left before that or is reported.
        assert.equal(answers.length + counts.dropped, SMALL.requests, 'each answer sent or reported, once');
        assert.equal(new Set(answers).size, answers.length);
        assert.match(closedWith, /remote side closed/);
      }
    });
  }

  it(`the in-memory pair: ${RUNS} runs, both framings`, async () => {
    for (let run = 0; run < RUNS; run++) {
      for (const framing of ['newline', 'content-length'] as const) {
        const { dispatcher, counts, watch } = countingMethods();
        const { a, b } = memoryPair();
        const server = connect(b, { dispatcher, framing });
        watch(server);
        const answers = await sendAndEnd(a, framing, traffic(framing, SMALL.requests, SMALL.notes, SMALL.padding));
        assertAllAnswered({ counts, answers, closedWith: (await server.closed).message }, SMALL.requests, SMALL.notes);
      }
    }
  });

  it('child pipes: a connectStdio server whose stdin ends answers everything, 10 runs', async () => {
    for (let run = 0; run < 10; run++) {
      const framing: FramingName = run % 2 === 0 ? 'newline' : 'content-length';
      const child = spawn(process.execPath, [halfCloseServer], {
        env: { ...process.env, FRAMING: framing },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise((resolve) => child.on('exit', resolve));
      const answers = await sendAndEnd(
        { readable: child.stdout, writable: child.stdin },
        framing,
        traffic(framing, SMALL.requests, SMALL.notes, SMALL.padding),
      );
      await exited;
      const counts = JSON.parse(stderr) as Counts;
      assertAllAnswered({ counts, answers, closedWith: 'the remote side closed' }, SMALL.requests, SMALL.notes);
    }
  });

  for (const framing of ['newline', 'content-length'] as const) {
    it(`one large run, ${framing}: 20,000 notifications of ~1 KB and 2,000 requests, then end()`, async () => {
      for (const allowHalfOpen of [true, false]) {
        const { counts, answers, closedWith } = await overSocket(
          { framing, requests: 2000, notes: 20_000, padding: 1000 },
          plainServer(allowHalfOpen, framing),
        );
        assert.equal(counts.notes, 20_000);
        assert.equal(counts.requests, 2000);
        if (allowHalfOpen) assert.equal(answers.length, 2000);
        else assert.equal(answers.length + counts.dropped, 2000);
        assert.equal(new Set(answers).size, answers.length);
        assert.match(closedWith, /remote side closed/);
      }
    });
  }
});

