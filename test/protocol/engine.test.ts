import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertError, drain, engine, HOLD, kinds, lines, note, req, result, write } from './helpers.js';

test('a response is matched to the request it answers, with its method and token', () => {
  const client = engine();
  const first = client.request('add', [1, 2], 'first token');
  const second = client.request('greet', { name: 'Zoë' }, 'second token');
  assert.equal(client.state.pendingOutgoing, 2);
  assert.deepEqual(lines([first.text, second.text]), [
    { jsonrpc: '2.0', id: first.id, method: 'add', params: [1, 2] },
    { jsonrpc: '2.0', id: second.id, method: 'greet', params: { name: 'Zoë' } },
  ]);

  client.receive(result(second.id, 'hi') + JSON.stringify({ jsonrpc: '2.0', id: first.id, error: { code: 1, message: 'no' } }) + '\n');
  const { events, written } = drain(client);
  assert.deepEqual(written, []);
  assert.equal(events.length, 2);
  const [a, b] = events;
  assert.ok(a?.kind === 'response' && b?.kind === 'response');
  assert.equal(a.request.token, 'second token');
  assert.equal(a.request.method, 'greet');
  assert.deepEqual(a.response, { kind: 'response', id: second.id, isSuccess: true, result: 'hi' });
  assert.equal(b.request.token, 'first token');
  assert.equal(b.request.method, 'add');
  assert.equal(client.state.pendingOutgoing, 0);
});

test('a response no request waits for is reported as unknown, and answered by nobody', () => {
  const client = engine();
  const { id } = client.request('x');
  client.receive(result(id + 1, 1) + result('1', 1) + result(id, 1) + result(id, 2));
  const { events, written } = drain(client);
  assert.deepEqual(kinds(events), [`unknownResponse ${id + 1}`, 'unknownResponse "1"', `response x ${id}`, `unknownResponse ${id}`]);
  assert.deepEqual(written, []);
});

test('a request is handed out and answered; a notification is handed out and never answered', () => {
  const server = engine();
  server.receive(req(1, 'add', [1, 2]) + note('log', ['line']));
  const { events, written } = drain(server, (w) => (w.kind === 'request' ? 3 : 'ignored'));
  assert.deepEqual(kinds(events), ['request add 1', 'notification log']);
  assert.deepEqual(lines(written), [{ jsonrpc: '2.0', id: 1, result: 3 }]);
  assert.equal(server.state.running, 0);
});

test('a duplicate of an id in flight is answered -32600 with id null and never run; the first is answered once', () => {
  const server = engine();
  server.receive(req(5, 'slow') + req(5, 'again') + req('5', 'other'));
  const { events, written, held } = drain(server, () => HOLD);
  assert.deepEqual(kinds(events), ['request slow 5', 'refused duplicate-id', 'reply', 'request other "5"']);
  assert.equal(held.length, 2);
  const [reply] = lines(written);
  assertError(reply, -32600, null);
  assert.match(JSON.stringify(reply), /already in use/);

  const answers = [server.respond(held[0]!, 'done'), server.respond(held[0]!, 'twice')];
  assert.deepEqual(lines(answers.filter((a): a is string => a !== null)), [{ jsonrpc: '2.0', id: 5, result: 'done' }]);
  // Answered, the id may be used again.
  server.receive(req(5, 'later'));
  assert.deepEqual(kinds(drain(server).events), ['request later 5']);
});

test('duplicate ids are refused whether the first is running, queued or the last one handed out', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 3 }), (ids, max) => {
      const server = engine({ maxConcurrentHandlers: max });
      server.request('keep reading'); // a request of ours waits: later requests queue instead of pausing
      server.receive(ids.map((id) => req(id, 'm')).join(''));
      const inFlight = new Set<number>();
      const { events } = drain(server, () => HOLD);
      // Every id handed out or queued is unique among the unanswered; the rest are refused.
      let refused = 0;
      for (const id of ids) {
        if (inFlight.has(id)) refused++;
        else inFlight.add(id);
      }
      assert.equal(events.filter((e) => e.kind === 'refused').length, refused);
      assert.equal(server.state.running + server.state.queued, inFlight.size);
    }),
  );
});

const malformedResponses = fc.oneof(
  fc.record({ jsonrpc: fc.constant('2.0'), error: fc.record({ code: fc.string(), message: fc.string() }) }),
  fc.record({ jsonrpc: fc.constant('2.0'), result: fc.jsonValue(), error: fc.oneof(fc.constant(null), fc.record({ code: fc.integer(), message: fc.string() })) }),
  fc.record({ jsonrpc: fc.constantFrom('1.0', 2, null), result: fc.jsonValue() }),
  fc.record({ jsonrpc: fc.constant('2.0'), error: fc.oneof(fc.string(), fc.constant(null), fc.record({ code: fc.double().filter((n) => !Number.isInteger(n)), message: fc.constant('m') })) }),
);

test('a malformed response is never answered; one with a pending id rejects that request', () => {
  fc.assert(
    fc.property(malformedResponses, fc.boolean(), fc.boolean(), (shape, withPendingId, inBatch) => {
      const client = engine();
      const { id } = client.request('call', undefined, 'token');
      const value = withPendingId ? { ...shape, id } : { ...shape, id: 999 };
      client.receive(JSON.stringify(inBatch ? [value] : value) + '\n');
      const { events, written } = drain(client);
      assert.deepEqual(written, [], 'never answered');
      assert.deepEqual(kinds(events), [`invalidResponse ${withPendingId ? id : 999} ${withPendingId ? 'matched' : 'unmatched'}`]);
      const event = events[0]!;
      assert.ok(event.kind === 'invalidResponse');
      assert.ok(event.message.problem.length > 10);
      assert.equal(event.request?.token, withPendingId ? 'token' : undefined);
      assert.equal(client.state.pendingOutgoing, withPendingId ? 0 : 1);
    }),
  );
});

test('the jayson 1.0 answer {"id":7,"error":null,"result":3} settles request 7 as invalid and is not answered', () => {
  const client = engine();
  for (let i = 0; i < 6; i++) client.request('warm up');
  const { id } = client.request('add');
  assert.equal(id, 7);
  client.receive('{"id":7,"error":null,"result":3}\n');
  const { events, written } = drain(client);
  assert.deepEqual(kinds(events), ['invalidResponse 7 matched']);
  assert.deepEqual(written, []);
});

test('invalid JSON and invalid requests are answered; garbage (another protocol) is not', () => {
  const server = engine({ framing: 'content-length' });
  server.receive('Content-Length: 3\r\n\r\n{x}' + 'Content-Length: 13\r\n\r\n{"jsonrpc":1}' + 'hello, stray log line\r\n\r\n');
  server.end();
  const { events, written } = drain(server);
  const invalid = events.filter((e) => e.kind === 'invalid');
  assert.equal(invalid.length, 3);
  const problem = (invalid[2] as { message: { error: { data: { problem: string } } } }).message.error.data.problem;
  assert.equal(problem, 'garbage');
  assert.equal(written.length, 2);
  assert.match(written[0]!, /-32700/);
  assert.match(written[1]!, /-32600/);
});

test('a result with no JSON form throws from respond() and changes nothing; respondError() answers', () => {
  const server = engine();
  server.receive(req(1, 'big'));
  const { held } = drain(server, () => HOLD);
  const work = held[0]!;
  assert.throws(() => server.respond(work, 10n), TypeError);
  assert.throws(() => server.respond(work, () => 1), TypeError);
  assert.equal(server.state.running, 1);
  const text = server.respondError(work, { code: -32603, message: 'Internal error', data: { big: 10n } });
  assertError(lines([text!])[0], -32603, 1);
  assert.equal(server.state.running, 0);
  assert.equal(server.respondError(work, { code: 1, message: 'again' }), null, 'answered once');
});

test('end of input with work in flight: pending requests end, held work is still answered, then closing', () => {
  const server = engine();
  const ours = server.request('ours', undefined, 'ours');
  server.receive(req(1, 'slow'));
  server.end();
  const first = drain(server, () => HOLD);
  assert.deepEqual(kinds(first.events), ['request slow 1', 'inputEnded']);
  const ended = first.events[1]!;
  assert.ok(ended.kind === 'inputEnded');
  assert.equal(ended.cause, 'remote-ended');
  assert.deepEqual(ended.unanswered.map((r) => r.id), [ours.id]);
  assert.equal(server.state.phase, 'inputEnded');
  assert.throws(() => server.request('more'), /inputEnded/);
  assert.ok(server.notify('still', {}).length > 0, 'notifications may still go out');

  const answer = server.respond(first.held[0]!, 'ok');
  assert.deepEqual(lines([answer!]), [{ jsonrpc: '2.0', id: 1, result: 'ok' }]);
  assert.equal(server.state.phase, 'closing');
  const last = drain(server);
  assert.deepEqual(kinds(last.events), ['closing']);
  assert.ok(last.events[0]?.kind === 'closing' && last.events[0].cause === 'remote-ended');
  server.released();
  assert.equal(server.state.phase, 'closed');
});

test('end of input is not end of work: input held behind busy handlers is still read and answered', () => {
  const server = engine({ maxConcurrentHandlers: 1 });
  server.receive(req(1, 'a') + req(2, 'b') + req(3, 'c'));
  server.end();
  const written: string[] = [];
  let round = drain(server, () => HOLD);
  const seen = [...round.events];
  while (round.held.length > 0) {
    for (const work of round.held) write(written, server.respond(work, work.method));
    round = drain(server, () => HOLD);
    seen.push(...round.events);
  }
  assert.deepEqual(kinds(seen), ['request a 1', 'request b 2', 'request c 3', 'inputEnded', 'closing']);
  assert.deepEqual(lines(written).map((m) => (m as { id: number }).id), [1, 2, 3]);
});

test('input cut mid-message: the fragment is reported, not answered, and the cause says so', () => {
  const server = engine();
  server.receive('{"jsonrpc":"2.0","id":1,"met');
  server.end();
  const { events, written } = drain(server);
  assert.deepEqual(kinds(events), ['invalid -32700', 'inputEnded', 'closing']);
  assert.deepEqual(written, []);
  assert.equal(server.state.endCause, 'remote-ended-mid-message');
});

test('close() hands back what was in flight; afterwards nothing runs, is answered or sent', () => {
  const server = engine();
  const ours = server.request('ours', undefined, 'token');
  server.receive(req(1, 'slow') + req(2, 'queued-behind-nothing'));
  const { held } = drain(server, () => HOLD);
  assert.equal(held.length, 2);
  server.receive(req(3, 'never'));
  server.close();
  const { events } = drain(server);
  assert.deepEqual(kinds(events), ['closing']);
  const closing = events[0]!;
  assert.ok(closing.kind === 'closing');
  assert.equal(closing.cause, 'closed-locally');
  assert.deepEqual(closing.unanswered.map((r) => r.token), ['token']);
  assert.deepEqual(closing.abandoned.map((w) => w.id).sort(), [1, 2]);
  assert.equal(server.respond(held[0]!, 'late'), null);
  assert.throws(() => server.request('x'), /closing/);
  assert.throws(() => server.notify('x'), /closing/);
  assert.equal(server.cancel(ours.id), null);
  server.close('write-failed');
  assert.equal(server.state.endCause, 'closed-locally', 'the first cause stays');
});

test("'message' framing: one receive() is one message, and what goes out is not framed", () => {
  const server = engine({ framing: 'message' });
  server.receive('{"jsonrpc":"2.0","id":1,"method":"a"}');
  server.receive(new TextEncoder().encode('{"jsonrpc":"2.0","id":2,"method":"b"}'));
  server.receive(new Uint8Array([0xff, 0xfe]));
  const { events, written } = drain(server);
  assert.deepEqual(kinds(events), ['request a 1', 'request b 2', 'invalid -32700', 'reply']);
  assert.deepEqual(written.slice(0, 2), ['{"jsonrpc":"2.0","id":1,"result":"a"}', '{"jsonrpc":"2.0","id":2,"result":"b"}']);
  assert.equal(server.notify('n'), '{"jsonrpc":"2.0","method":"n"}');
});

test('framed text encodes to the framed bytes', () => {
  const server = engine({ framing: 'content-length' });
  const text = server.notify('é', ['😀']);
  const bytes = server.encode(text);
  assert.equal(new TextDecoder().decode(bytes), text);
  assert.match(text, new RegExp(`^Content-Length: ${bytes.byteLength - text.indexOf('{') - (bytes.byteLength - new TextEncoder().encode(text).byteLength)}`));
});

test('end of input with work queued behind a busy handler: the queued work still runs and is answered', () => {
  const server = engine({ maxConcurrentHandlers: 1 });
  server.request('ours'); // reads on past the busy handler: the second request is queued
  server.receive(req(1, 'a') + req(2, 'b'));
  server.end();
  const first = drain(server, () => HOLD);
  assert.deepEqual(kinds(first.events), ['request a 1', 'inputEnded']);
  assert.equal(server.state.queued, 1);
  const written: string[] = [];
  write(written, server.respond(first.held[0]!, 'a done'));
  const second = drain(server, () => HOLD);
  assert.deepEqual(kinds(second.events), ['request b 2']);
  assert.equal(server.state.phase, 'inputEnded');
  write(written, server.respond(second.held[0]!, 'b done'));
  assert.deepEqual(kinds(drain(server).events), ['closing']);
  assert.deepEqual(lines(written).map((m) => (m as { id: number }).id), [1, 2]);
});
