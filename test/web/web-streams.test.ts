/**
 * `connectWebStreams`: the behaviour suite over TransformStream pairs, and what only a Web
 * Streams byte stream shows: reading stops pulling while the connection may not read, writing
 * waits for the writer's queue, framing, closing, bad chunks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ConnectionOptions } from '../../src/connection/connection.js';
import { Dispatcher } from '../../src/dispatch/index.js';
import { connectWebStreams, WebStreamsTransport } from '../../src/web/web-streams.js';
import { delay, methods } from '../connection/behaviour.js';
import { waitFor } from '../node-streams/helpers.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// The behaviour suite over TransformStream pairs runs on every runtime: test/runtimes/suites.ts.

/** A readable that makes one chunk per pull (counting pulls), nothing queued ahead (highWaterMark 0). */
function countingSource(chunk: (n: number) => string, total: number): { readable: ReadableStream<Uint8Array>; pulls: () => number } {
  let pulls = 0;
  const readable = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulls === total) return controller.close();
        controller.enqueue(encoder.encode(chunk(pulls++)));
      },
    },
    { highWaterMark: 0 },
  );
  return { readable, pulls: () => pulls };
}

/** A writable that keeps what it is given; `hold` makes each write wait until released. */
function collectingSink(hold = false): { writable: WritableStream<Uint8Array>; text: () => string; release: () => void; writes: () => number } {
  let text = '';
  let writes = 0;
  let release!: () => void;
  let gate = hold ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      writes++;
      await gate;
      text += decoder.decode(chunk);
    },
  });
  return {
    writable,
    text: () => text,
    writes: () => writes,
    release: () => {
      release?.();
      gate = Promise.resolve();
    },
  };
}

describe('connectWebStreams', () => {
  it('stops pulling while every handler is busy, and reads on when one finishes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const dispatcher = new Dispatcher().add('work', async (n: number) => {
      await gate;
      return n;
    });
    const source = countingSource((n) => `{"jsonrpc":"2.0","id":${n},"method":"work","params":[${n}]}\n`, 50);
    const sink = collectingSink();
    const server = connectWebStreams({ readable: source.readable, writable: sink.writable }, { dispatcher, maxConcurrentHandlers: 2 });
    await waitFor(() => server.runningHandlers === 2);
    await delay(30);
    assert.ok(source.pulls() <= 3, `pulled ${source.pulls()} chunks with both handler slots busy`);
    assert.ok(server.readingPaused);
    release();
    await waitFor(() => sink.text().split('\n').length > 50, 5000, 'every request answered');
    const ids = sink.text().trim().split('\n').map((line) => (JSON.parse(line) as { id: number }).id);
    assert.deepEqual(ids.sort((x, y) => x - y), Array.from({ length: 50 }, (_, n) => n));
    await server.close();
  });

  it('waits for the writer: nothing more is written while a write is not taken, all of it after', async () => {
    const sink = collectingSink(true);
    const idle = new ReadableStream<Uint8Array>();
    const client = connectWebStreams({ readable: idle, writable: sink.writable }, { highWaterMark: 1024 });
    const sent: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      sent.push(client.notify('n', { i, pad: 'x'.repeat(100) }));
      await delay(1);
    }
    await delay(20);
    // The sink holds its first write; the writer's queue (one chunk) then holds one more.
    assert.ok(sink.writes() <= 1, `${sink.writes()} writes reached a sink that took none`);
    let settled = 0;
    for (const p of sent) void p.then(() => settled++);
    await delay(10);
    assert.ok(settled < 20, 'notifications still waiting to be written');
    sink.release();
    await Promise.all(sent);
    await waitFor(() => sink.text().split('\n').length > 20);
    const seen = sink.text().trim().split('\n').map((line) => (JSON.parse(line) as { params: { i: number } }).params.i);
    assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i));
    client.destroy();
    await client.closed;
  });

  it('speaks any framing: Content-Length both ways', async () => {
    const ab = new TransformStream<Uint8Array, Uint8Array>();
    const ba = new TransformStream<Uint8Array, Uint8Array>();
    const server = connectWebStreams(
      { readable: ab.readable, writable: ba.writable },
      { framing: 'content-length', dispatcher: methods({ hi: ({ name }: { name: string }) => `héllo ${name} ✓` }) },
    );
    const client = connectWebStreams({ readable: ba.readable, writable: ab.writable }, { framing: 'content-length' });
    assert.equal(await client.request('hi', { name: 'wörld' }), 'héllo wörld ✓');
    await client.close();
    assert.match((await server.closed).message, /remote side closed/);
  });

  it('takes text chunks too (a TextDecoderStream in front)', async () => {
    const text = new ReadableStream<string>({
      start(controller) {
        controller.enqueue('{"jsonrpc":"2.0","id":1,"method":"hi"}\n');
        controller.close();
      },
    });
    const sink = collectingSink();
    const server = connectWebStreams({ readable: text as unknown as ReadableStream<Uint8Array>, writable: sink.writable }, { dispatcher: methods({ hi: () => 'ok' }) });
    await server.closed;
    assert.equal(sink.text(), '{"jsonrpc":"2.0","id":1,"result":"ok"}\n');
  });

  it('a chunk that is not bytes fails the connection with a clear error', async () => {
    const bad = new ReadableStream<unknown>({ start: (controller) => controller.enqueue(42) });
    const sink = collectingSink();
    const connection = connectWebStreams({ readable: bad as ReadableStream<Uint8Array>, writable: sink.writable });
    const errors: Error[] = [];
    connection.on('error', (error) => void errors.push(error));
    const reason = await connection.closed;
    assert.match(errors[0]!.message, /gave a number; a byte stream must give Uint8Array chunks/);
    assert.equal((reason.cause as Error).message, errors[0]!.message);
  });

  it('a readable that errors fails the connection; its pending requests reject', async () => {
    let fail!: (error: Error) => void;
    const readable = new ReadableStream<Uint8Array>({ start: (controller) => void (fail = (error) => controller.error(error)) });
    const connection = connectWebStreams({ readable, writable: collectingSink().writable });
    const call = connection.request('x');
    fail(new Error('socket reset'));
    const error = await call.then(() => undefined, (err: unknown) => err as Error);
    assert.match(String(error?.message), /connection was lost \(socket reset\)/);
  });

  it('close() ends the writable (the other side sees the end) and releases the readable', async () => {
    let cancelled = false;
    const readable = new ReadableStream<Uint8Array>({ cancel: () => void (cancelled = true) });
    let closed = false;
    const writable = new WritableStream<Uint8Array>({ close: () => void (closed = true) });
    const connection = connectWebStreams({ readable, writable });
    await connection.close();
    assert.ok(cancelled, 'the readable was cancelled');
    assert.ok(closed, 'the writable was closed');
  });

  it('a graceful close does not wait forever on a sink that never takes the last write', { timeout: 10_000 }, async () => {
    const writable = new WritableStream<Uint8Array>({ write: () => new Promise(() => {}) });
    const connection = connectWebStreams({ readable: new ReadableStream(), writable });
    void connection.notify('n');
    await delay(5);
    const started = Date.now();
    await connection.close();
    assert.ok(Date.now() - started < 8000);
    assert.match((await connection.closed).message, /closed locally/);
  });

  it('refuses streams already locked, and a bad highWaterMark', () => {
    const readable = new ReadableStream<Uint8Array>();
    readable.getReader();
    assert.throws(() => new WebStreamsTransport({ readable, writable: new WritableStream() }), TypeError);
    assert.throws(() => connectWebStreams({ readable: new ReadableStream(), writable: new WritableStream() }, { highWaterMark: 0 }), /highWaterMark must be a positive integer/);
  });
});
