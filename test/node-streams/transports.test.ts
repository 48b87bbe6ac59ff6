/**
 * Transports: TCP and Unix-socket server/client helpers, stdio, child processes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Dispatcher } from '../../src/dispatch/index.js';
import {
  ConnectionClosedError,
  connectTcp,
  listenTcp,
  spawnConnection,
  type ConnectionContext,
  type JsonRpcConnection,
} from '../../src/node-streams/index.js';
import type { HandlerErrorInfo } from '../../src/dispatch/index.js';
import { waitFor } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const stdioServer = path.join(here, '../fixtures/stdio-server.js');

interface Methods {
  add(a: number, b: number): number;
  whoami(): string;
}

function methods(): Dispatcher<Methods, ConnectionContext> {
  return new Dispatcher<Methods, ConnectionContext>()
    .add('add', (a, b) => a + b)
    .add('whoami', async (_p: undefined, ctx) => `client says ${String(await ctx.connection.request('name'))}`, {
      params: 'named',
      optional: true,
    });
}

describe('TCP and Unix sockets', () => {
  it('listenTcp runs setup per connection; connectTcp talks to it; server.close() closes everything', async () => {
    const seen: JsonRpcConnection[] = [];
    const server = await listenTcp({ host: '127.0.0.1', port: 0 }, (connection) => void seen.push(connection), {
      dispatcher: methods(),
    });
    const address = server.address;
    assert.ok('port' in address && address.port > 0);
    const clients = await Promise.all(
      ['ann', 'bob'].map((name) => connectTcp<Methods>(address, { dispatcher: new Dispatcher().add('name', () => name) })),
    );
    assert.equal(await clients[0]!.request('add', [2, 2]), 4);
    assert.equal(await clients[0]!.request('whoami'), 'client says ann');
    assert.equal(await clients[1]!.request('whoami'), 'client says bob');
    assert.equal(seen.length, 2);
    assert.equal(server.connections.size, 2);
    // In flight while the server closes: answered or rejected, never left hanging.
    const pending = clients[1]!.request('whoami').then(
      () => 'answered',
      (err: unknown) => (err instanceof ConnectionClosedError ? 'closed' : err),
    );
    await server.close();
    for (const client of clients) {
      const reason = await client.closed;
      assert.ok(reason instanceof ConnectionClosedError);
    }
    assert.ok(['answered', 'closed'].includes((await pending) as string));
    assert.equal(server.connections.size, 0);
    await assert.rejects(connectTcp(address), /ECONNREFUSED/);
  });

  it('a setup function that throws closes that connection', async () => {
    const server = await listenTcp({ host: '127.0.0.1', port: 0 }, () => {
      throw new Error('not welcome');
    });
    const client = await connectTcp(server.address);
    const reason = await client.closed;
    assert.match(reason.message, /remote side closed|lost/);
    await server.close();
  });

  it('a setup may return anything: a non-promise (the connection from on()), a number, a promise; the connection is served', async () => {
    const returns: Array<(c: JsonRpcConnection) => unknown> = [
      (c) => c.on('invalidMessage', () => undefined), // an expression arrow: on() returns the connection
      () => 42,
      () => ({ then: 5 }), // a `then` that is not a function: not a thenable
      async () => undefined,
      () => new Promise((resolve) => setTimeout(resolve, 5)),
    ];
    for (const setup of returns) {
      const server = await listenTcp({ host: '127.0.0.1', port: 0 }, setup, { dispatcher: methods() });
      const client = await connectTcp<Methods>(server.address);
      assert.equal(await client.request('add', [1, 2]), 3, String(setup));
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(await client.request('add', [2, 2]), 4, String(setup));
      await client.close();
      await server.close();
    }
  });

  it('a setup that throws, rejects or has a throwing `then` closes that one connection, saying why; the server keeps accepting', async () => {
    const failures: Array<[(c: JsonRpcConnection) => unknown, RegExp]> = [
      [() => { throw new Error('not welcome'); }, /not welcome/],
      [async () => { throw new Error('rejected'); }, /rejected/],
      [() => Promise.reject('a string'), /a string/],
      [() => ({ get then() { throw new Error('then getter'); } }), /then getter/],
      [() => ({ then() { throw new Error('then call'); } }), /then call/],
    ];
    for (const [setup, why] of failures) {
      const reported: Array<[unknown, HandlerErrorInfo]> = [];
      let accepted = 0;
      const server = await listenTcp(
        { host: '127.0.0.1', port: 0 },
        (connection) => (++accepted === 1 ? setup(connection) : undefined),
        { dispatcher: methods(), onHandlerError: (err, info) => void reported.push([err, info]) },
      );
      const refused = await connectTcp<Methods>(server.address);
      await refused.closed;
      // The server's side of it was closed with the reason; the hook heard it as stage 'setup'.
      await waitFor(() => reported.length === 1, 2000, 'the report');
      assert.equal(reported[0]![1].stage, 'setup');
      // The next client is served.
      const next = await connectTcp<Methods>(server.address);
      assert.equal(await next.request('add', [1, 1]), 2);
      await next.close();
      await server.close();
      assert.match(String((reported[0]![0] as Error)?.message ?? reported[0]![0]), why);
    }
  });

  it("the server side's close reason names the failed setup and keeps the original as cause", async () => {
    const original = new Error('no database');
    let reason: ConnectionClosedError | undefined;
    const server = await listenTcp({ host: '127.0.0.1', port: 0 }, (connection) => {
      void connection.closed.then((why) => (reason = why));
      return Promise.reject(original);
    });
    const client = await connectTcp(server.address);
    await client.closed;
    await waitFor(() => reason !== undefined, 2000, 'the close reason');
    assert.match(reason!.message, /listenTcp setup callback failed: no database/);
    assert.equal(reason!.cause, original);
    await server.close();
  });

  it('works over a Unix domain socket by path', { skip: process.platform === 'win32' }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'jsonrpc-wire-'));
    try {
      const socketPath = path.join(dir, 'rpc.sock');
      const server = await listenTcp({ path: socketPath }, undefined, { dispatcher: methods(), framing: 'content-length' });
      assert.deepEqual(server.address, { path: socketPath });
      const client = await connectTcp<Methods>({ path: socketPath }, { framing: 'content-length' });
      assert.equal(await client.request('add', [20, 22]), 42);
      await client.close();
      await server.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface StdioMethods {
  add(a: number, b: number): number;
  log(text: string): string;
  hang(): never;
  exit(code: number): null;
  callBack(): string;
}

describe('child processes and stdio', () => {
  it('spawnConnection drives a connectStdio server; console.log goes to stderr, not the protocol', async () => {
    const stderr: string[] = [];
    const child = spawnConnection<StdioMethods>(process.execPath, [stdioServer], {
      framing: 'content-length',
      stderr: (text) => stderr.push(text),
      dispatcher: new Dispatcher().add('whoAreYou', () => 'the parent'),
    });
    assert.equal(await child.connection.request('add', [1, 2]), 3);
    assert.equal(await child.connection.request('log', ['a stray log line']), 'logged');
    assert.equal(await child.connection.request('callBack'), 'hello, the parent');
    await waitFor(() => stderr.join('').includes('a stray log line'), 2000, 'the log line on stderr');
    const exit = await child.close();
    assert.equal(exit.code, 0);
  });

  it("the child's exit rejects pending requests with its exit code; stderr can be captured", async () => {
    const child = spawnConnection<StdioMethods>(process.execPath, [stdioServer], {
      framing: 'content-length',
      stderr: 'capture',
    });
    const hanging = child.connection.request('hang');
    await child.connection.request('exit', [3]);
    await assert.rejects(hanging, (err: unknown) => {
      assert.ok(err instanceof ConnectionClosedError);
      assert.match(err.message, /exited with code 3/);
      assert.match(err.message, /bye/);
      return true;
    });
    assert.equal((await child.exited).code, 3);
    assert.match(child.stderrText(), /bye/);
    await child.close();
  });

  it('a child killed by a signal rejects pending requests naming the signal', { skip: process.platform === 'win32' }, async () => {
    const child = spawnConnection<StdioMethods>(process.execPath, [stdioServer], { stderr: 'ignore', framing: 'content-length' });
    assert.equal(await child.connection.request('add', [1, 1]), 2);
    const hanging = child.connection.request('hang');
    child.kill('SIGKILL');
    await assert.rejects(hanging, /killed by SIGKILL/);
    await child.close();
  });

  it('a command that cannot start closes the connection saying why', async () => {
    const child = spawnConnection('/nonexistent/definitely-not-here', [], { stderr: 'ignore' });
    const why = /the child process could not be started \(spawn \/nonexistent\/definitely-not-here ENOENT\)/;
    const isClosedSayingWhy = (err: unknown): boolean =>
      err instanceof ConnectionClosedError && why.test(err.message);
    await assert.rejects(child.connection.request('x'), isClosedSayingWhy);
    const exit = await child.exited;
    assert.ok(exit.error !== undefined);
    assert.match((await child.connection.closed).message, why);
    // Calls made later say the same, and so do notifications.
    await assert.rejects(child.connection.request('y'), isClosedSayingWhy);
    await assert.rejects(child.connection.notify('z'), isClosedSayingWhy);
    await child.close();
  });

  it('a command not on the PATH: every stderr mode gives the spawn error as the reason', async () => {
    for (const stderr of ['inherit', 'capture', 'ignore'] as const) {
      const child = spawnConnection('nonexistent-cmd-jsonrpc-wire', ['a'], { stderr });
      // Made after the failure is known but before the connection has closed.
      const late = child.exited.then(() => child.connection.request('x'));
      await assert.rejects(child.connection.request('x'), /could not be started \(spawn nonexistent-cmd-jsonrpc-wire ENOENT\)/);
      await assert.rejects(late, /could not be started \(spawn nonexistent-cmd-jsonrpc-wire ENOENT\)/);
      await child.close();
    }
  });

  it('close() ends stdin and the server exits by itself', async () => {
    const child = spawnConnection<StdioMethods>(process.execPath, [stdioServer], {
      framing: 'newline',
      env: { ...process.env, FRAMING: 'newline' },
    });
    assert.equal(await child.connection.request('add', [5, 5]), 10);
    const exit = await child.close();
    assert.equal(exit.code, 0);
    assert.equal(exit.signal, null);
  });
});
