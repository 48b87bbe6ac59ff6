/**
 * Back pressure over real streams (the rules themselves: test/protocol/state.test.ts): handler
 * concurrency, the handler-awaits-its-own-request deadlock, sequential handlers, a slow reader,
 * and a flood against a receiver in a child process whose heap must stay bounded.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Dispatcher } from '../../src/dispatch/index.js';
import { JsonRpcServerOverloadedError } from '../../src/parser/errors.js';
import { connect, connectTcp, type ConnectionContext } from '../../src/node-streams/index.js';
import { delay, socketPair, waitFor } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('handler concurrency', () => {
  it('never runs more than maxConcurrentHandlers at once, and pauses reading while saturated', async () => {
    const { a, b, cleanup } = await socketPair();
    let running = 0;
    let peak = 0;
    let release!: () => void;
    let gate = new Promise<void>((resolve) => (release = resolve));
    const dispatcher = new Dispatcher().add('work', async () => {
      running++;
      peak = Math.max(peak, running);
      await gate;
      running--;
      return 'ok';
    });
    const server = connect(b, { dispatcher, maxConcurrentHandlers: 4 });
    const client = connect(a);
    const results = Promise.all(Array.from({ length: 100 }, () => client.request('work')));
    await waitFor(() => running === 4, 2000, 'four handlers');
    await delay(30);
    assert.equal(running, 4);
    assert.equal(server.readingPaused, true);
    assert.ok(server.queuedMessages > 0 && server.queuedMessages <= 96);
    for (let round = 0; round < 100 && running > 0; round++) {
      const old = release;
      gate = new Promise<void>((resolve) => (release = resolve));
      old();
      await delay(1);
    }
    release();
    const answers = await results;
    assert.equal(answers.length, 100);
    assert.equal(peak, 4);
    await client.close();
    await server.closed;
    cleanup();
  });
});

describe('handler bytes', () => {
  /** Sends `count` notifications of ~`bytes` to a server whose handlers wait for `release`; resolves with the most running at once while saturated. */
  async function saturate(count: number, bytes: number): Promise<number> {
    const { a, b, cleanup } = await socketPair();
    let running = 0;
    let handled = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const server = connect(b, { dispatcher: new Dispatcher().add('hold', async () => (running++, await gate, running--, handled++)) });
    const client = connect(a);
    const pad = 'p'.repeat(bytes - 50);
    for (let i = 0; i < count; i++) void client.notify('hold', [pad]);
    await waitFor(() => server.readingPaused && running > 0, 10_000, 'reading paused with handlers busy');
    await delay(50);
    const saturated = running;
    assert.equal(server.readingPaused, true, 'the rest waits in the sockets, unread');
    release();
    await waitFor(() => handled === count, 20_000, `all ${count} handled`);
    await client.close();
    await server.closed;
    cleanup();
    return saturated;
  }

  it('by default, 16 handlers of 256 KiB messages run at once (4 MiB), and 512 of small ones', async () => {
    assert.equal(await saturate(40, 256 * 1024), 16);
    assert.equal(await saturate(1500, 100), 512);
  });
});

describe('the deadlock rule', () => {
  interface Methods {
    outer(n: number): number;
  }

  it('a handler awaiting its own request to the peer finishes while handlers are saturated', async () => {
    const { a, b, cleanup } = await socketPair();
    const dispatcher = new Dispatcher<Methods, ConnectionContext>().add(
      'outer',
      async (n, ctx) => {
        const doubled = (await ctx.connection.request('double', [n])) as number;
        return doubled + 1;
      },
      { params: 'positional', arity: 1 },
    );
    // One handler at a time, and the client floods it with requests that each call back.
    const server = connect(b, { dispatcher, maxConcurrentHandlers: 1 });
    const client = connect<Methods>(a, {
      dispatcher: new Dispatcher().add('double', (n: number) => n * 2),
      maxConcurrentHandlers: 1,
    });
    const results = await Promise.race([
      Promise.all(Array.from({ length: 50 }, (_, i) => client.request('outer', [i]))),
      delay(10_000).then(() => 'deadlocked' as const),
    ]);
    assert.notEqual(results, 'deadlocked');
    assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => 2 * i + 1));
    await client.close();
    await server.closed;
    cleanup();
  });

  it('while reading on for responses, requests past the queue bound are answered -32001', async () => {
    const { a, b, cleanup } = await socketPair();
    const dispatcher = new Dispatcher<Methods, ConnectionContext>().add(
      'outer',
      async (n, ctx) => ((await ctx.connection.request('double', [n])) as number) + 1,
      { params: 'positional', arity: 1 },
    );
    const server = connect(b, { dispatcher, maxConcurrentHandlers: 1, maxQueuedMessages: 5 });
    const client = connect<Methods>(a, {
      dispatcher: new Dispatcher().add('double', async (n: number) => {
        await delay(20); // the callback's answer comes after the whole burst was read
        return n * 2;
      }),
    });
    const settled = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => client.request('outer', [i])));
    const ok = settled.filter((s) => s.status === 'fulfilled');
    const refused = settled.filter((s) => s.status === 'rejected');
    for (const s of refused) assert.ok((s as PromiseRejectedResult).reason instanceof JsonRpcServerOverloadedError);
    assert.ok(refused.length > 0, 'some requests were refused');
    assert.ok(ok.length >= 6, `at least the running one and the five queued succeeded (got ${ok.length})`);
    assert.equal(ok.length + refused.length, 40);
    await client.close();
    await server.closed;
    cleanup();
  });
});

describe('ordering', () => {
  it('delivers in order; a sequential method waits for earlier handlers and holds later ones, responses still flow', async () => {
    const { a, b, cleanup } = await socketPair();
    const events: string[] = [];
    const dispatcher = new Dispatcher<{ read(n: number): void; edit(n: number): void }, ConnectionContext>()
      .add(
        'read',
        async (n) => {
          events.push(`start read ${n}`);
          await delay(20);
          events.push(`end read ${n}`);
        },
        { params: 'positional', arity: 1 },
      )
      .add(
        'edit',
        async (n, ctx) => {
          events.push(`start edit ${n}`);
          // A sequential handler that calls back to its client must still get the answer.
          const version = await ctx.connection.request('version');
          events.push(`end edit ${n} v${String(version)}`);
        },
        { params: 'positional', arity: 1 },
      );
    const server = connect(b, { dispatcher, sequential: ['edit'] });
    const client = connect(a, { dispatcher: new Dispatcher().add('version', () => 7) });
    await Promise.all([
      client.notify('read', [1]),
      client.notify('read', [2]),
      client.notify('edit', [3]),
      client.notify('read', [4]),
      client.notify('edit', [5]),
    ]);
    await waitFor(() => events.length === 10, 5000, 'all handlers');
    const at = (event: string): number => events.indexOf(event);
    assert.ok(at('start read 1') < at('start read 2'), 'in order');
    assert.ok(at('start read 2') < at('end read 1'), 'reads run concurrently');
    assert.ok(at('start edit 3') > at('end read 1') && at('start edit 3') > at('end read 2'));
    assert.ok(at('start read 4') > at('end edit 3 v7'));
    assert.ok(at('start edit 5') > at('end read 4'));
    await client.close();
    await server.closed;
    cleanup();
  });
});

describe('write back pressure (a slow reader)', () => {
  it('stops reading and starting handlers while its output waits for drain, then catches up', async () => {
    const { a, b, cleanup } = await socketPair();
    let handled = 0;
    const big = 'x'.repeat(1024 * 1024);
    const dispatcher = new Dispatcher().add('big', async () => {
      await delay(1);
      handled++;
      return big;
    });
    const server = connect(b, { dispatcher, maxConcurrentHandlers: 2 });
    // The client sends 60 requests, then does not read its socket for a while.
    a.pause();
    let text = '';
    for (let i = 1; i <= 60; i++) a.write(`{"jsonrpc":"2.0","id":${i},"method":"big"}\n`);
    await delay(400);
    const handledWhileBlocked = handled;
    assert.ok(handledWhileBlocked < 40, `handlers stopped while output was blocked (${handledWhileBlocked} ran)`);
    assert.equal(server.readingPaused, true);
    a.setEncoding('utf8');
    a.on('data', (chunk: string) => (text += chunk));
    a.resume();
    await waitFor(() => text.split('\n').length > 60, 20_000, 'all 60 responses');
    assert.equal(handled, 60);
    await server.close();
    cleanup();
  });

  it('notify() waits while the stream is over its high-water mark (a sender awaiting it is paced)', async () => {
    const { a, b, cleanup } = await socketPair();
    b.pause(); // nobody reads the other end
    const client = connect(a, { highWaterMark: 64 * 1024 });
    const payload = { text: 'y'.repeat(64 * 1024) };
    let resolved = 0;
    const sending = (async () => {
      for (let i = 0; i < 400; i++) {
        await client.notify('n', payload);
        resolved++;
      }
    })();
    await delay(300);
    assert.ok(resolved < 400, `some notifications wait for drain (${resolved}/400 handed over)`);
    b.resume();
    await sending;
    assert.equal(resolved, 400);
    await client.close();
    cleanup();
  });
});

describe('coalescing', () => {
  it('the messages of one tick go out in one write()', async () => {
    const { a, b, cleanup } = await socketPair();
    const writes: number[] = [];
    const write = a.write.bind(a) as (chunk: Uint8Array, cb?: () => void) => boolean;
    (a as unknown as { write: typeof write }).write = (chunk, cb) => {
      writes.push(chunk.byteLength);
      return write(chunk, cb);
    };
    const server = connect(b, { dispatcher: new Dispatcher().add('add', (x: number, y: number) => x + y) });
    const client = connect(a);
    const results = Promise.all(Array.from({ length: 100 }, (_, i) => client.request('add', [i, 1])));
    for (let i = 0; i < 20; i++) void client.notify('nothing');
    await results;
    assert.equal(writes.length, 1, `120 messages of one tick were written with ${writes.length} write() calls`);
    await client.close();
    await server.closed;
    cleanup();
  });

  it('a highWaterMark below the stream\'s own still blocks and unblocks', async () => {
    const { a, b, cleanup } = await socketPair();
    b.pause();
    const client = connect(a, { highWaterMark: 1024 }); // the socket's own is 16 KiB
    await client.notify('n', { text: 'x'.repeat(4096) });
    let second = false;
    const pending = client.notify('n', { text: 'y' }).then(() => (second = true));
    // The first write is over our 1 KiB bound; once the kernel takes it, the queue unblocks.
    b.resume();
    await pending;
    assert.equal(second, true);
    await client.close();
    cleanup();
  });
});

describe('flood', () => {
  it('30,000 ~1 KB notifications to a receiver with a ~1 ms handler: bounded heap, none lost', { timeout: 120_000 }, async () => {
    const child = spawn(process.execPath, ['--expose-gc', path.join(here, '../fixtures/flood-receiver.js')], {
      env: { ...process.env, EXPECTED: '30000', HANDLER_MS: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const lines = createInterface({ input: child.stdout! });
      const iterator = lines[Symbol.asyncIterator]();
      const address = JSON.parse((await iterator.next()).value as string) as { host: string; port: number };
      const sender = await connectTcp(address);
      const filler = 'z'.repeat(1000);
      const started = Date.now();
      for (let seq = 0; seq < 30000; seq++) {
        // Awaiting each notify() paces the sender by the receiver's back pressure.
        await sender.notify('log', { seq, text: filler });
      }
      const report = JSON.parse((await iterator.next()).value as string) as {
        handled: number;
        distinct: number;
        peakHeapGrowth: number;
        peakRss: number;
      };
      const elapsed = Date.now() - started;
      assert.equal(report.handled, 30000);
      assert.equal(report.distinct, 30000);
      assert.ok(
        report.peakHeapGrowth < 48 * 1024 * 1024,
        `heap growth ${(report.peakHeapGrowth / 1048576).toFixed(1)} MiB must stay under 48 MiB`,
      );
      console.log(
        `# flood: ${elapsed} ms, receiver heap growth ${(report.peakHeapGrowth / 1048576).toFixed(1)} MiB, ` +
          `peak RSS ${(report.peakRss / 1048576).toFixed(1)} MiB`,
      );
      await sender.close();
      lines.close();
      if (child.exitCode === null) await once(child, 'exit');
    } finally {
      child.kill();
    }
  });
});
