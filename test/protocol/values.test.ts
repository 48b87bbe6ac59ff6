/**
 * The engine's value path (src/protocol/values.ts, framing `'value'`): what a received value is
 * read as (a JSON value validated as the parser validates parsed JSON; anything else refused as
 * the spec says), its size, what is sent (JSON's form, exactly), and that the value path and the
 * text path give the same answers for every JSON value.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';

import { validateMessage, type JsonRpcMessage } from '../../src/parser/messages.js';
import { ProtocolEngine } from '../../src/protocol/engine.js';
import type { ProtocolEvent } from '../../src/protocol/events.js';
import { jsonValue, MAX_VALUE_DEPTH, readValue, valueBytes } from '../../src/protocol/values.js';

const MAX = 64 * 1024 * 1024;

/** What JSON.stringify then JSON.parse make of `value` (undefined where there is no text), or the error thrown. */
function viaText(value: unknown): { value: unknown } | { error: unknown } {
  try {
    const text = JSON.stringify(value) as string | undefined;
    return { value: text === undefined ? undefined : JSON.parse(text) };
  } catch (error) {
    return { error };
  }
}

function copied(value: unknown): { value: unknown } | { error: unknown } {
  try {
    return { value: jsonValue(value) };
  } catch (error) {
    return { error };
  }
}

/** Values structured clone (or a caller) can hand over that JSON has no form for, among JSON ones. */
class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
const odd: fc.Arbitrary<unknown> = fc.oneof(
  fc.date({ noInvalidDate: true }),
  fc.constant(undefined),
  fc.constantFrom(NaN, Infinity, -Infinity, -0),
  fc.bigInt().map((n) => n),
  fc.jsonValue().map((v) => ({ toJSON: () => v })),
  fc.jsonValue().map((v) => ({ toJSON: (key: string) => ({ key, v }) })),
  fc.tuple(fc.integer(), fc.integer()).map(([x, y]) => new Point(x, y)),
  fc.constant(new Map([[1, 2]])),
  fc.constant(new Uint8Array([1, 2, 3])),
  fc.constant([1, , 3]),
  fc.constant(Object.assign(Object.create(null) as object, { a: 1 })),
  fc.constant(JSON.parse('{"__proto__":{"x":1}}') as unknown),
  fc.constant(new Number(3)),
  fc.constant(new String('s')),
  fc.constant(() => 1),
  fc.constant(Symbol('s')),
);
const anything: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.jsonValue(), odd, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 })),
})).value;

describe('jsonValue: what is sent on a value channel', () => {
  it('is JSON.parse(JSON.stringify(value)) for anything, errors included (property)', () => {
    fc.assert(
      fc.property(anything, (value) => {
        const expected = viaText(value);
        const actual = copied(value);
        if ('error' in expected) {
          assert.ok('error' in actual, `JSON.stringify threw ${String(expected.error)}; jsonValue did not`);
          assert.equal((actual.error as Error).constructor, (expected.error as Error).constructor);
        } else {
          assert.ok('value' in actual, `jsonValue threw ${'error' in actual ? String(actual.error) : ''}`);
          assert.deepStrictEqual(actual.value, expected.value);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a cycle and a BigInt as JSON.stringify does (TypeError), and copies: later changes are not sent', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    assert.throws(() => jsonValue(cyclic), TypeError);
    assert.throws(() => jsonValue({ n: 1n }), TypeError);
    const params = { list: [1, 2], nested: { x: 'y' } };
    const copy = jsonValue(params) as typeof params;
    params.list.push(3);
    params.nested.x = 'changed';
    assert.deepStrictEqual(copy, { list: [1, 2], nested: { x: 'y' } });
    const deep = JSON.parse('['.repeat(200) + ']'.repeat(200)) as unknown;
    assert.deepStrictEqual(jsonValue(deep), deep);
  });
});

describe('readValue: a received value', () => {
  const request = (params: unknown, extra: Record<string, unknown> = {}): unknown => ({ jsonrpc: '2.0', id: 7, method: 'm', params, ...extra });
  const cyclic: Record<string, unknown> = {};
  cyclic.again = cyclic;
  let deep: unknown = 1;
  for (let i = 0; i < MAX_VALUE_DEPTH + 1; i++) deep = [deep];

  const cases: [name: string, value: unknown, code: number, id: unknown][] = [
    ['a cycle in params', request({ a: cyclic }), -32602, 7],
    ['a Date in params', request({ when: new Date(0) }), -32602, 7],
    ['params a Map', request(new Map()), -32602, 7],
    ['a typed array in params', request([new Uint8Array(2)]), -32602, 7],
    ['NaN in params', request([NaN]), -32602, 7],
    ['a BigInt in params', request({ n: 10n }), -32602, 7],
    ['undefined in an array', request([1, undefined]), -32602, 7],
    ['a sparse array', request([1, , 2]), -32602, 7],
    ['a wrapper object', request([new Number(1)]), -32602, 7],
    [`nesting past ${MAX_VALUE_DEPTH}`, request([deep]), -32602, 7],
    ['a Date as the id', { jsonrpc: '2.0', id: new Date(0), method: 'm' }, -32600, null],
    ['the message a Map', new Map([['jsonrpc', '2.0']]), -32600, null],
    ['the message a Date', new Date(0), -32600, null],
    ['the message a cycle', cyclic, -32600, null],
    ['an extra member with no JSON form', request([], { extra: new Date(0) }), -32600, 7],
    ['a notification with a Date in params', { jsonrpc: '2.0', method: 'n', params: [new Date(0)] }, -32602, null],
  ];
  for (const [name, value, code, id] of cases) {
    it(`refuses ${name}: ${code}, id ${JSON.stringify(id)}`, () => {
      const { message } = readValue(value, MAX);
      assert.equal(message.kind, 'invalid');
      if (message.kind !== 'invalid') return;
      assert.equal(message.error.code, code);
      assert.equal(message.id, id);
    });
  }

  it('names where the fault is', () => {
    const { message } = readValue(request({ list: [1, { when: new Date(0) }] }), MAX);
    assert.match(((message as { error: { data: { reason: string } } }).error.data.reason), /"params\.list\.1\.when" has no JSON form \(a Date\)/);
  });

  it('a response carrying no JSON form is an invalid response (never answered)', () => {
    for (const value of [
      { jsonrpc: '2.0', id: 3, result: new Date(0) },
      { jsonrpc: '2.0', id: 3, result: { n: 1n } },
      { jsonrpc: '2.0', id: 3, error: { code: 1, message: 'x', data: new Map() } },
    ]) {
      const { message } = readValue(value, MAX);
      assert.equal(message.kind, 'invalidResponse');
      assert.equal((message as { id: unknown }).id, 3);
    }
  });

  it('a batch: each entry read on its own', () => {
    const { message } = readValue([request([new Date(0)]), { jsonrpc: '2.0', id: 8, method: 'ok', params: [1] }], MAX);
    assert.equal(message.kind, 'batch');
    const kinds = (message as Extract<JsonRpcMessage, { kind: 'batch' }>).messages.map((m) => (m.kind === 'invalid' ? m.error.code : m.kind));
    assert.deepEqual(kinds, [-32602, 'request']);
  });

  it('past maxMessageBytes (by the estimate) the walk stops: -32700, oversized, as for text', () => {
    const { message } = readValue(request([new Array(100_000).fill(1)]), 10_000);
    assert.equal(message.kind, 'invalid');
    const error = (message as { error: { code: number; data: { problem: string } } }).error;
    assert.deepEqual([error.code, error.data.problem], [-32700, 'oversized']);
    const batch = readValue([request(['x'.repeat(6000)]), request(['y'.repeat(6000)])], 10_000);
    assert.equal(batch.message.kind, 'invalid', 'a batch over the bound as a whole');
  });

  it("undefined members are left out, as JSON would (vscode-jsonrpc posts `params: undefined`); `__proto__` is a member like any", () => {
    assert.deepEqual(readValue({ jsonrpc: '2.0', id: 1, method: 'm', params: undefined }, MAX).message, { kind: 'request', id: 1, method: 'm' });
    const { message } = readValue({ jsonrpc: '2.0', id: 1, method: 'm', params: JSON.parse('{"__proto__":{"admin":true}}') as unknown }, MAX);
    assert.equal(message.kind, 'request');
    const params = (message as { params: Record<string, unknown> }).params;
    assert.deepEqual(Object.keys(params), ['__proto__']);
    assert.equal(Object.getPrototypeOf(params), Object.prototype);
  });

  it('never throws: a throwing getter, a proxy, a revoked proxy are refused -32600', () => {
    const getter = { jsonrpc: '2.0', id: 1, method: 'm', get params(): unknown { throw new Error('boom'); } };
    const trap = new Proxy({}, { ownKeys: () => { throw new Error('trap'); } });
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    for (const value of [getter, { jsonrpc: '2.0', id: 1, method: 'm', params: trap }, revocable.proxy]) {
      const { message } = readValue(value, MAX);
      assert.equal(message.kind, 'invalid');
      assert.equal((message as { error: { code: number } }).error.code, -32600);
    }
  });

  it('reads every JSON value as the parser reads it (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (generated) => {
        const value = JSON.parse(JSON.stringify(generated)) as unknown;
        assert.deepStrictEqual(readValue(value, MAX).message, validateMessage(value));
      }),
      { numRuns: 1000 },
    );
  });

  it("a value's size is within a small factor of its JSON text's length (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (generated) => {
        const value = JSON.parse(JSON.stringify(generated)) as unknown;
        const length = JSON.stringify(value).length;
        const size = valueBytes(value);
        assert.ok(size >= length / 6 && size <= 8 * length, `${size} bytes estimated for ${length} characters`);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---- the value path and the text path, side by side -------------------------------------------

const id = fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null));
const params = fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue(), { maxKeys: 3 }));
const call = fc.record(
  { jsonrpc: fc.constantFrom('2.0', '2.0', '1.0'), id, method: fc.constantFrom('echo', 'fail', 'rpc.x'), params },
  { requiredKeys: ['jsonrpc', 'method'] },
);
const response = fc.record({ jsonrpc: fc.constant('2.0'), id, result: fc.jsonValue() });
const single = fc.oneof(call, call, response, fc.jsonValue());
const message = fc.oneof(single, single, fc.array(single, { maxLength: 4 }));

type Run = { kinds: string[]; written: unknown[] };

function run<O extends string | object>(engine: ProtocolEngine<unknown, O>, feed: (engine: ProtocolEngine<unknown, O>) => void): Run {
  const out: Run = { kinds: [], written: [] };
  const write = (what: O | null): void => {
    if (what !== null) out.written.push(typeof what === 'string' ? JSON.parse(what) : what);
  };
  feed(engine);
  for (let event: ProtocolEvent<unknown, O> | undefined = engine.next(); event !== undefined; event = engine.next()) {
    out.kinds.push(event.kind === 'invalid' ? `invalid ${event.message.error.code}` : event.kind);
    if (event.kind === 'reply') write(event.text);
    if (event.kind === 'request' || event.kind === 'notification') {
      if (event.method === 'fail') write(engine.respondError(event, { code: 42, message: 'no', data: event.params }));
      else write(engine.respond(event, event.params));
    }
  }
  return out;
}

describe('the value path and the text path', () => {
  it('give the same events and answers for every sequence of JSON messages (property)', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 8 }), fc.integer({ min: 1, max: 3 }), (generated, maxConcurrentHandlers) => {
        const values = generated.map((v) => JSON.parse(JSON.stringify(v)) as unknown);
        const options = { maxConcurrentHandlers };
        const text = run(new ProtocolEngine<unknown, string>({ framing: 'message', ...options }), (e) => values.forEach((v) => e.receive(JSON.stringify(v))));
        const value = run(new ProtocolEngine<unknown, object>({ framing: 'value', ...options }), (e) => values.forEach((v) => e.receiveValue(v)));
        assert.deepStrictEqual(value, text);
      }),
      { numRuns: 1000 },
    );
  });

  it('send the same requests and notifications, as values', () => {
    const text = new ProtocolEngine<unknown, string>({ framing: 'message' });
    const value = new ProtocolEngine<unknown, object>({ framing: 'value' });
    const p = { when: new Date(0), skip: undefined, list: [1, undefined, NaN], point: new Point(1, 2) };
    assert.deepStrictEqual(value.request('m', p).text, JSON.parse(text.request('m', p).text));
    assert.deepStrictEqual(value.notify('n', [p]), JSON.parse(text.notify('n', [p])));
    assert.deepStrictEqual(value.notify('n'), JSON.parse(text.notify('n')));
    assert.throws(() => value.request('m', { n: 1n }), TypeError);
    assert.throws(() => value.notify('m', 5 as unknown as []), TypeError);
  });
});

describe('the value path within the bounds', () => {
  it('a flood of values while every handler is busy: what is held stays within maxQueuedBytes (by the estimate), the rest refused -32001', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 5000 }), fc.integer({ min: 0, max: 300 }), (maxQueuedBytes, pad) => {
        const engine = new ProtocolEngine<unknown, object>({ framing: 'value', maxConcurrentHandlers: 1, maxQueuedMessages: 1_000_000, maxQueuedBytes });
        const refused: unknown[] = [];
        for (let i = 1; i <= 500; i++) {
          engine.receiveValue({ jsonrpc: '2.0', id: i, method: 'm', params: ['x'.repeat(pad)] });
          for (let event = engine.next(); event !== undefined; event = engine.next()) if (event.kind === 'reply') refused.push(event.text);
          const { count, bytes } = engine.heldMessages;
          assert.ok(count <= 1 || bytes <= maxQueuedBytes, `${count} held in ${bytes} bytes > ${maxQueuedBytes}`);
        }
        const held = engine.heldMessages.count;
        assert.ok(held < 500, 'the flood was not all held');
        assert.equal(refused.length + held + engine.state.running, 500);
        for (const answer of refused) assert.equal((answer as { error: { code: number } }).error.code, -32001);
      }),
      { numRuns: 50 },
    );
  });
});
