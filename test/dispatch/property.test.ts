import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { Dispatcher, handle } from '../../src/dispatch/index.js';

// Round-tripped through JSON so that -0 and the like already have their wire form.
const jsonValue = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const id = fc.oneof(
  fc.integer(),
  fc.integer().map(String), // "1" next to 1: they must stay apart
  fc.string({ unit: 'grapheme' }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constant(null),
);
const params = fc.option(
  fc.oneof(fc.array(jsonValue, { maxLength: 5 }), fc.dictionary(fc.string(), jsonValue, { maxKeys: 5 })),
  { nil: undefined },
);

// Echo: the arguments it was called with (an array spreads, an object is one argument, none is []).
const dispatcher = new Dispatcher().add('echo', (...args: unknown[]) => args);

function expectedResult(sent: unknown): unknown {
  if (sent === undefined) return [];
  return Array.isArray(sent) ? sent : [sent];
}

test('property: any valid request to echo is answered with its own id and its params', async () => {
  await fc.assert(
    fc.asyncProperty(id, params, fc.boolean(), async (requestId, requestParams, asBytes) => {
      const message: Record<string, unknown> = { jsonrpc: '2.0', id: requestId, method: 'echo' };
      if (requestParams !== undefined) message.params = requestParams;
      const text = JSON.stringify(message);
      const sent = JSON.parse(text) as { id: unknown; params?: unknown };
      const out = await handle(asBytes ? new TextEncoder().encode(text) : text, dispatcher);
      assert.notEqual(out, null);
      const response = JSON.parse(out as string) as Record<string, unknown>;
      assert.deepEqual(Object.keys(response).sort(), ['id', 'jsonrpc', 'result']);
      assert.equal(response.jsonrpc, '2.0');
      assert.equal(response.id, sent.id); // strict: 1 and "1" are not equal
      assert.deepEqual(response.result, expectedResult(sent.params));
    }),
    { numRuns: 300 },
  );
});

test('property: a batch of such requests and notifications answers each request once, by id', async () => {
  const entry = fc.record({ id, params, notification: fc.boolean() });
  await fc.assert(
    fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 5 }), async (entries, maxConcurrency) => {
      const texts = entries.map(({ id: entryId, params: p, notification }) => {
        const message: Record<string, unknown> = { jsonrpc: '2.0', method: 'echo' };
        if (!notification) message.id = entryId;
        if (p !== undefined) message.params = p;
        return JSON.stringify(message);
      });
      const out = await handle(`[${texts.join(',')}]`, dispatcher, { maxConcurrency });
      const requests = texts.map((t) => JSON.parse(t) as { id?: unknown; params?: unknown }).filter((m) => 'id' in m);
      if (requests.length === 0) {
        assert.equal(out, null);
        return;
      }
      const responses = JSON.parse(out as string) as Array<{ id: unknown; result: unknown }>;
      assert.equal(responses.length, requests.length);
      // Responses may come in any order; match each request to a distinct response.
      const unmatched = [...responses];
      for (const req of requests) {
        // Matching on id and result together: a greedy match is then exact even with duplicate ids.
        const index = unmatched.findIndex(
          (r) => r.id === req.id && isDeepStrictEqual(r.result, expectedResult(req.params)),
        );
        assert.notEqual(index, -1, `no response for id ${JSON.stringify(req.id)}`);
        unmatched.splice(index, 1);
      }
    }),
    { numRuns: 150 },
  );
});
