/** The `trace` option over a real socket: createConnection with StreamTransport, and connect(). */
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { test } from 'node:test';

import { createConnection } from '../../src/connection/connection.js';
import type { TraceEvent } from '../../src/connection/trace.js';
import { Dispatcher } from '../../src/dispatch/dispatcher.js';
import { connect } from '../../src/node-streams/index.js';
import { StreamTransport } from '../../src/node-streams/stream-transport.js';

test('over a TCP socket: what is traced is what the socket carried, both ways, in any chunking', { timeout: 30_000 }, async () => {
  const answer = '{"jsonrpc":"2.0","id":1,"result":"grüße"}';
  const framedAnswer = `Content-Length: ${Buffer.byteLength(answer)}\r\n\r\n${answer}`;
  let received = '';
  const server = net.createServer((socket) => {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      received += text;
      if (!received.endsWith('}')) return;
      // The answer in three writes, cut inside the header and inside a two-byte character.
      const bytes = Buffer.from(framedAnswer);
      const cut = bytes.indexOf('ü') + 1;
      socket.write(bytes.subarray(0, 7));
      setTimeout(() => socket.write(bytes.subarray(7, cut)), 5);
      setTimeout(() => socket.end(bytes.subarray(cut)), 10);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const traced: TraceEvent[] = [];
  const client = createConnection(new StreamTransport({ readable: socket, writable: socket }), {
    framing: 'content-length',
    trace: (event) => traced.push(event),
  });
  try {
    assert.equal(await client.request('hello', { to: 'wörld' }), 'grüße');
    const [out, back] = traced;
    assert.equal(received, `Content-Length: ${out!.bytes}\r\n\r\n${JSON.stringify(out!.message)}`);
    assert.deepEqual([out!.direction, out!.kind, out!.method], ['out', 'request', 'hello']);
    assert.deepEqual([back!.direction, back!.kind, back!.method, back!.bytes, back!.message], ['in', 'response', 'hello', Buffer.byteLength(answer), JSON.parse(answer)]);
    assert.ok(back!.latencyMs! >= 0);
  } finally {
    await client.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('connect() takes trace and redact too, and its calls are on diagnostics_channel', { timeout: 30_000 }, async () => {
  const spans: string[] = [];
  const record = (event: string) => (context: object) => spans.push(`${event} ${(context as { method: string }).method}`);
  const handle = diagnostics.tracingChannel('jsonrpc-wire:handle');
  const subscribers = { start: record('start'), end: record('end'), asyncStart: record('asyncStart'), asyncEnd: record('asyncEnd'), error: record('error') };
  handle.subscribe(subscribers);
  const server = net.createServer((socket) => {
    connect(socket, { dispatcher: new Dispatcher().add('sum', (a: number, b: number) => a + b) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const traced: TraceEvent[] = [];
  const client = connect(socket, { trace: (event) => traced.push(event), redact: (m) => ({ ...(m as object), hidden: true }) });
  try {
    assert.equal(await client.request('sum', [2, 3]), 5);
    assert.deepEqual(traced.map((e) => [e.direction, e.kind, e.method, (e.message as { hidden?: boolean }).hidden]), [
      ['out', 'request', 'sum', true],
      ['in', 'response', 'sum', true],
    ]);
    assert.deepEqual(spans, ['start sum', 'end sum', 'asyncStart sum', 'asyncEnd sum']);
  } finally {
    handle.unsubscribe(subscribers);
    await client.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
