/**
 * What the engine holds for a transport that does not pause when `mayRead` is false: a message
 * channel (a MessagePort, a browser WebSocket) or a badly behaved byte stream. Whatever arrives,
 * what is held stays within the queue's bounds; the excess is refused (a channel) or ends the
 * connection (a byte stream, which cannot refuse part of a frame).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../src/framing/types.js';
import type { ClosingEvent } from '../../src/protocol/events.js';
import { assertError, drain, engine, HOLD, kinds, lines, type Work } from './helpers.js';

const json = (value: unknown): string => JSON.stringify(value);
const request = (id: number, pad: number): string => json({ jsonrpc: '2.0', id, method: 'x'.repeat(pad + 1) });
const notification = (pad: number): string => json({ jsonrpc: '2.0', method: 'n'.repeat(pad + 1) });

type Step = { op: 'request' | 'notification'; pad: number } | { op: 'drain' } | { op: 'finish' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constantFrom('request' as const, 'notification' as const), pad: fc.integer({ min: 0, max: 200 }) }) },
  { weight: 2, arbitrary: fc.constant({ op: 'drain' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'finish' as const }) },
);

test('a channel that does not pause: what is held stays within the queue bounds, the excess is refused -32001 or dropped', () => {
  fc.assert(
    fc.property(
      fc.array(step, { maxLength: 120 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 50, max: 2000 }),
      (steps, maxConcurrentHandlers, maxQueuedMessages, maxQueuedBytes) => {
        const peer = engine({ framing: 'message', maxConcurrentHandlers, maxQueuedMessages, maxQueuedBytes });
        const running: Work[] = [];
        const answered = new Map<number, unknown>();
        let requests = 0;
        let notifications = 0;
        let handed = 0;
        let dropped = 0;
        const pump = (): void => {
          const { events, held, written } = drain(peer, () => HOLD);
          running.push(...held);
          handed += held.length;
          for (const event of events) if (event.kind === 'refused' && event.message.kind === 'notification') dropped++;
          for (const answer of lines(written.map((text) => text + '\n'))) answered.set((answer as { id: number }).id, answer);
        };
        for (const s of steps) {
          if (s.op === 'request') peer.receive(request(++requests, s.pad));
          else if (s.op === 'notification') (notifications++, peer.receive(notification(s.pad)));
          else if (s.op === 'drain') pump();
          else if (running.length > 0) peer.respond(running.shift()!, 'done');
          // The bounds hold in every state, drained or not.
          const { count, bytes } = peer.heldMessages;
          assert.equal(peer.state.queued, 0, 'nothing of ours waits: nothing is queued, only held');
          assert.ok(count <= maxQueuedMessages, `${count} messages held > ${maxQueuedMessages}`);
          assert.ok(count <= 1 || bytes <= maxQueuedBytes, `${count} messages held in ${bytes} bytes > ${maxQueuedBytes}`);
        }
        pump();
        // Every call is accounted for: handed to a handler, still held, or refused (its request answered -32001).
        for (const answer of answered.values()) assertError(answer, -32001);
        assert.equal(handed + peer.heldMessages.count + answered.size + dropped, requests + notifications);
      },
    ),
  );
});

test('a flood on a channel while every handler is busy: 50,000 requests, at most the bounds held, the rest answered -32001', () => {
  const peer = engine({ framing: 'message', maxConcurrentHandlers: 2 });
  for (let id = 1; id <= 50_000; id++) peer.receive(request(id, 0));
  peer.receive(notification(0));
  const { events, held, written } = drain(peer, () => HOLD);
  assert.equal(held.length, 2);
  const { count, bytes } = peer.heldMessages;
  assert.equal(count, 1024 - 2, 'maxQueuedMessages (default) were held; two of them run');
  assert.ok(bytes <= 4 * 1024 * 1024);
  assert.equal(written.length, 50_000 - 1024);
  const dropped = events.filter((e) => e.kind === 'refused' && e.reason === 'overloaded' && e.message.kind === 'notification');
  assert.equal(dropped.length, 1, 'the notification past the bound is dropped');
  const answers = lines(written.map((text) => text + '\n'));
  assertError(answers[0], -32001, 1025);
  assertError(answers.at(-1), -32001, 50_000);
  // Held messages run once slots free up, in order.
  write(peer, held[0]!);
  const next = drain(peer, () => HOLD);
  assert.deepEqual(kinds(next.events), ['request x 3']);
});

function write(peer: ReturnType<typeof engine>, work: Work): void {
  assert.notEqual(peer.respond(work, 'done'), null);
}

test('a channel past its bounds with the output blocked and unread: refusals stop at maxWriteQueueBytes and the engine closes', () => {
  const maxWriteQueueBytes = 2000;
  const peer = engine({ framing: 'message', maxQueuedMessages: 5, maxWriteQueueBytes });
  peer.setWriteBlocked(true);
  let replyBytes = 0;
  let closing: ClosingEvent<string> | undefined;
  for (let id = 1; id <= 1000 && closing === undefined; id++) {
    peer.receive(request(id, 0));
    for (const event of drain(peer, () => HOLD).events) {
      if (event.kind === 'reply') replyBytes += event.text.length;
      if (event.kind === 'closing') closing = event;
    }
  }
  assert.ok(closing !== undefined, 'the engine closed');
  assert.equal(closing.cause, 'input-overflow');
  assert.match(closing.detail ?? '', /^Input overflow: .*2000 bytes of answers/);
  assert.ok(replyBytes >= maxWriteQueueBytes && replyBytes < maxWriteQueueBytes + 200, `${replyBytes} bytes of answers`);
  assert.equal(peer.heldMessages.count, 0, 'what was held is let go');
});

test('a channel past its bounds still reads responses, cancels and batches (their calls refused inside the batch)', () => {
  const peer = engine({ framing: 'message', maxConcurrentHandlers: 1, maxQueuedMessages: 1, conventions: 'lsp' });
  const ours = peer.request('ours', undefined, 'token');
  peer.setWriteBlocked(true); // nothing starts; reading on for our response stops once the queue is full
  peer.receive(request(1, 0));
  peer.receive(request(2, 0));
  peer.receive(request(3, 0));
  peer.receive(json({ jsonrpc: '2.0', id: ours.id, result: 'answer' }));
  peer.receive(json([{ jsonrpc: '2.0', id: 4, method: 'a' }, { jsonrpc: '2.0', method: 'b' }]));
  const { events, written } = drain(peer, () => HOLD);
  assert.ok(kinds(events).includes(`response ours ${ours.id}`), kinds(events).join(', '));
  const batch = written.map((text) => JSON.parse(text) as unknown).find(Array.isArray) as unknown[];
  assert.equal(batch.length, 1);
  assertError(batch[0], -32001, 4);
});

test('a byte stream that does not pause: past maxQueuedBytes + maxMessageBytes held unparsed, the engine closes', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 100, max: 5000 }),
      fc.integer({ min: 100, max: 5000 }),
      (chunkSizes, maxQueuedBytes, maxMessageBytes) => {
        const peer = engine({ maxConcurrentHandlers: 1, maxQueuedBytes, maxMessageBytes });
        peer.receive('{"jsonrpc":"2.0","id":0,"method":"busy"}\n');
        assert.equal(drain(peer, () => HOLD).held.length, 1);
        assert.equal(peer.mayRead, false);
        const bound = maxQueuedBytes + maxMessageBytes;
        const chunks = chunkSizes.map((size) => new TextEncoder().encode(`{"jsonrpc":"2.0","method":"n","params":["${'p'.repeat(size)}"]}\n`));
        // The chunk that closes it: the first after the first that takes what is held past the bound.
        let expectedAt = -1;
        for (let i = 1, sum = chunks[0]!.byteLength; i < chunks.length && expectedAt < 0; i++) {
          sum += chunks[i]!.byteLength;
          if (sum > bound) expectedAt = i;
        }
        let closing: ClosingEvent<string> | undefined;
        let closedAt = -1;
        for (const [i, chunk] of chunks.entries()) {
          peer.receive(chunk);
          for (const event of drain(peer, () => HOLD).events) if (event.kind === 'closing') (closing = event), (closedAt = i);
          assert.ok(peer.bufferedBytes <= Math.max(bound, chunks[0]!.byteLength), `${peer.bufferedBytes} bytes held > ${bound}`);
          if (closing !== undefined) break;
        }
        assert.equal(closedAt, expectedAt);
        if (closing !== undefined) {
          assert.equal(closing.cause, 'input-overflow');
          assert.match(closing.detail ?? '', new RegExp(`^Input overflow: the transport delivered more than ${bound} bytes`));
          assert.equal(peer.bufferedBytes, 0);
        } else {
          assert.equal(peer.state.phase, 'open');
        }
      },
    ),
  );
});

test('a byte stream: one chunk larger than the bound is held alone (a pausing transport delivers one chunk after mayRead went false)', () => {
  const peer = engine({ maxConcurrentHandlers: 1, maxQueuedBytes: 100, maxMessageBytes: 100 });
  peer.receive('{"jsonrpc":"2.0","id":0,"method":"busy"}\n');
  const [busy] = drain(peer, () => HOLD).held;
  peer.receive('{"jsonrpc":"2.0","method":"n"}\n'.repeat(50));
  assert.equal(peer.state.phase, 'open');
  assert.ok(peer.bufferedBytes > 200);
  write(peer, busy!);
  assert.equal(drain(peer).events.filter((e) => e.kind === 'notification').length, 50);
  assert.equal(engine().maxUnparsedBytes, 4 * 1024 * 1024 + DEFAULT_MAX_MESSAGE_BYTES, 'the default bound, as the README states');
});
