/**
 * The engine answers what `handle()` answers: for any single message or batch, run through a
 * dispatcher, the same responses (a batch's in any order), or none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Dispatcher } from '../../src/dispatch/dispatcher.js';
import { toJsonRpcException } from '../../src/dispatch/error-policy.js';
import { handle } from '../../src/dispatch/handle.js';
import { ProtocolEngine } from '../../src/protocol/engine.js';

const dispatcher = new Dispatcher()
  .add('echo', (...args: unknown[]) => args)
  .add('fail', () => {
    throw new Error('no');
  });

/** Unique ids (a duplicate in flight is refused by the engine, run twice by handle()). */
let nextId = 0;
const anyValue = fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 3 }), fc.boolean(), fc.constant([1]), fc.constant({}));
const entry = fc.oneof(
  fc.record({ jsonrpc: fc.constant('2.0'), method: fc.constantFrom('echo', 'fail', 'missing'), params: fc.constantFrom([1, 'x'], [], undefined) }).map(
    (r) => ({ ...r, id: nextId++ }),
  ),
  fc.record({ jsonrpc: fc.constant('2.0'), method: fc.constantFrom('echo', 'fail', 'missing') }),
  fc.record({ jsonrpc: fc.constantFrom('2.0', '1.0'), method: anyValue, params: anyValue }, { requiredKeys: [] }).map((r) => ({ ...r, id: nextId++ })),
  fc.record({ jsonrpc: fc.constant('2.0'), id: anyValue, result: anyValue }),
  fc.record({ jsonrpc: fc.constant('2.0'), id: anyValue, error: anyValue }),
  anyValue,
);
const message = fc.oneof(entry, fc.array(entry, { maxLength: 6 }));

function normalise(text: string | null): unknown {
  if (text === null) return null;
  const value = JSON.parse(text) as unknown;
  if (!Array.isArray(value)) return value;
  return value.map((v) => JSON.stringify(v)).sort();
}

test('for any message, the engine answers exactly what handle() answers', async () => {
  await fc.assert(
    fc.asyncProperty(message, async (value) => {
      const text = JSON.stringify(value) ?? 'null';
      const expected = normalise(await handle(text, dispatcher));
      const engine = new ProtocolEngine({ framing: 'message' });
      engine.receive(text);
      const out: string[] = [];
      for (let e = engine.next(); e !== undefined; e = engine.next()) {
        if (e.kind === 'reply') out.push(e.text);
        if (e.kind !== 'request' && e.kind !== 'notification') continue;
        let answer: string | null;
        try {
          answer = engine.respond(e, dispatcher.call(e.method, e.params, { id: e.id, method: e.method, signal: new AbortController().signal }));
        } catch (error) {
          answer = engine.respondError(e, toJsonRpcException(error));
        }
        if (answer !== null) out.push(answer);
      }
      assert.ok(out.length <= 1, `one answer at most: ${out.join(' | ')}`);
      assert.deepEqual(normalise(out[0] ?? null), expected, text);
    }),
    { numRuns: 400 },
  );
});
