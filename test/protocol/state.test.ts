import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Change, PHASE_AFTER, handlersHaveRoom, idle, initialState, mayParse, mayStartHandler, queueFull, update, type ConnectionState, type Phase } from '../../src/protocol/state.js';

const limits = { maxConcurrentHandlers: 2, maxConcurrentHandlerBytes: 1000, maxQueuedMessages: 2, maxQueuedBytes: 100, maxWriteQueueBytes: 1000 };
const order: Phase[] = ['open', 'inputEnded', 'closing', 'closed'];

test('the phase only moves forward along the table, and the first cause stays', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...Object.values(Change)), { maxLength: 40 }), (changes) => {
      const state = initialState();
      let rank = 0;
      let cause = state.endCause;
      for (const change of changes) {
        const before = state.phase;
        // Only finish what was started, as the engine does.
        if ((change === Change.Finished || change === Change.FinishedSequential) && state.running === 0) continue;
        if (change === Change.Unqueued && state.queued === 0) continue;
        if (change === Change.RequestSettled && state.pendingOutgoing === 0) continue;
        update(state, change, 10);
        const next = order.indexOf(state.phase);
        assert.ok(next >= rank, `${before} -> ${state.phase}`);
        if (next !== rank) {
          assert.ok(Object.values(PHASE_AFTER[before]).includes(state.phase) || before === 'open', `${before} -> ${state.phase} is not in the table`);
        }
        rank = next;
        if (cause !== undefined) assert.equal(state.endCause, cause);
        cause = state.endCause;
        assert.ok(state.running >= 0 && state.queued >= 0 && state.pendingOutgoing >= 0);
        if (state.phase === 'inputEnded') assert.ok(!idle(state), 'idle after the input ended means closing');
        if (state.phase !== 'open') assert.equal(mayParse(state, limits), false);
      }
    }),
  );
});

test('the input ending with nothing in flight closes at once; with work in flight, when the last work ends', () => {
  const empty = initialState();
  update(empty, Change.InputEnded);
  assert.equal(empty.phase, 'closing');
  assert.equal(empty.endCause, 'remote-ended');

  const busy = initialState();
  update(busy, Change.Started, 5);
  update(busy, Change.RequestSent);
  update(busy, Change.InputEnded, 0, 'remote-ended-mid-message');
  assert.equal(busy.phase, 'inputEnded');
  assert.equal(busy.pendingOutgoing, 0, 'no request of ours can be answered any more');
  assert.equal(mayStartHandler(busy, limits, 5), true, 'queued work may still start');
  update(busy, Change.Finished, 5);
  assert.equal(busy.phase, 'closing');
  assert.equal(busy.endCause, 'remote-ended-mid-message');
  update(busy, Change.Released);
  assert.equal(busy.phase, 'closed');
});

test('mayParse: the deadlock rule reads on while a request of ours waits, until queue full and output blocked', () => {
  const state = initialState();
  update(state, Change.Started, 1);
  update(state, Change.Started, 1);
  assert.equal(mayParse(state, limits), false, 'handlers saturated');
  update(state, Change.RequestSent);
  assert.equal(mayParse(state, limits), true, 'a response may be on its way');
  update(state, Change.Queued, 60);
  update(state, Change.Queued, 60);
  assert.equal(mayParse(state, limits), true, 'queue full, but refusals can be written');
  update(state, Change.WriteBlocked);
  assert.equal(mayParse(state, limits), false, 'queue full and output blocked');
  update(state, Change.Unqueued, 60);
  assert.equal(mayParse(state, limits), true, 'below both bounds again');
  update(state, Change.Queued, 100);
  assert.equal(state.queued, 2);
  update(state, Change.Unqueued, 60);
  assert.equal(mayParse(state, limits), false, 'one entry, but over the byte bound');
});

// The read gate's rules of the former Node connection (node-streams/read-gate.ts), as the engine keeps them.
describe('the read gate rules', () => {
  const gate = { maxConcurrentHandlers: 4, maxConcurrentHandlerBytes: 1000, maxQueuedMessages: 10, maxQueuedBytes: 1000, maxWriteQueueBytes: 500 };
  const at = (fields: Partial<ConnectionState>): ConnectionState => ({ ...initialState(), ...fields });

  it('reads when ready, not when saturated, queued, held by a sequential handler or blocked on drain', () => {
    assert.equal(mayParse(at({}), gate), true);
    assert.equal(mayParse(at({ running: 4 }), gate), false);
    assert.equal(mayParse(at({ queued: 1 }), gate), false);
    assert.equal(mayParse(at({ running: 1, sequentialRunning: true }), gate), false);
    assert.equal(mayParse(at({ writeBlocked: true }), gate), false);
    assert.equal(mayStartHandler(at({ running: 3 }), gate, 1), true);
    assert.equal(mayStartHandler(at({ writeBlocked: true }), gate, 1), false);
  });

  it('always reads while this side waits for responses (the deadlock rule)', () => {
    for (const fields of [{ running: 4 }, { queued: 100 }, { running: 1, sequentialRunning: true }, { writeBlocked: true }]) {
      assert.equal(mayParse(at({ ...fields, pendingOutgoing: 1 }), gate), true, JSON.stringify(fields));
    }
  });

  it('under the deadlock rule, pauses only when the output is blocked and a bound is reached', () => {
    const waiting = { running: 4, pendingOutgoing: 1 };
    const fullByCount = { ...waiting, queued: 10 };
    const fullByBytes = { ...waiting, queued: 2, queuedBytes: 1000 };
    assert.equal(mayParse(at(fullByCount), gate), true, 'refusals can still be written');
    assert.equal(mayParse(at(fullByBytes), gate), true);
    assert.equal(mayParse(at({ ...waiting, queued: 9, queuedBytes: 999, writeBlocked: true }), gate), true, 'the queue has room');
    assert.equal(mayParse(at({ ...fullByCount, writeBlocked: true }), gate), false);
    assert.equal(mayParse(at({ ...fullByBytes, writeBlocked: true }), gate), false);
    // Answers made while blocked count against the queue's bounds, and alone against maxWriteQueueBytes.
    assert.equal(mayParse(at({ ...waiting, queued: 5, writeBlocked: true, blockedReplies: 5 }), gate), false);
    assert.equal(mayParse(at({ ...waiting, writeBlocked: true, blockedReplies: 1, blockedReplyBytes: 499 }), gate), true);
    assert.equal(mayParse(at({ ...waiting, writeBlocked: true, blockedReplies: 1, blockedReplyBytes: 500 }), gate), false);
    // Until a bound is reached, the queue is not full.
    assert.equal(queueFull(at({ queued: 9, queuedBytes: 999 }), gate), false);
    assert.equal(queueFull(at({ queued: 10 }), gate), true);
    assert.equal(queueFull(at({ queued: 1, queuedBytes: 1000 }), gate), true);
  });
});

describe('the handler bounds, in count and in bytes', () => {
  const bounds = (maxConcurrentHandlers: number, maxConcurrentHandlerBytes: number) => ({ ...limits, maxConcurrentHandlers, maxConcurrentHandlerBytes });

  it('a message starts when it fits beside the running ones, or when nothing runs', () => {
    const state = initialState();
    const l = bounds(10, 100);
    assert.equal(mayStartHandler(state, l, 500), true, 'larger than the bound, alone');
    update(state, Change.Started, 60);
    assert.equal(mayStartHandler(state, l, 40), true, 'exactly at the bound');
    assert.equal(mayStartHandler(state, l, 41), false, 'past it');
    assert.equal(handlersHaveRoom(state, l), true, 'room for a smaller one');
    update(state, Change.Started, 40);
    assert.equal(handlersHaveRoom(state, l), false, 'the bound is reached');
    assert.equal(mayParse(state, l), false, 'so reading pauses');
    update(state, Change.Finished, 60);
    assert.equal(mayStartHandler(state, l, 60), true);
    assert.equal(mayStartHandler(state, l, 1, true), false, 'a sequential one waits for the rest');
  });

  it('property: the running bytes pass the bound only for one message alone, and a message is turned away only when it does not fit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.oneof(fc.integer({ min: 1, max: 1500 }), fc.constant(0)), { maxLength: 80 }),
        (maxCount, maxBytes, ops) => {
          const l = bounds(maxCount, maxBytes);
          const state = initialState();
          const running: number[] = [];
          for (const op of ops) {
            if (op === 0) {
              // 0: the oldest running handler ends.
              if (running.length > 0) update(state, Change.Finished, running.shift());
              continue;
            }
            const total = running.reduce((a, b) => a + b, 0);
            const fits = running.length === 0 || (running.length < maxCount && total + op <= maxBytes);
            assert.equal(mayStartHandler(state, l, op), fits, `${op} bytes beside ${running.length} handlers in ${total}`);
            if (fits) {
              update(state, Change.Started, op);
              running.push(op);
            }
            assert.equal(state.runningBytes, total + (fits ? op : 0));
            assert.ok(state.running <= maxCount);
            assert.ok(state.running === 1 || state.runningBytes <= maxBytes);
            assert.equal(handlersHaveRoom(state, l), state.running < maxCount && state.runningBytes < maxBytes);
          }
        },
      ),
    );
  });
});
