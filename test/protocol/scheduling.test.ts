import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertError, drain, engine, HOLD, kinds, lines, note, req, result, write } from './helpers.js';

test('with handlers busy and no request of ours waiting, nothing more is parsed and reading pauses', () => {
  const server = engine({ maxConcurrentHandlers: 2 });
  server.receive(req(1, 'a') + req(2, 'b') + req(3, 'c') + req(4, 'd'));
  const { held } = drain(server, () => HOLD);
  assert.equal(held.length, 2);
  assert.equal(server.state.queued, 0, 'the rest stays unparsed: no queue grows');
  assert.equal(server.mayRead, false);
  write([], server.respond(held[0]!, 1));
  assert.equal(drain(server, () => HOLD).held.length, 1);
});

test('the deadlock rule: while a request of ours waits, its response is read past queued work', () => {
  const peer = engine({ maxConcurrentHandlers: 1 });
  const ours = peer.request('callback', undefined, 'token');
  peer.receive(req(1, 'waits-for-callback') + req(2, 'queued') + result(ours.id, 'answer'));
  const { events, held } = drain(peer, () => HOLD);
  assert.deepEqual(kinds(events), ['request waits-for-callback 1', `response callback ${ours.id}`]);
  assert.equal(held.length, 1);
  assert.equal(peer.state.queued, 1);
  assert.equal(peer.state.pendingOutgoing, 0);
  // With nothing of ours pending, reading stops again until the queue drains.
  peer.receive(req(3, 'c'));
  assert.equal(peer.mayRead, false);
  write([], peer.respond(held[0]!, 'done'));
  assert.deepEqual(kinds(drain(peer).events), ['request queued 2', 'request c 3']);
});

test('past maxQueuedMessages, while reading on for responses, requests are answered -32001 and notifications dropped', () => {
  const peer = engine({ maxConcurrentHandlers: 1, maxQueuedMessages: 3 });
  peer.request('ours');
  let input = '';
  for (let i = 1; i <= 6; i++) input += req(i, 'r');
  input += note('n');
  peer.receive(input);
  const { events, written } = drain(peer, () => HOLD);
  assert.deepEqual(kinds(events), ['request r 1', 'refused overloaded', 'reply', 'refused overloaded', 'reply', 'refused overloaded']);
  assert.equal(peer.state.queued, 3);
  const answers = lines(written);
  assert.deepEqual(answers.map((a) => (a as { id: number }).id), [5, 6]);
  for (const a of answers) assertError(a, -32001);
});

test('the queue is bounded in bytes too (one message larger than the bound still queues alone)', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 25 }), fc.integer({ min: 50, max: 1000 }), (pads, maxQueuedBytes) => {
      const peer = engine({ maxConcurrentHandlers: 1, maxQueuedBytes });
      peer.request('ours');
      peer.receive(req(0, 'busy') + pads.map((pad, i) => req(i + 1, 'x'.repeat(pad))).join(''));
      const { events } = drain(peer, () => HOLD);
      const { queued, queuedBytes, running } = peer.state;
      assert.ok(queued <= 1 || queuedBytes <= maxQueuedBytes, `${queued} queued, ${queuedBytes} bytes > ${maxQueuedBytes}`);
      const refused = events.filter((e) => e.kind === 'refused').length;
      assert.equal(queued + running + refused, pads.length + 1, 'every request is running, queued or refused');
    }),
  );
});

test('with the queue full and the output blocked, parsing stops, so refusals cannot pile up', () => {
  const peer = engine({ maxConcurrentHandlers: 1, maxQueuedMessages: 2 });
  peer.request('ours');
  peer.setWriteBlocked(true);
  let input = '';
  for (let i = 1; i <= 10; i++) input += req(i, 'r');
  peer.receive(input);
  const { events } = drain(peer, () => HOLD);
  assert.deepEqual(kinds(events), [], 'write blocked: no handler starts');
  assert.equal(peer.state.queued, 2);
  assert.equal(peer.mayRead, false);
  peer.setWriteBlocked(false);
  const after = drain(peer, () => HOLD);
  assert.equal(after.held.length, 1, 'a handler starts once the output drains');
  assert.ok(after.events.some((e) => e.kind === 'refused'), 'and refusals resume');
});

test('write blocked: no handler starts and reading pauses, until it drains', () => {
  const server = engine();
  server.setWriteBlocked(true);
  server.receive(req(1, 'a'));
  assert.deepEqual(drain(server).events, []);
  assert.equal(server.mayRead, false);
  assert.equal(server.mayStartHandler, false);
  server.setWriteBlocked(false);
  assert.deepEqual(kinds(drain(server).events), ['request a 1']);
  assert.equal(server.mayRead, true);
});

test('a sequential method waits for the handlers before it and holds the ones after it', () => {
  const server = engine({ sequential: ['edit'] });
  server.receive(req(1, 'read') + req(2, 'edit') + req(3, 'read'));
  const first = drain(server, () => HOLD);
  assert.deepEqual(kinds(first.events), ['request read 1']);
  write([], server.respond(first.held[0]!, 1));
  const second = drain(server, () => HOLD);
  assert.deepEqual(kinds(second.events), ['request edit 2'], 'edit runs alone');
  assert.equal(server.state.sequentialRunning, true);
  write([], server.respond(second.held[0]!, 2));
  assert.deepEqual(kinds(drain(server).events), ['request read 3']);
});

test('a sequential predicate that throws (or returns a promise) fails that message only: handed out with its failure, not alone', () => {
  const thrown = new Error('predicate broke');
  const server = engine({
    sequential: (method) => {
      if (method === 'bad') throw thrown;
      // (Its rejection must be handled by the engine: the test runner fails on an unhandled one.)
      if (method === 'async') return Promise.reject(new Error('later')) as never;
      return false;
    },
    maxConcurrentHandlers: 4,
  });
  server.receive(req(1, 'a') + req(2, 'bad') + req(3, 'async') + req(4, 'c'));
  const { events } = drain(server, () => HOLD);
  assert.deepEqual(kinds(events), ['request a 1', 'request bad 2', 'request async 3', 'request c 4'], 'nothing runs alone, nothing waits');
  const failures = events.map((e) => (e.kind === 'request' ? e.sequentialFailure : undefined));
  assert.equal(failures[0], undefined);
  assert.equal(failures[1]?.error, thrown);
  assert.match(String(failures[2]?.error), /returned a promise for 'async'/);
  assert.equal(failures[3], undefined);
  assert.equal(server.state.sequentialRunning, false);
});

test('options are checked', () => {
  for (const bad of [0, -1, 1.5, NaN]) {
    assert.throws(() => engine({ maxConcurrentHandlers: bad }), RangeError);
    assert.throws(() => engine({ maxQueuedBytes: bad }), RangeError);
  }
  assert.throws(() => engine({ framing: 'xml' as 'newline' }), TypeError);
  assert.doesNotThrow(() => engine({ maxQueuedMessages: Infinity }));
});

test('a large chunk is parsed a slice at a time: what cannot be handled yet stays unparsed', () => {
  const server = engine({ maxConcurrentHandlers: 1 });
  let input = '';
  while (input.length < 1024 * 1024) input += req(input.length, 'm', ['x'.repeat(100)]);
  server.receive(input);
  const { held } = drain(server, () => HOLD);
  assert.equal(held.length, 1);
  assert.ok(server.bufferedBytes > input.length - 32 * 1024, `${server.bufferedBytes} bytes held unparsed`);
});

test('answers to invalid input made while the output is blocked count against the queue bounds', () => {
  const peer = engine({ maxQueuedMessages: 4 });
  peer.request('ours'); // reading on for its response
  peer.setWriteBlocked(true);
  peer.receive('{not json}\n'.repeat(100));
  const { written } = drain(peer);
  assert.equal(written.length, 4, 'then reading stops');
  assert.equal(peer.mayRead, false);
  peer.setWriteBlocked(false);
  assert.equal(drain(peer).written.length, 96, 'the rest once it drained');
});

test("queued work is charged its JSON text's length, however the input is cut (every framing, any text)", () => {
  const encoder = new TextEncoder();
  fc.assert(
    fc.property(
      fc.constantFrom('newline' as const, 'content-length' as const, 'json-stream' as const),
      fc.array(fc.string({ unit: 'grapheme', maxLength: 200 }), { minLength: 1, maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 10 }),
      (framing, texts, cuts) => {
        const peer = engine({ framing }); // only to frame the input as a peer would
        const busy = peer.request('busy').text;
        const framed = texts.map((text, i) => peer.request('work', [text, i]).text);
        const server = engine({ framing, maxConcurrentHandlers: 1 });
        server.request('ours'); // the deadlock rule: everything read is queued behind the busy slot
        server.receive(busy);
        assert.equal(drain(server, () => HOLD).held.length, 1);
        const all = encoder.encode(framed.join(''));
        for (let from = 0, i = 0; from < all.byteLength; i++) {
          const to = Math.min(all.byteLength, from + cuts[i % cuts.length]!);
          server.receive(all.subarray(from, to));
          from = to;
        }
        drain(server, () => HOLD);
        const { queued, queuedBytes } = server.state;
        assert.equal(queued, framed.length);
        // The JSON text of each frame: without its newline, or its Content-Length header.
        const json = framed.map((f) => (framing === 'newline' ? f.slice(0, -1) : framing === 'content-length' ? f.slice(f.indexOf('\r\n\r\n') + 4) : f));
        assert.equal(queuedBytes, json.reduce((n, j) => n + j.length, 0));
      },
    ),
    { numRuns: 200 },
  );
});
