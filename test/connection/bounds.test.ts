/**
 * A connection over transports that misbehave: channels and streams that ignore `pause()`, and a
 * transport that fails and then ends. Hand-written transports, so each test controls every event.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createConnection } from '../../src/connection/connection.js';
import { ConnectionClosedError } from '../../src/connection/errors.js';
import { DEFAULT_MAX_CONCURRENT_HANDLERS, DEFAULT_MAX_QUEUED_MESSAGES } from '../../src/protocol/options.js';
import type { ByteStreamTransport, MessageChannelTransport, TransportEvents } from '../../src/connection/transport.js';
import { delay, methods } from './behaviour.js';

/** A message channel that cannot pause (a MessagePort): `pause()` does nothing. */
class UnpausableChannel implements MessageChannelTransport {
  readonly kind = 'messages';
  events!: TransportEvents;
  readonly sent: string[] = [];
  pauses = 0;
  start(events: TransportEvents): void {
    this.events = events;
  }
  pause(): void {
    this.pauses++;
  }
  resume(): void {}
  send(json: string): boolean {
    this.sent.push(json);
    return true;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A byte stream that ignores `pause()`, and may say why the remote end went away. */
class UnpausableStream implements ByteStreamTransport {
  readonly kind = 'bytes';
  events!: TransportEvents;
  describeEnd?: () => Promise<string | undefined>;
  start(events: TransportEvents): void {
    this.events = events;
  }
  pause(): void {}
  resume(): void {}
  write(): boolean {
    return true;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const never = (): Promise<never> => new Promise<never>(() => {});

describe('a connection over transports that do not pause', () => {
  it('a channel flooded while handlers hang: 50,000 requests, at most the bounds held, the rest answered -32001 or dropped', async () => {
    const channel = new UnpausableChannel();
    const connection = createConnection(channel, { dispatcher: methods({ hang: never }) });
    let dropped = 0;
    connection.on('droppedNotification', () => dropped++);
    const n = 50_000;
    for (let id = 1; id <= n; id++) {
      channel.events.data(`{"jsonrpc":"2.0","id":${id},"method":"hang"}`);
      if (id % 10 === 0) channel.events.data('{"jsonrpc":"2.0","method":"hang"}');
    }
    await delay(0);
    assert.ok(channel.pauses > 0, 'the connection asked the channel to pause');
    const refused = channel.sent.map((text) => JSON.parse(text) as { id: number; error?: { code: number } });
    for (const answer of refused) assert.equal(answer.error?.code, -32001);
    // Running: maxConcurrentHandlers; held: maxQueuedMessages; the rest refused.
    const bound = DEFAULT_MAX_CONCURRENT_HANDLERS + DEFAULT_MAX_QUEUED_MESSAGES;
    const unanswered = n + n / 10 - refused.length - dropped;
    assert.ok(unanswered <= bound, `${unanswered} calls held or running`);
    assert.ok(refused.length >= n - bound, `${refused.length} refused`);
    assert.ok(dropped > 0, 'notifications past the bound are dropped');
    connection.destroy();
    await connection.closed;
  });

  it('a byte stream that ignores pause closes past maxQueuedBytes + maxMessageBytes held unparsed, saying why', async () => {
    const stream = new UnpausableStream();
    const connection = createConnection(stream, { maxConcurrentHandlers: 1, maxQueuedBytes: 10_000, maxMessageBytes: 10_000, dispatcher: methods({ hang: never }) });
    const chunk = `{"jsonrpc":"2.0","method":"hang","params":{"pad":"${'p'.repeat(1000)}"}}\n`;
    for (let i = 0; i < 1000 && connection.isOpen; i++) stream.events.data(chunk);
    const reason = await connection.closed;
    assert.ok(reason instanceof ConnectionClosedError);
    assert.match(reason.message, /^Input overflow: the transport delivered more than 20000 bytes of input while reading was paused/);
    await assert.rejects(connection.request('later'), (error: Error) => error.message === reason.message);
  });
});

describe('a transport that fails, then ends', () => {
  it("the failure's reason wins over the end's, while the failure is still being explained", async () => {
    const stream = new UnpausableStream();
    stream.describeEnd = async () => {
      await delay(5);
      return 'exit code 3';
    };
    const connection = createConnection(stream);
    const pending = connection.request('x');
    stream.events.error(Object.assign(new Error('boom'), { code: 'EBOOM' }));
    stream.events.end();
    const expected = /^The connection was lost \(EBOOM\): exit code 3$/;
    const error = await pending.then(() => undefined, (reason: unknown) => reason);
    assert.ok(error instanceof ConnectionClosedError);
    assert.match(error.message, expected);
    assert.match((await connection.closed).message, expected);
  });
});
