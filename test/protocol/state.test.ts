import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Change, PHASE_AFTER, idle, initialState, mayParse, mayStartHandler, update, type Phase } from '../../src/protocol/state.js';

const limits = { maxConcurrentHandlers: 2, maxQueuedMessages: 2, maxQueuedBytes: 100 };
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
  assert.equal(mayStartHandler(busy, limits), true, 'queued work may still start');
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
