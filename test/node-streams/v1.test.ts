/**
 * Connections with `version`: interop with jayson's JSON-RPC 1.0 client and server (`version: 1`)
 * over TCP in both roles (connect(), connectTcp, listenTcp), and 'both' serving 1.0 and 2.0 clients
 * on one socket.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';

import jayson from 'jayson';

import { Dispatcher } from '../../src/dispatch/index.js';
import { JsonRpcApplicationError } from '../../src/parser/errors.js';
import { connect, connectTcp, listenTcp } from '../../src/node-streams/index.js';
import type { TraceEvent } from '../../src/connection/index.js';
import { waitFor } from './helpers.js';

type Callback = (error: unknown, result?: unknown) => void;

const dispatcher = new Dispatcher()
  .add('add', (a: number, b: number) => a + b)
  .add('fail', () => {
    throw new JsonRpcApplicationError(7, 'nope');
  });

function jaysonCall(client: jayson.Client, method: string, params: unknown[]): Promise<{ error: unknown; result: unknown }> {
  return new Promise((resolve, reject) => {
    client.request(method, params, (err: unknown, error: unknown, result: unknown) => (err ? reject(err as Error) : resolve({ error, result })));
  });
}

async function jaysonServer(methods: Record<string, (args: unknown[], callback: Callback) => void>): Promise<{ port: number; close: () => Promise<void> }> {
  const tcp = new jayson.Server(methods, { version: 1 }).tcp();
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  return { port: (tcp.address() as net.AddressInfo).port, close: () => new Promise((resolve) => tcp.close(() => resolve())) };
}

describe("version '1.0' with jayson (version: 1) over TCP", () => {
  for (const version of ['1.0', 'both'] as const) {
    it(`jayson's 1.0 client against listenTcp({ version: '${version}' })`, async () => {
      const server = await listenTcp({ host: '127.0.0.1', port: 0 }, undefined, { dispatcher, version });
      const { port } = server.address as { port: number };
      const client = jayson.Client.tcp({ host: '127.0.0.1', port, version: 1 });
      try {
        assert.deepEqual(await jaysonCall(client, 'add', [2, 3]), { error: null, result: 5 });
        const failed = await jaysonCall(client, 'fail', []);
        assert.deepEqual([failed.result, (failed.error as { code: number }).code], [null, 7]);
        assert.equal(((await jaysonCall(client, 'missing', [])).error as { code: number }).code, -32601);
        const many = await Promise.all(Array.from({ length: 50 }, (_, i) => jaysonCall(client, 'add', [i, 1])));
        assert.deepEqual(many.map((r) => r.result), Array.from({ length: 50 }, (_, i) => i + 1));
      } finally {
        await server.close();
      }
    });
  }

  it("connectTcp({ version: '1.0' }) against jayson's 1.0 server: requests, errors, notifications (id null)", async () => {
    const notes: unknown[] = [];
    const remote = await jaysonServer({
      add: (args, callback) => callback(null, (args[0] as number) + (args[1] as number)),
      fail: (_args, callback) => callback({ code: 7, message: 'nope' }),
      note: (args, callback) => {
        notes.push(args);
        callback(null);
      },
    });
    const traced: TraceEvent[] = [];
    const client = await connectTcp({ host: '127.0.0.1', port: remote.port }, { version: '1.0', trace: (event) => traced.push(event) });
    try {
      assert.equal(await client.request('add', [40, 2]), 42);
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => client.request('add', [i, i])));
      assert.deepEqual(results, Array.from({ length: 100 }, (_, i) => 2 * i));
      await assert.rejects(client.request('fail', []), (err: unknown) => (err as { code?: number }).code === 7);
      await assert.rejects(client.request('add', { a: 1 }), /positional params only/);
      await client.notify('note', ['hello']);
      await waitFor(() => notes.length === 1, 10_000, 'the notification');
      assert.deepEqual(notes, [['hello']]);
      // The trace reads 1.0 as what it is: no message is 'invalid'.
      assert.deepEqual(traced.filter((event) => event.kind === 'invalid'), []);
      assert.ok(traced.some((event) => event.direction === 'in' && event.kind === 'response'));
    } finally {
      await client.close();
      await remote.close();
    }
  });

  it("connect(socket, { version: '1.0' }) against jayson's 1.0 server; a batch is refused at once (1.0 has none)", async () => {
    const remote = await jaysonServer({ add: (args, callback) => callback(null, (args[0] as number) + (args[1] as number)) });
    const socket = net.createConnection({ host: '127.0.0.1', port: remote.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const client = connect(socket, { version: '1.0', dispatcher });
    try {
      assert.equal(await client.request('add', [1, 2]), 3);
      await assert.rejects(Promise.all(client.batch([{ method: 'add', params: [1, 2] }])), /no batches/);
    } finally {
      await client.close();
      await remote.close();
    }
  });
});

describe("version 'both' on a connection", () => {
  it('one stream mixing 1.0 and 2.0 requests (and a 2.0 batch) is answered message by message in its own version', async () => {
    const server = await listenTcp({ host: '127.0.0.1', port: 0 }, undefined, { dispatcher, version: 'both' });
    const { port } = server.address as { port: number };
    const socket = net.createConnection({ host: '127.0.0.1', port });
    try {
      const lines = [
        '{"method":"add","params":[1,2],"id":1}',
        '{"jsonrpc":"2.0","method":"add","params":[3,4],"id":2}',
        '{"method":"add","params":[5,6],"id":null}',
        '[{"jsonrpc":"2.0","method":"add","params":[7,8],"id":3},{"method":"add","params":[9,9],"id":4}]',
        '{"method":"fail","params":[],"id":5}',
      ];
      socket.write(lines.map((line) => `${line}\n`).join(''));
      let received = '';
      socket.setEncoding('utf8');
      for await (const chunk of socket) {
        received += chunk as string;
        if (received.split('\n').length > 4) break;
      }
      const answers = received.trim().split('\n').map((line) => JSON.parse(line) as unknown);
      assert.deepEqual(answers.slice(0, 2), [
        { result: 3, error: null, id: 1 },
        { jsonrpc: '2.0', id: 2, result: 7 },
      ]);
      const batch = answers[2] as { id: number }[];
      assert.deepEqual(batch.find((entry) => entry.id === 3), { jsonrpc: '2.0', id: 3, result: 15 });
      assert.equal((batch.find((entry) => entry.id === 4) as unknown as { error: { code: number } }).error.code, -32600);
      assert.deepEqual(answers[3], { result: null, error: { code: 7, message: 'nope' }, id: 5 });
    } finally {
      socket.destroy();
      await server.close();
    }
  });

  it("'both' calls out in 2.0 (jayson's 2.0 server), and a bad version is a RangeError at once", async () => {
    const tcp = new jayson.Server({ add: (args: [number, number], callback: Callback) => callback(null, args[0] + args[1]) }).tcp();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const client = await connectTcp({ host: '127.0.0.1', port: (tcp.address() as net.AddressInfo).port }, { version: 'both' });
    try {
      assert.equal(await client.request('add', [2, 2]), 4);
    } finally {
      await client.close();
      await new Promise((resolve) => tcp.close(resolve));
    }
    const socket = new net.Socket();
    assert.throws(() => connect(socket, { version: '1' as never }), /version must be '2.0', '1.0' or 'both'/);
    socket.destroy();
  });
});
