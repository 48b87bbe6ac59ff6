import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertError, drain, engine, HOLD, kinds, lines, write } from './helpers.js';

const call = (id: number, method = 'm'): object => ({ jsonrpc: '2.0', id, method });
const notice = (method = 'n'): object => ({ jsonrpc: '2.0', method });

test('a mixed batch: requests run, the invalid entry is answered inside it, responses settle, one array comes back', () => {
  const peer = engine();
  const ours = peer.request('ours', undefined, 'token');
  peer.receive(JSON.stringify([call(1, 'a'), notice(), 1, { jsonrpc: '2.0', id: ours.id, result: 'r' }, call(2, 'b')]) + '\n');
  const { events, written } = drain(peer, (w) => `did ${w.method}`);
  assert.deepEqual(kinds(events), ['invalid -32600', `response ours ${ours.id}`, 'request a 1', 'notification n', 'request b 2', ]);
  assert.equal(written.length, 1, 'one response for the batch');
  const [batch] = lines(written) as unknown[][];
  assert.ok(Array.isArray(batch));
  assert.equal(batch.length, 3);
  // In the batch's order (the invalid entry was third, between the two requests' answers).
  assert.deepEqual(
    batch.map((m) => (m as { id: unknown }).id),
    [1, null, 2],
  );
  assertError(batch[1], -32600, null);
});

test('batch entries answered in any order give one response holding every answer in the batch order, sent with the last', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }).chain((n) => fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }))), ([n, order]) => {
      const server = engine();
      server.receive(JSON.stringify([...Array(n).keys()].map((i) => call(i + 1))) + '\n');
      const { held, written } = drain(server, () => HOLD);
      assert.equal(held.length, n);
      assert.deepEqual(written, []);
      const texts: string[] = [];
      for (const [k, i] of order.entries()) {
        const text = server.respond(held[i]!, i);
        if (k < n - 1) assert.equal(text, null, 'nothing until the batch is complete');
        write(texts, text);
      }
      const [batch] = lines(texts) as Array<Array<{ id: number; result: number }>>;
      assert.deepEqual(batch!.map((m) => m.id), [...Array(n).keys()].map((i) => i + 1));
      for (const m of batch!) assert.equal(m.result, m.id - 1);
    }),
  );
});

test('a batch of only notifications gets no response at all; nor does a batch of only responses', () => {
  const peer = engine();
  const a = peer.request('a');
  const b = peer.request('b');
  peer.receive(JSON.stringify([notice('x'), notice('y')]) + '\n');
  peer.receive(JSON.stringify([{ jsonrpc: '2.0', id: a.id, result: 1 }, { jsonrpc: '2.0', id: b.id, error: { code: 1, message: 'e' } }]) + '\n');
  const { events, written } = drain(peer);
  assert.deepEqual(kinds(events), ['notification x', 'notification y', `response a ${a.id}`, `response b ${b.id}`]);
  assert.deepEqual(written, []);
});

test('[] is one -32600 object; [1] is an array with one -32600; invalid JSON in a batch is one -32700', () => {
  const server = engine();
  server.receive('[]\n[1]\n[{"jsonrpc":"2.0","method":"a"},{\n');
  const { written } = drain(server);
  const [empty, one, broken] = lines(written);
  assertError(empty, -32600, null);
  assert.ok(Array.isArray(one) && one.length === 1);
  assertError((one as unknown[])[0], -32600, null);
  assertError(broken, -32700, null);
});

test('a malformed response inside a batch is never answered, and rejects the request it names', () => {
  const peer = engine();
  const { id } = peer.request('a', undefined, 'token');
  peer.receive(JSON.stringify([{ jsonrpc: '2.0', id, result: 1, error: null }, call(9, 'b')]) + '\n');
  const { events, written } = drain(peer);
  assert.deepEqual(kinds(events), [`invalidResponse ${id} matched`, 'request b 9']);
  const [batch] = lines(written) as unknown[][];
  assert.deepEqual(batch!.map((m) => (m as { id: unknown }).id), [9], 'only the request is answered');
});

test('batch entries count against maxConcurrentHandlers', () => {
  const server = engine({ maxConcurrentHandlers: 2 });
  server.receive(JSON.stringify([call(1), call(2), call(3), call(4), call(5)]) + '\n');
  const first = drain(server, () => HOLD);
  assert.equal(first.held.length, 2);
  assert.equal(server.state.running, 2);
  assert.equal(server.state.queued, 3);
  assert.equal(server.mayRead, false);
  let texts: string[] = [];
  write(texts, server.respond(first.held[0]!, 'x'));
  const second = drain(server, () => HOLD);
  assert.equal(second.held.length, 1, 'one slot freed, one more entry started');
  assert.deepEqual(texts, []);
  for (const w of [first.held[1]!, ...second.held]) write(texts, server.respond(w, 'x'));
  const rest = drain(server, (w) => w.id);
  assert.equal(rest.events.length, 2);
  texts = [...texts, ...rest.written];
  const [batch] = lines(texts) as unknown[][];
  assert.equal(batch!.length, 5);
});

test('a duplicate id inside a batch is answered inside the batch, with id null', () => {
  const server = engine();
  server.receive(JSON.stringify([call(1, 'a'), call(1, 'b')]) + '\n');
  const { events, written } = drain(server, () => 'ok');
  assert.deepEqual(kinds(events), ['refused duplicate-id', 'request a 1']);
  const [batch] = lines(written) as unknown[][];
  assert.equal(batch!.length, 2);
  assert.deepEqual(batch![0], { jsonrpc: '2.0', id: 1, result: 'ok' });
  assertError(batch![1], -32600, null);
});

test('a batch with more calls than maxBatchSize runs none of them and is answered once', () => {
  const peer = engine({ maxBatchSize: 2 });
  const { id } = peer.request('ours');
  peer.receive(JSON.stringify([call(1), call(2), notice(), { jsonrpc: '2.0', id, result: 1 }]) + '\n');
  const { events, written } = drain(peer);
  assert.deepEqual(kinds(events), ['refused batch-too-large', 'refused batch-too-large', 'refused batch-too-large', `response ours ${id}`, 'reply']);
  const [answer] = lines(written);
  assertError(answer, -32600, null);
  assert.match(JSON.stringify(answer), /at most 2/);
});

test('an outgoing batch: ids in order, tokens come back with each response', () => {
  const client = engine();
  const { ids, text } = client.batch([
    { method: 'a', params: [1], token: 'ta' },
    { method: 'n', notification: true },
    { method: 'b', token: 'tb' },
  ]);
  assert.equal(ids.length, 2);
  const [sent] = lines([text]) as unknown[][];
  assert.deepEqual(sent, [
    { jsonrpc: '2.0', id: ids[0], method: 'a', params: [1] },
    { jsonrpc: '2.0', method: 'n' },
    { jsonrpc: '2.0', id: ids[1], method: 'b' },
  ]);
  client.receive(JSON.stringify([{ jsonrpc: '2.0', id: ids[1], result: 2 }, { jsonrpc: '2.0', id: ids[0], result: 1 }]) + '\n');
  const tokens = drain(client).events.map((e) => (e.kind === 'response' ? e.request.token : e.kind));
  assert.deepEqual(tokens, ['tb', 'ta']);
  assert.throws(() => client.batch([]), RangeError);
});
