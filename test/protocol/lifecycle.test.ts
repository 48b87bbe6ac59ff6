/**
 * Model-based: any interleaving of input, answers, cancels, blocked output and requests of ours,
 * then the end of input. Nothing is lost and nothing is doubled: every request received is
 * answered exactly once (a result, -32001, -32800 or -32600), and the engine then closes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtocolEngine } from '../../src/protocol/engine.js';
import type { ProtocolEvent } from '../../src/protocol/events.js';
import { lines, type Work } from './helpers.js';

const op = fc.oneof(
  fc.record({ t: fc.constant('requests' as const), n: fc.integer({ min: 1, max: 4 }), batch: fc.boolean() }),
  fc.record({ t: fc.constant('answer' as const), k: fc.nat() }),
  fc.record({ t: fc.constant('cancel' as const), k: fc.nat() }),
  fc.record({ t: fc.constant('block' as const), on: fc.boolean() }),
  fc.record({ t: fc.constant('ours' as const) }),
  fc.record({ t: fc.constant('response' as const) }),
);

test('every request received is answered exactly once, whatever happens before the input ends', () => {
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 30 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.constantFrom('lsp' as const, 'none' as const),
      (ops, maxConcurrentHandlers, maxQueuedMessages, conventions) => {
        const engine = new ProtocolEngine({ framing: 'newline', maxConcurrentHandlers, maxQueuedMessages, conventions });
        const written: string[] = [];
        const held: Work[] = [];
        const received: number[] = [];
        const ours: number[] = [];
        let nextId = 1;
        const take = (event: ProtocolEvent<unknown>): void => {
          if (event.kind === 'reply') written.push(event.text);
          if (event.kind === 'request' || event.kind === 'notification') held.push(event);
        };
        const pump = (): void => {
          for (let e = engine.next(); e !== undefined; e = engine.next()) take(e);
        };
        const answer = (work: Work): void => {
          const text = engine.respond(work, 'ok');
          if (text !== null) written.push(text);
        };
        for (const o of ops) {
          if (o.t === 'requests') {
            const calls = Array.from({ length: o.n }, () => ({ jsonrpc: '2.0', id: nextId++, method: 'm' }));
            received.push(...calls.map((c) => c.id));
            engine.receive(o.batch ? JSON.stringify(calls) + '\n' : calls.map((c) => JSON.stringify(c) + '\n').join(''));
          } else if (o.t === 'answer' && held.length > 0) {
            answer(held.splice(o.k % held.length, 1)[0]!);
          } else if (o.t === 'cancel' && received.length > 0) {
            engine.cancelIncoming(received[o.k % received.length]!);
          } else if (o.t === 'block') {
            engine.setWriteBlocked(o.on);
          } else if (o.t === 'ours' && engine.state.phase === 'open') {
            ours.push(engine.request('ours').id);
          } else if (o.t === 'response' && ours.length > 0) {
            engine.receive(JSON.stringify({ jsonrpc: '2.0', id: ours.shift(), result: 1 }) + '\n');
          }
          pump();
        }
        engine.end();
        engine.setWriteBlocked(false);
        pump();
        for (let guard = 0; held.length > 0 && guard < 10_000; guard++) {
          answer(held.shift()!);
          pump();
        }
        assert.equal(held.length, 0);
        assert.equal(engine.state.phase, 'closing');
        assert.equal(engine.state.running, 0);
        const answered = new Map<unknown, number>();
        for (const message of lines(written).flatMap((m) => (Array.isArray(m) ? m : [m])) as Array<{ id: unknown }>) {
          answered.set(message.id, (answered.get(message.id) ?? 0) + 1);
        }
        // Duplicates are impossible here (ids are unique), so no answer carries id null.
        assert.equal(answered.get(null), undefined);
        for (const id of received) assert.equal(answered.get(id), 1, `request ${id}: ${answered.get(id) ?? 0} answers`);
        assert.equal(answered.size, received.length);
      },
    ),
    { numRuns: 500 },
  );
});
