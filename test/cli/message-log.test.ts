/** The log side of tap: bytes in each direction in, one JSON line per message out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createFramer, type FramingName } from '../../src/framing/index.js';
import type { Direction, MessageLine } from '../../src/cli/log-format.js';
import { MessageLog } from '../../src/cli/message-log.js';
import { shapeOf } from '../../src/cli/redact.js';
import { cutAt, cutFractions, toCuts, utf8 } from '../framing/helpers.js';

const FRAMINGS: FramingName[] = ['newline', 'content-length', 'json-stream'];
const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

function frame(framing: FramingName, value: unknown): Uint8Array {
  return createFramer(framing).encode(JSON.stringify(value));
}

function parse(lines: string[]): MessageLine[] {
  for (const line of lines) assert.doesNotMatch(line, /\n/, 'one line per message');
  return lines.map((line) => JSON.parse(line) as MessageLine);
}

/** A session as the wire sees it: each step a message sent one way, at a time. */
interface Step {
  dir: Direction;
  value: Record<string, unknown>;
  at: number;
}

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const json = fc.jsonValue({ maxDepth: 3 });

/** Requests both ways with distinct ids, each answered (or not) later, and notifications between. */
const session: fc.Arbitrary<Step[]> = fc
  .array(
    fc.record({
      dir: fc.constantFrom<Direction>('to-server', 'to-client'),
      method: text,
      params: fc.oneof(fc.array(json, { maxLength: 3 }), fc.dictionary(text, json, { maxKeys: 3 })),
      answer: fc.oneof(fc.constant('none' as const), fc.constant('error' as const), json.map((result) => ({ result }))),
      notification: fc.boolean(),
      delay: fc.integer({ min: 0, max: 5000 }),
    }),
    { maxLength: 12 },
  )
  .map((calls) => {
    const steps: Step[] = [];
    const answers: Step[] = [];
    calls.forEach((call, i) => {
      const at = i * 10;
      const back: Direction = call.dir === 'to-server' ? 'to-client' : 'to-server';
      if (call.notification) {
        steps.push({ dir: call.dir, at, value: { jsonrpc: '2.0', method: call.method, params: call.params } });
        return;
      }
      const id = i % 2 === 0 ? i : `s${i}`;
      steps.push({ dir: call.dir, at, value: { jsonrpc: '2.0', id, method: call.method, params: call.params } });
      if (call.answer === 'none') return;
      const answer = call.answer === 'error' ? { error: { code: -32000 - i, message: 'no' } } : { result: call.answer.result ?? null };
      answers.push({ dir: back, at: at + 1 + call.delay, value: { jsonrpc: '2.0', id, ...answer } });
    });
    return [...steps, ...answers].sort((a, b) => a.at - b.at);
  });

/** Feeds a session message by message, each message's bytes cut at the given places. */
function replay(log: MessageLog, framing: FramingName, steps: Step[], fractions: number[]): string[] {
  const lines: string[] = [];
  for (const step of steps) {
    const bytes = frame(framing, step.value);
    for (const chunk of cutAt(bytes, toCuts(fractions, bytes.length))) lines.push(...log.push(step.dir, chunk, T0 + step.at));
  }
  return lines;
}

test('every message gets one line with its direction, framing, size and the message itself, however the bytes are cut', () => {
  fc.assert(
    fc.property(fc.constantFrom(...FRAMINGS), session, cutFractions, (framing, steps, fractions) => {
      const lines = parse(replay(new MessageLog({ framing }), framing, steps, fractions));
      assert.equal(lines.length, steps.length);
      lines.forEach((line, i) => {
        const step = steps[i];
        assert.equal(line.dir, step.dir);
        assert.equal(line.framing, framing);
        assert.equal(line.time, new Date(T0 + step.at).toISOString());
        assert.equal(line.size, Buffer.byteLength(JSON.stringify(step.value)));
        assert.deepEqual(line.message, JSON.parse(JSON.stringify(step.value)));
        assert.equal(line.kind, 'method' in step.value ? ('id' in step.value ? 'request' : 'notification') : 'response');
      });
    }),
    { numRuns: 200 },
  );
});

test('a response names the method of the request it answers and the latency since it, both ways', () => {
  fc.assert(
    fc.property(session, (steps) => {
      const lines = parse(replay(new MessageLog({ framing: 'newline' }), 'newline', steps, []));
      lines.forEach((line, i) => {
        if (line.kind !== 'response') return;
        const request = steps.findIndex((s) => s.value.id === line.id && 'method' in s.value);
        assert.notEqual(request, -1);
        assert.notEqual(steps[request].dir, line.dir, 'answered the other way');
        assert.equal(line.method, steps[request].value.method);
        assert.equal(line.latencyMs, steps[i].at - steps[request].at);
        assert.equal(line.errorCode, (steps[i].value.error as { code?: number } | undefined)?.code);
        assert.equal(line.unmatched, undefined);
      });
    }),
    { numRuns: 200 },
  );
});

test('a response travelling the same way as the request, or with an id never sent, is unmatched', () => {
  const log = new MessageLog({ framing: 'newline' });
  log.push('to-server', frame('newline', { jsonrpc: '2.0', id: 1, method: 'a' }), T0);
  const [same, other, string] = parse([
    ...log.push('to-server', frame('newline', { jsonrpc: '2.0', id: 1, result: 1 }), T0 + 1),
    ...log.push('to-client', frame('newline', { jsonrpc: '2.0', id: 2, result: 1 }), T0 + 2),
    ...log.push('to-client', frame('newline', { jsonrpc: '2.0', id: '1', result: 1 }), T0 + 3),
  ]);
  for (const line of [same, other, string]) {
    assert.equal(line.unmatched, true);
    assert.equal(line.method, undefined);
  }
  const [answer] = parse(log.push('to-client', frame('newline', { jsonrpc: '2.0', id: 1, result: 1 }), T0 + 4));
  assert.deepEqual([answer.method, answer.latencyMs], ['a', 4]);
});

test('requests waiting for an answer are bounded: past the bound the oldest is forgotten', () => {
  const log = new MessageLog({ framing: 'newline', maxPendingRequests: 2 });
  for (const id of [1, 2, 3]) log.push('to-server', frame('newline', { jsonrpc: '2.0', id, method: `m${id}` }), T0);
  assert.equal(log.pendingRequests, 2);
  const answers = parse([1, 2, 3].flatMap((id) => log.push('to-client', frame('newline', { jsonrpc: '2.0', id, result: null }), T0 + 1)));
  assert.deepEqual(answers.map((a) => a.method ?? 'unmatched'), ['unmatched', 'm2', 'm3']);
  assert.equal(log.pendingRequests, 0);
});

test('garbage is logged with the framer\'s explanation, and the messages after it still are', () => {
  const log = new MessageLog({ framing: 'content-length' });
  const lines = parse([
    ...log.push('to-client', utf8('Server listening on stdio\n'), T0),
    ...log.push('to-client', frame('content-length', { jsonrpc: '2.0', method: 'ready' }), T0 + 1),
  ]);
  assert.deepEqual(lines.map((l) => l.kind), ['unreadable', 'notification']);
  assert.match(lines[0].problem!, /Server listening on stdio/);
  assert.equal(lines[1].method, 'ready');
});

test('text that is not JSON-RPC is an invalid line with the reason and the text (cut at a bound)', () => {
  const log = new MessageLog({ framing: 'newline' });
  const long = `{"nope": "${'x'.repeat(2000)}"}`;
  const [notJson, notRpc, tooLong] = parse([
    ...log.push('to-server', utf8('{oops}\n'), T0),
    ...log.push('to-server', utf8('{"jsonrpc":"1.0","id":7,"method":"a"}\n'), T0),
    ...log.push('to-server', utf8(`${long}\n`), T0),
  ]);
  assert.equal(notJson.kind, 'invalid');
  assert.match(notJson.problem!, /^Parse error/);
  assert.equal(notJson.text, '{oops}');
  assert.equal(notRpc.id, 7);
  assert.match(notRpc.problem!, /"jsonrpc" must be exactly "2.0"/);
  assert.equal(tooLong.text!.length, 1024 + 3);
  assert.equal(tooLong.size, long.length);
});

test('a response that breaks the specification is an invalid line that still answers its request', () => {
  const log = new MessageLog({ framing: 'newline' });
  log.push('to-server', frame('newline', { jsonrpc: '2.0', id: 4, method: 'both' }), T0);
  const broken = { jsonrpc: '2.0', id: 4, result: 1, error: { code: 1, message: 'x' } };
  const [line] = parse(log.push('to-client', frame('newline', broken), T0 + 2));
  assert.deepEqual([line.kind, line.id, line.method, line.latencyMs, line.message], ['invalid', 4, 'both', 2, undefined]);
  assert.match(line.problem!, /^Invalid response: /);
  assert.deepEqual(JSON.parse(line.text!), broken);
  assert.equal(log.pendingRequests, 0);
});

test('a batch is one line per entry, each with its place; the size is counted once', () => {
  const log = new MessageLog({ framing: 'newline' });
  const batch = [{ jsonrpc: '2.0', id: 1, method: 'a' }, { jsonrpc: '2.0', method: 'n' }, 5];
  const lines = parse(log.push('to-server', frame('newline', batch), T0));
  assert.deepEqual(lines.map((l) => [l.kind, l.batch?.index, l.batch?.of]), [['request', 0, 3], ['notification', 1, 3], ['invalid', 2, 3]]);
  assert.deepEqual(lines.map((l) => l.size), [JSON.stringify(batch).length, 0, 0]);
  const [answer] = parse(log.push('to-client', frame('newline', [{ jsonrpc: '2.0', id: 1, result: 2 }]), T0 + 3));
  assert.deepEqual([answer.method, answer.latencyMs, answer.message], ['a', 3, { jsonrpc: '2.0', id: 1, result: 2 }]);
});

test('a message written over several lines (pretty-printed in Content-Length framing) is still one log line', () => {
  const log = new MessageLog({ framing: 'content-length' });
  const value = { jsonrpc: '2.0', id: 1, method: 'a', params: { text: 'x\ny' } };
  const lines = log.push('to-server', createFramer('content-length').encode(JSON.stringify(value, null, 2)), T0);
  assert.deepEqual(parse(lines)[0].message, value);
});

test('--redact keeps methods, ids and error codes, and no value of params, result or error data', () => {
  fc.assert(
    fc.property(session, (steps) => {
      const lines = replay(new MessageLog({ framing: 'newline', redact: true }), 'newline', steps, []);
      const parsed = parse(lines);
      parsed.forEach((line, i) => {
        const value = steps[i].value;
        const message = line.message as Record<string, unknown>;
        assert.equal(message.method, value.method);
        assert.equal(message.id, value.id);
        const plain = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
        if ('params' in value) assert.deepEqual(message.params, shapeOf(plain.params));
        if ('result' in value) assert.deepEqual(message.result, shapeOf(plain.result));
      });
    }),
    { numRuns: 100 },
  );
  const log = new MessageLog({ framing: 'newline', redact: true });
  const secret = 'hunter2-secret';
  const lines = [
    ...log.push('to-server', frame('newline', { jsonrpc: '2.0', id: 1, method: 'login', params: { password: secret, list: [secret, 1, true, null, secret] } }), T0),
    ...log.push('to-client', frame('newline', { jsonrpc: '2.0', id: 1, error: { code: 1, message: 'bad', data: { echo: secret } } }), T0),
    ...log.push('to-server', utf8(`{"broken": "${secret}"\n`), T0),
  ].join('\n');
  assert.doesNotMatch(lines, /hunter2/);
  assert.match(lines, /"password":"string\(14\)"/);
  assert.match(lines, /"list":\["string\(14\)","number","boolean","\+2 more"\]/);
});

test('a member named __proto__ is kept as a member of the shape (found by the redact property)', () => {
  const shape = shapeOf(JSON.parse('{"__proto__":{"a":"xy"},"b":1}')) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(shape), Object.prototype);
  assert.equal(JSON.stringify(shape), '{"__proto__":{"a":"string(2)"},"b":"number"}');
});

test('shapes summarize deep and wide values by their size', () => {
  assert.deepEqual(shapeOf({ a: { b: { c: { d: 1 } } } }), { a: { b: { c: 'object(1 keys)' } } });
  assert.deepEqual(shapeOf([[[[1, 2]]]]), [[['array(2)']]]);
  const wide = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, i]));
  assert.equal(Object.keys(shapeOf(wide) as object).length, 21);
});

test('after bytes were skipped, the framer starts afresh and finds the next message', () => {
  const log = new MessageLog({ framing: 'content-length' });
  const bytes = frame('content-length', { jsonrpc: '2.0', id: 1, method: 'lost' });
  log.push('to-server', bytes.slice(0, 10), T0);
  log.skip('to-server');
  const lines = parse(log.push('to-server', frame('content-length', { jsonrpc: '2.0', method: 'next' }), T0));
  assert.deepEqual(lines.map((l) => l.method), ['next']);
});

test('a stream that ends inside a message says so; tcp connections are numbered in every line', () => {
  const log = new MessageLog({ framing: 'newline', conn: 3 });
  log.push('to-client', utf8('{"jsonrpc":"2.0",'), T0);
  const [cut] = parse(log.end('to-client', T0 + 1));
  assert.equal(cut.kind, 'unreadable');
  assert.equal(cut.conn, 3);
  assert.match((cut as unknown as { problem: string }).problem, /ended/);
});

test('with auto framing each direction is read in the framing its first bytes show, however they are cut', () => {
  fc.assert(
    fc.property(fc.constantFrom<FramingName>('newline', 'content-length'), fc.constantFrom<FramingName>('newline', 'content-length'), session, cutFractions, (toServer, toClient, steps, fractions) => {
      const log = new MessageLog({ framing: 'auto' });
      const lines: string[] = [];
      for (const step of steps) {
        const bytes = frame(step.dir === 'to-server' ? toServer : toClient, step.value);
        for (const chunk of cutAt(bytes, toCuts(fractions, bytes.length))) lines.push(...log.push(step.dir, chunk, T0 + step.at));
      }
      const read = (name: FramingName): string => (name === 'newline' ? 'json-stream' : name);
      const parsed = parse(lines);
      assert.equal(parsed.length, steps.length);
      parsed.forEach((line, i) => {
        assert.equal(line.framing, read(steps[i].dir === 'to-server' ? toServer : toClient));
        assert.deepEqual(line.message, JSON.parse(JSON.stringify(steps[i].value)));
      });
    }),
    { numRuns: 150 },
  );
});
