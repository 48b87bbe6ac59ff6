/** The engine's `version` option: JSON-RPC 1.0 read and written in both roles, and 'both' answering each message in its own. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { drain, engine, HOLD, kinds, lines, req } from './helpers.js';

type Json = { [key: string]: unknown };

// As it comes back from JSON text (fast-check's JSON values include -0, which JSON writes as 0).
const jsonValue = fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);
const id = fc.oneof(fc.string({ maxLength: 8 }), fc.integer());
const method = fc.string({ minLength: 1, maxLength: 8 });
const params = fc.array(jsonValue, { maxLength: 4 });

/** A 1.0 request's newline-framed text. */
function req1(requestId: unknown, name: string, args?: unknown): string {
  return JSON.stringify(args === undefined ? { method: name, id: requestId } : { method: name, params: args, id: requestId }) + '\n';
}

/** The answer has 1.0's shape: no `jsonrpc`, `result`, `error` and `id` all present, one of result and error null. */
function assertV1Answer(value: unknown): asserts value is { result: unknown; error: { code: number } | null; id: unknown } {
  const v = value as Json;
  assert.deepEqual(Object.keys(v).sort(), ['error', 'id', 'result'], JSON.stringify(value));
  assert.ok(v.error === null || v.result === null, JSON.stringify(value));
}

function assertV2Answer(value: unknown): void {
  const v = value as Json;
  assert.equal(v.jsonrpc, '2.0', JSON.stringify(value));
  assert.ok(('result' in v) !== ('error' in v), JSON.stringify(value));
}

test("property: under '1.0' a request is handed out as sent and answered in 1.0's form; a notification (id null) never", () => {
  fc.assert(
    fc.property(id, method, params, jsonValue, fc.boolean(), (requestId, name, args, value, fails) => {
      const server = engine({ version: '1.0' });
      server.receive(req1(requestId, name, args) + req1(null, name, args));
      const { events, written } = drain(server, () => value);
      assert.deepEqual(kinds(events), [`request ${name} ${JSON.stringify(requestId)}`, `notification ${name}`]);
      const [request, notification] = events;
      assert.ok(request?.kind === 'request' && notification?.kind === 'notification');
      assert.deepEqual(request.params, args);
      assert.deepEqual(notification.params, args);
      assert.equal(written.length, 1);
      const [answer] = lines(written);
      assertV1Answer(answer);
      assert.deepEqual(answer, { result: value, error: null, id: requestId });
      if (fails) {
        const again = engine({ version: '1.0' });
        again.receive(req1(requestId, name, args));
        const work = again.next();
        assert.ok(work?.kind === 'request');
        const [failed] = lines([again.respondError(work, { code: -32000, message: 'no' })!]);
        assert.deepEqual(failed, { result: null, error: { code: -32000, message: 'no' }, id: requestId });
      }
    }),
  );
});

/** 1.0 messages that are not: each is answered with a 1.0 error, its id kept when it could be read. */
const invalidV1 = fc.oneof(
  fc.record({ method, params: fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { minKeys: 1 }), id }).map((m) => ({ m, code: -32600, id: m.id })),
  fc.record({ method, params }).map((m) => ({ m, code: -32600, id: null })), // no id at all
  fc.record({ jsonrpc: fc.constant('2.0'), method, params, id }).map((m) => ({ m, code: -32600, id: null })),
  fc.record({ method: fc.integer(), params, id }).map((m) => ({ m, code: -32600, id: m.id })),
  fc.record({ method, params, id: fc.boolean() }).map((m) => ({ m, code: -32600, id: null })),
  fc.array(fc.record({ method, params, id }), { minLength: 1, maxLength: 3 }).map((m) => ({ m, code: -32600, id: null })), // 1.0 has no batches
  fc.constant({ m: '{not json' as unknown, code: -32700, id: null }),
);

test("property: under '1.0' an invalid message is answered with a 1.0 error (the id kept when readable) and runs nothing", () => {
  fc.assert(
    fc.property(invalidV1, ({ m, code, id: answerId }) => {
      const server = engine({ version: '1.0' });
      server.receive((typeof m === 'string' ? m : JSON.stringify(m)) + '\n');
      const { events, written } = drain(server);
      assert.deepEqual(kinds(events), [`invalid ${code}`, 'reply']);
      const [answer] = lines(written);
      assertV1Answer(answer);
      assert.equal(answer.error?.code, code);
      assert.deepEqual(answer.id, answerId);
    }),
  );
});

test("property: under 'both' each message of one stream is answered in its own version, a batch as 2.0's", () => {
  const message = fc.record({ v1: fc.boolean(), id: fc.integer({ min: 0, max: 1e6 }), args: params });
  fc.assert(
    fc.property(fc.array(message, { minLength: 1, maxLength: 8 }), (messages) => {
      const server = engine({ version: 'both' });
      // Unique ids: a duplicate id in flight is refused, which is not what this property is about.
      const sent = messages.map((m, i) => ({ ...m, id: m.id * 100 + i }));
      server.receive(sent.map((m) => (m.v1 ? req1(m.id, 'echo', m.args) : req(m.id, 'echo', m.args))).join(''));
      server.receive(`[${req(-1, 'echo', [1]).trim()},${req1(-2, 'echo', [2]).trim()}]\n`);
      const { written } = drain(server, (work) => work.params);
      const answers = lines(written);
      assert.equal(answers.length, sent.length + 1);
      sent.forEach((m, i) => {
        if (m.v1) {
          assertV1Answer(answers[i]);
          assert.deepEqual(answers[i], { result: m.args, error: null, id: m.id });
        } else {
          assert.deepEqual(answers[i], { jsonrpc: '2.0', id: m.id, result: m.args });
        }
      });
      // In a batch (2.0 only) a 1.0-shaped entry is an invalid 2.0 request, answered as 2.0's.
      const batch = answers[sent.length] as Json[];
      assert.ok(Array.isArray(batch));
      for (const entry of batch) assertV2Answer(entry);
      assert.deepEqual(batch.find((entry) => entry.id === -1), { jsonrpc: '2.0', id: -1, result: [1] });
      assert.equal((batch.find((entry) => entry.id === -2)?.error as Json).code, -32600);
    }),
  );
});

test("'both': engine-made answers (a duplicate id, an unreadable message) follow the message's version", () => {
  const server = engine({ version: 'both' });
  server.receive(req1(7, 'slow', []) + req1(7, 'slow', []) + '{"method":"x","params":{"a":1},"id":8}\n' + '{"jsonrpc":"2.0","method":1,"id":9}\n');
  const { written, held } = drain(server, () => HOLD);
  const answers = lines(written);
  assert.equal(answers.length, 3);
  // The duplicate id is refused with id null (its own id would settle the one in flight).
  assertV1Answer(answers[0]);
  assert.deepEqual([answers[0].error?.code, answers[0].id], [-32600, null]);
  assertV1Answer(answers[1]);
  assert.deepEqual([answers[1].error?.code, answers[1].id], [-32600, 8]);
  assertV2Answer(answers[2]);
  assert.deepEqual([((answers[2] as Json).error as Json).code, (answers[2] as Json).id], [-32600, 9]);
  assert.equal(held.length, 1);
  assert.deepEqual(lines([server.respond(held[0]!, 'done')!]), [{ result: 'done', error: null, id: 7 }]);
});

test("client role under '1.0': requests and notifications go out in 1.0's form, 1.0 responses settle them", () => {
  const client = engine({ version: '1.0' });
  const first = client.request('add', [1, 2], 'a');
  const second = client.request('fail', undefined, 'b');
  const note = client.notify('log', ['x']);
  assert.deepEqual(lines([first.text, second.text, note]), [
    { method: 'add', params: [1, 2], id: first.id },
    { method: 'fail', params: [], id: second.id },
    { method: 'log', params: ['x'], id: null },
  ]);
  assert.throws(() => client.request('named', { a: 1 }), /positional params only/);
  assert.throws(() => client.notify('named', { a: 1 }), /positional params only/);
  assert.throws(() => client.batch([{ method: 'x' }]), /no batches/);
  // jayson leaves `result` out of its 1.0 error answers: read as null.
  client.receive(`{"result":3,"error":null,"id":${first.id}}\n{"error":{"code":-32000,"message":"no"},"id":${second.id}}\n`);
  const { events } = drain(client);
  assert.deepEqual(kinds(events), [`response add ${first.id}`, `response fail ${second.id}`]);
  const [a, b] = events;
  assert.ok(a?.kind === 'response' && b?.kind === 'response');
  assert.deepEqual(a.response, { kind: 'response', id: first.id, isSuccess: true, result: 3 });
  assert.deepEqual(b.response, { kind: 'response', id: second.id, isSuccess: false, error: { code: -32000, message: 'no' } });
  assert.equal(client.state.pendingOutgoing, 0);
});

test("'both' sends 2.0 and reads either version's responses; '2.0' (the default) still refuses 1.0", () => {
  const client = engine({ version: 'both' });
  const sent = client.request('add', [1, 2]);
  assert.deepEqual(lines([sent.text]), [{ jsonrpc: '2.0', id: sent.id, method: 'add', params: [1, 2] }]);
  client.receive(`{"result":3,"error":null,"id":${sent.id}}\n`);
  assert.deepEqual(kinds(drain(client).events), [`response add ${sent.id}`]);

  const strict = engine();
  const again = strict.request('add', [1, 2]);
  strict.receive(`{"result":3,"error":null,"id":${again.id}}\n` + req1(1, 'add', [1, 2]));
  const { events, written } = drain(strict);
  assert.deepEqual(kinds(events), [`invalidResponse ${again.id} matched`, 'invalid -32600', 'reply']);
  assertV2Answer(lines(written)[0]);
});

test("version is checked, and '1.0' takes no cancel or progress conventions", () => {
  assert.throws(() => engine({ version: '3.0' as never }), /version must be '2.0', '1.0' or 'both'/);
  assert.throws(() => engine({ version: '1.0', conventions: 'lsp' }), /conventions 'none'/);
  assert.throws(() => engine({ version: '1.0', framing: 'content-length', conventions: 'mcp' }), /conventions 'none'/);
  // Content-length framing defaults to LSP's conventions under 2.0, to none under 1.0.
  assert.equal(engine({ version: '1.0', framing: 'content-length' }).conventions.name, 'none');
  assert.equal(engine({ version: 'both', framing: 'content-length' }).conventions.name, 'lsp');
});

test("under '1.0' what the framer refuses (a message over maxMessageBytes) is answered in 1.0's form too; under 'both' in 2.0's", () => {
  for (const version of ['1.0', 'both'] as const) {
    const server = engine({ version, maxMessageBytes: 64 });
    server.receive(req1(1, 'big', ['x'.repeat(100)]) + req1(2, 'small', []));
    const { events, written } = drain(server);
    assert.deepEqual(kinds(events), ['invalid -32700', 'reply', 'request small 2']);
    const [refused, answered] = lines(written);
    if (version === '1.0') assertV1Answer(refused);
    else assertV2Answer(refused);
    assert.deepEqual(answered, { result: 'small', error: null, id: 2 });
  }
});
