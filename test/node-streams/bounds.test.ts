/**
 * Memory a remote peer controls stays within the documented per-connection bounds. The attacks of
 * issue 10: a client that sends requests whose handler calls back to it, never answers the
 * callback and never reads, so the server keeps reading for the response (the deadlock rule)
 * while its handlers are saturated. Its queued work is bounded in messages and bytes, the -32001
 * refusals stop once the write queue is full, reading pauses, and the heap retained after GC stays
 * small. Also: queued bytes are the frames' bytes, and answers waiting to be sent are counted in
 * UTF-8 bytes exactly.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import fc from 'fast-check';

import { Dispatcher } from '../../src/dispatch/index.js';
import { connect, type ConnectionContext } from '../../src/node-streams/index.js';
import { JsonRpcPeer } from '../../src/peer.js';
import { ProtocolEngine } from '../../src/protocol/engine.js';
import { delay, memoryPair, waitFor } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const callbackServer = path.join(here, '../fixtures/callback-server.js');
const MiB = 1024 * 1024;

interface Report {
  heapGrowth: number;
  readingPaused: boolean;
  queued: number;
  queuedBytes: number;
  pendingCount: number;
}

/**
 * Runs the callback server in a child, floods it with `frames` from a socket that never reads, and
 * returns its report. Whenever the server has not taken more for a while, it is asked; the flood
 * goes on until it says its reading paused (or 30 s pass, or the frames run out): on a loaded
 * machine a server that is only slow holds the sender back too, and the kernel's socket buffers
 * (tens of MiB) take its refusals for a long time before its output blocks.
 */
async function attack(frames: () => Generator<string>): Promise<Report & { writtenAll: boolean }> {
  const child = spawn(process.execPath, ['--expose-gc', callbackServer], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const address = JSON.parse((await lines.next()).value as string) as { host: string; port: number };
    const socket = net.createConnection(address.port, address.host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.pause(); // never read what the server sends
    const askReport = async (): Promise<Report> => {
      await delay(500);
      child.stdin.write('report\n');
      return JSON.parse((await lines.next()).value as string) as Report;
    };
    let writtenAll = true;
    let batch = '';
    const send = async (): Promise<boolean> => {
      const ok = socket.write(batch);
      batch = '';
      if (ok) return true;
      const drained = await Promise.race([
        new Promise<boolean>((resolve) => socket.once('drain', () => resolve(true))),
        delay(1500).then(() => false),
      ]);
      return drained;
    };
    const deadline = Date.now() + 30_000;
    let report: Report | undefined;
    for (const frame of frames()) {
      batch += frame;
      if (batch.length < 256 * 1024 || (await send())) continue;
      writtenAll = false;
      report = await askReport();
      if (report.readingPaused || Date.now() > deadline) break;
    }
    if (report === undefined) {
      if (batch !== '') writtenAll = await send();
      report = await askReport();
    }
    socket.destroy();
    return { ...report, writtenAll };
  } finally {
    child.stdin.end();
    child.kill();
  }
}

describe('memory a remote peer controls (the deadlock rule under attack)', () => {
  it('2,000 requests with 100 KB ids: reading pauses, retained heap stays within a few bounds', async () => {
    const bigId = 'i'.repeat(100 * 1024);
    const result = await attack(function* () {
      for (let i = 0; i < 2000; i++) yield `{"jsonrpc":"2.0","id":"${bigId}${i}","method":"work"}\n`;
    });
    assert.equal(result.readingPaused, true, `reading paused: ${JSON.stringify(result)}`);
    assert.equal(result.writtenAll, false, 'the sender was held back');
    assert.ok(result.pendingCount > 0, 'the server waits for its callbacks');
    assert.ok(result.queuedBytes <= 4 * MiB + 110 * 1024, `queued ${result.queuedBytes} bytes`);
    // Bounds: 4 MiB queued in, 4 MiB waiting out, the stream's buffer; old code retained ~190 MiB, this ~11.
    assert.ok(result.heapGrowth < 32 * MiB, `heap grew by ${(result.heapGrowth / MiB).toFixed(1)} MiB`);
  });

  it('200,000 small requests: reading pauses, retained heap stays small', async () => {
    // The sender is held back after ~150,000 here; it goes on (up to 600,000) where the kernel's
    // socket buffers are larger, so that the pause is reached on any machine.
    const result = await attack(function* () {
      for (let i = 0; i < 600_000; i++) yield `{"jsonrpc":"2.0","id":${i},"method":"work"}\n`;
    });
    assert.equal(result.readingPaused, true, `reading paused: ${JSON.stringify(result)}`);
    assert.equal(result.writtenAll, false, 'the sender was held back');
    assert.ok(result.queued <= 1024, `queued ${result.queued}`);
    // Old code retained ~34 MiB here, this ~6.
    assert.ok(result.heapGrowth < 16 * MiB, `heap grew by ${(result.heapGrowth / MiB).toFixed(1)} MiB`);
  });
});

describe('bytes are counted exactly', () => {
  it('the answers waiting behind blocked output are counted in UTF-8 bytes, whatever the text', () => {
    // (They are what maxWriteQueueBytes bounds; the engine counts them, with Node's byteLength here.)
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 20 }), (ids) => {
        const engine = new ProtocolEngine({ utf8Length: (text) => Buffer.byteLength(text, 'utf8') });
        engine.request('ours'); // the deadlock rule: reading goes on while the output is blocked
        engine.setWriteBlocked(true);
        // Invalid params: each is answered -32600 with its id, by the engine itself.
        engine.receive(ids.map((id) => JSON.stringify({ jsonrpc: '2.0', id, method: 'x', params: 5 }) + '\n').join(''));
        const replies: string[] = [];
        for (let event = engine.next(); event !== undefined; event = engine.next()) if (event.kind === 'reply') replies.push(event.text);
        assert.equal(replies.length, ids.length);
        assert.equal(engine.state.blockedReplyBytes, Buffer.byteLength(replies.join(''), 'utf8'));
      }),
    );
  });

  it("queued messages are charged their JSON text's length (every framing, any text)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('newline' as const, 'content-length' as const, 'json-stream' as const),
        fc.array(fc.string({ unit: 'grapheme', maxLength: 300 }), { minLength: 1, maxLength: 30 }),
        async (framing, texts) => {
          const dispatcher = new Dispatcher<{ work(text: string): Promise<unknown> }, ConnectionContext>().add(
            'work',
            (_text, context) => context.connection.request('callback'),
            { params: 'positional', arity: 1 },
          );
          const { a, b } = memoryPair();
          const server = connect(b, { dispatcher, framing, maxConcurrentHandlers: 1 });
          const peer = new JsonRpcPeer({ framing });
          a.writable.write(peer.request('work', ['first']).bytes);
          await waitFor(() => server.runningHandlers === 1 && server.pendingCount === 1, 2000, 'the first handler');
          const frames = texts.map((text) => peer.request('work', [text]).bytes);
          a.writable.write(Buffer.concat(frames));
          await waitFor(() => server.queuedMessages === frames.length, 2000, 'the rest queued');
          // The JSON text of each frame: without its newline, or its Content-Length header.
          const json = frames.map((frame) => {
            const text = Buffer.from(frame).toString('utf8');
            return framing === 'newline' ? text.slice(0, -1) : framing === 'content-length' ? text.slice(text.indexOf('\r\n\r\n') + 4) : text;
          });
          assert.equal(server.queuedBytes, json.reduce((sum, text) => sum + text.length, 0));
          server.destroy();
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('the per-connection bounds', () => {
  it('maxQueuedBytes: under the deadlock rule, requests past the byte bound are refused -32001', async () => {
    const dispatcher = new Dispatcher<{ work(pad: string): Promise<unknown> }, ConnectionContext>().add(
      'work',
      (_pad, context) => context.connection.request('callback'),
      { params: 'positional', arity: 1 },
    );
    const { a, b } = memoryPair();
    const server = connect(b, { dispatcher, maxConcurrentHandlers: 1, maxQueuedBytes: 1000 });
    const peer = new JsonRpcPeer();
    const answers: { id: unknown; error?: { code: number; data?: { reason?: string } } }[] = [];
    a.readable.on('data', (chunk: Buffer) => {
      for (const message of peer.parse(chunk)) if (message.kind === 'response') answers.push(message as never);
    });
    const pad = 'x'.repeat(250); // frames of ~300 bytes
    a.writable.write(peer.request('work', [pad]).bytes);
    await waitFor(() => server.pendingCount === 1, 2000, 'the first handler waiting on its callback');
    a.writable.write(Buffer.concat(Array.from({ length: 20 }, () => peer.request('work', [pad]).bytes)));
    await waitFor(() => server.queuedMessages + answers.length === 20, 2000, 'queued or refused');
    // Queued while they fit in the bound (one message larger than it would still queue alone), then refused.
    assert.equal(server.queuedMessages, 3);
    assert.ok(server.queuedBytes > 700 && server.queuedBytes <= 1000, String(server.queuedBytes));
    assert.equal(answers.length, 17);
    for (const answer of answers) {
      assert.equal(answer.error?.code, -32001);
      assert.match(answer.error?.data?.reason ?? '', /1000 bytes/);
    }
    server.destroy();
  });

  it('maxWriteQueueBytes never refuses our own calls: past it they queue and resolve once written', async () => {
    const { a, b } = memoryPair();
    const client = connect(b, { maxWriteQueueBytes: 1 });
    const pad = 'y'.repeat(1000);
    // Nothing reads yet: the stream's buffer and the queue fill far past the bound.
    const sent = Array.from({ length: 100 }, (_, i) => client.notify('log', [i, pad]));
    await delay(10); // the first 100 are written at once; the stream is now over its high-water mark
    sent.push(...Array.from({ length: 100 }, (_, i) => client.notify('log', [100 + i, pad])));
    let settled = 0;
    for (const promise of sent) void promise.then(() => settled++);
    await delay(20);
    assert.ok(settled < 200, 'some are still waiting for the stream');
    const peer = new JsonRpcPeer();
    let received = 0;
    a.readable.on('data', (chunk: Buffer) => (received += peer.parse(chunk).length));
    await Promise.all(sent);
    await waitFor(() => received === 200, 2000, 'every notification');
    await client.close();
  });
});
