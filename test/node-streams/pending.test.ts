/**
 * The requests a connection waits on: how every kind of answer settles them (malformed responses
 * included, which are never answered), and timeouts over their whole range.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { JsonRpcException } from '../../src/parser/errors.js';
import { JsonRpcInvalidResponseError, type JsonRpcInvalidResponse, type JsonRpcResponse } from '../../src/parser/index.js';
import { ConnectionClosedError, RequestTimeoutError } from '../../src/node-streams/index.js';
import { isValidResponse, responseLike } from '../parser/response-like.js';
import { delay, noUnhandledRejections, processWarnings, rawPeer, waitFor } from './helpers.js';

/** Settles within `ms`, or says it did not. */
async function outcome(promise: Promise<unknown>, ms = 2000): Promise<{ value?: unknown; error?: unknown } | 'pending'> {
  const pending = Symbol('pending');
  const result = await Promise.race([
    promise.then((value) => ({ value }), (error: unknown) => ({ error })),
    delay(ms).then(() => pending),
  ]);
  return result === pending ? 'pending' : (result as { value?: unknown; error?: unknown });
}

describe('malformed responses', () => {
  const malformed: Array<[string, (id: number) => unknown, RegExp]> = [
    ['a string error code', (id) => ({ jsonrpc: '2.0', id, error: { code: '-32000', message: 'x' } }), /integer "code"/],
    ['both result and error', (id) => ({ jsonrpc: '2.0', id, result: 1, error: { code: 1, message: 'x' } }), /never both/],
    ['"jsonrpc": "1.0"', (id) => ({ jsonrpc: '1.0', id, result: 1 }), /exactly "2.0"/],
    ['"result": 1, "error": null', (id) => ({ jsonrpc: '2.0', id, result: 1, error: null }), /never both/],
    ['a JSON-RPC 1.0 answer', (id) => ({ id, error: null, result: 3 }), /exactly "2.0"; .*never both/],
  ];
  for (const [what, make, problem] of malformed) {
    it(`${what}: rejects the request at once with JsonRpcInvalidResponseError and is never answered`, async () => {
      const r = rawPeer();
      const request = r.connection.request('add', [1, 2]);
      await waitFor(() => r.sent().length === 1, 2000, 'the request');
      const id = r.lastRequestId() as number;
      r.send(make(id));
      const got = await outcome(request);
      assert.notEqual(got, 'pending', 'the request must settle');
      const error = (got as { error: unknown }).error;
      assert.ok(error instanceof JsonRpcInvalidResponseError, String(error));
      assert.ok(!(error instanceof JsonRpcException), 'no error code was sent: not a JsonRpcException');
      assert.equal(error.code, 'ERR_JSONRPC_INVALID_RESPONSE');
      assert.equal(error.method, 'add');
      assert.equal(error.id, id);
      assert.match(error.problem, problem);
      assert.match(error.message, /"add"/);
      assert.deepEqual(error.response, make(id));
      await delay(20);
      assert.equal(r.sent().length, 1, 'nothing but the request was written');
      await r.connection.close();
    });
  }

  it("inside a batch, each settles its request; one nobody waits for goes to 'unknownResponse'; nothing is answered", async () => {
    const r = rawPeer();
    const unknown: Array<JsonRpcResponse | JsonRpcInvalidResponse> = [];
    r.connection.on('unknownResponse', (response) => void unknown.push(response));
    const [first, second] = r.connection.batch([{ method: 'a' }, { method: 'b' }]);
    await waitFor(() => r.sent().length === 1, 2000, 'the batch');
    const ids = (r.sent()[0] as unknown as Array<{ id: number }>).map((entry) => entry.id);
    r.send([
      { id: ids[0], error: null, result: 3 },
      { jsonrpc: '2.0', id: ids[1], result: 'fine' },
      { jsonrpc: '2.0', id: 999, result: 1, error: null },
      { jsonrpc: '2.0', result: 1 },
    ]);
    await assert.rejects(first!, JsonRpcInvalidResponseError);
    assert.equal(await second!, 'fine');
    await waitFor(() => unknown.length === 2, 2000, 'two unknown responses');
    assert.deepEqual(unknown.map((u) => [u.kind, u.id]), [['invalidResponse', 999], ['invalidResponse', null]]);
    await delay(20);
    assert.equal(r.sent().length, 1, 'nothing but the batch was written');
    await r.connection.close();
  });

  it('property: a response-like message is never answered; the request waiting under its id always settles', async () => {
    const r = rawPeer();
    const unknown: unknown[] = [];
    r.connection.on('unknownResponse', (response) => void unknown.push(response));
    await noUnhandledRejections(async () => {
      await fc.assert(
        fc.asyncProperty(responseLike, fc.boolean(), fc.boolean(), async (value, useOurId, inBatch) => {
          // Requests left waiting by earlier runs have ids 1, 2, ...: a value must not answer one of those.
          fc.pre(useOurId || !(typeof value.id === 'number' && value.id >= 1 && value.id <= 10_000));
          const before = r.sent().length;
          const request = r.connection.request('m');
          request.catch(() => undefined); // those left waiting reject on close
          await waitFor(() => r.sent().length > before, 2000, 'the request');
          const id = r.lastRequestId() as number;
          const sent = useOurId ? { ...value, id } : value;
          const unknownBefore = unknown.length;
          r.send(inBatch ? [sent] : sent);
          const matches = sent.id === id;
          const got = await outcome(request, matches ? 2000 : 20);
          if (!matches) {
            assert.equal(got, 'pending', 'a response under another id settles nothing');
            await waitFor(() => unknown.length === unknownBefore + 1, 2000, "'unknownResponse'");
          } else if (isValidResponse(sent)) {
            assert.notEqual(got, 'pending');
            if ('error' in sent) assert.ok((got as { error: unknown }).error instanceof JsonRpcException);
            else assert.deepEqual((got as { value: unknown }).value, sent.result);
          } else {
            assert.notEqual(got, 'pending', 'an invalid response settles its request');
            assert.ok((got as { error: unknown }).error instanceof JsonRpcInvalidResponseError);
          }
          // Whatever came in, the connection wrote nothing but requests.
          for (const message of r.sent()) assert.equal(typeof message.method, 'string', JSON.stringify(message));
        }),
        { numRuns: 150 },
      );
    });
    await r.connection.close();
  });
});

describe('timeoutMs', () => {
  it('2^31 ms and more does not fire early and raises no TimeoutOverflowWarning; Infinity means none', async () => {
    const r = rawPeer();
    const outcomes: unknown[] = [];
    const warnings = await processWarnings(async () => {
      for (const timeoutMs of [2 ** 31, 2 ** 31 - 1 + 1e3, 2 ** 40, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Infinity]) {
        r.connection.request('m', undefined, { timeoutMs }).then(
          () => outcomes.push('resolved'),
          (err: unknown) => outcomes.push(err),
        );
      }
      await delay(60);
    });
    assert.deepEqual(outcomes, [], 'none has settled');
    assert.deepEqual(warnings.map((w) => w.name), []);
    assert.equal(r.connection.pendingCount, 6);
    await r.connection.close();
    await waitFor(() => outcomes.length === 6);
    assert.ok(outcomes.every((o) => (o as object) instanceof ConnectionClosedError));
  });

  it('a small timeout still fires, 0 included', async () => {
    const r = rawPeer();
    await assert.rejects(r.connection.request('m', undefined, { timeoutMs: 0 }), RequestTimeoutError);
    await assert.rejects(r.connection.request('m', undefined, { timeoutMs: 5.5 }), RequestTimeoutError);
    await r.connection.close();
  });

  it('negative, NaN or not a number rejects with a RangeError at the call, and nothing is sent', async () => {
    const r = rawPeer();
    for (const timeoutMs of [-1, -Infinity, NaN, '100', null, {}, true]) {
      await assert.rejects(
        r.connection.request('m', undefined, { timeoutMs: timeoutMs as number }),
        (err: unknown) => err instanceof RangeError && /timeoutMs must be a number of milliseconds >= 0/.test(err.message),
        String(timeoutMs),
      );
      const entries = r.connection.batch([{ method: 'a' }, { method: 'n', notification: true }], { timeoutMs: timeoutMs as number });
      for (const entry of entries) await assert.rejects(entry, RangeError);
    }
    await delay(20);
    assert.equal(r.connection.pendingCount, 0);
    assert.deepEqual(r.sent(), []);
    await r.connection.close();
  });

  it('a signal that is not an AbortSignal rejects with a TypeError and leaves nothing pending', async () => {
    const r = rawPeer();
    for (const signal of [{}, { aborted: false }, 'abort', null]) {
      await assert.rejects(r.connection.request('m', undefined, { signal: signal as AbortSignal }), TypeError);
    }
    const throwing = new Proxy({}, { get: () => { throw new Error('trap'); } });
    await assert.rejects(r.connection.request('m', undefined, throwing as never), TypeError);
    await delay(20);
    assert.equal(r.connection.pendingCount, 0);
    assert.deepEqual(r.sent(), []);
    await r.connection.close();
  });
});
