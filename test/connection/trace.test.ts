/** The `trace` and `redact` connection options, over the in-memory pair (bytes and messages). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';

import { createConnection } from '../../src/connection/connection.js';
import { createConnectionPair, createTransportPair } from '../../src/connection/pair.js';
import { traceTransport, WireTrace, type TraceEvent } from '../../src/connection/trace.js';
import { createFramer } from '../../src/framing/index.js';
import { cutAt, cutFractions, toCuts } from '../framing/helpers.js';
import type { TransportEvents } from '../../src/connection/transport.js';
import type { ConnectionOptions } from '../../src/connection/connection.js';
import type { FramingName } from '../../src/framing/types.js';
import { JsonRpcException } from '../../src/parser/errors.js';
import type { HandlerErrorInfo } from '../../src/dispatch/error-policy.js';
import { methods } from './behaviour.js';

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

/** A raw end of a transport pair: what it is sent, and a way to write anything to the other side. */
function rawPeer(framing?: FramingName, options: ConnectionOptions = {}) {
  const [ta, tb] = createTransportPair();
  const received: Uint8Array[] = [];
  const events: TransportEvents = { data: (chunk) => received.push(chunk as Uint8Array), value: () => {}, end: () => {}, drain: () => {}, writeClosed: () => {}, error: () => {} };
  tb.start(events);
  const traced: TraceEvent[] = [];
  const connection = createConnection(ta, { framing, trace: (event) => traced.push(event), ...options });
  return { connection, traced, write: (text: string) => tb.write(text), end: () => tb.endOutput(), received };
}

/** Waits until `events` has `count` entries (the pair delivers in timers; trace events come a microtask after). */
async function until(events: readonly unknown[], count: number): Promise<void> {
  const bound = Date.now() + 20_000; // a hang bound only
  while (events.length < count && Date.now() < bound) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.ok(events.length >= count, `${events.length} events, waited for ${count}`);
}

/** The fields of events a test compares (times vary). */
function shape(event: TraceEvent): Omit<TraceEvent, 'timestamp' | 'latencyMs'> {
  const { timestamp: _t, latencyMs: _l, ...rest } = event;
  return rest;
}

describe('trace', () => {
  for (const framing of ['newline', 'content-length'] as const) {
    it(`${framing}: every message both ways, each response with its request's method and latency, sizes in UTF-8 bytes`, async () => {
      const traceA: TraceEvent[] = [];
      const traceB: TraceEvent[] = [];
      const [a, b] = createConnectionPair(
        { framing, trace: (event) => traceA.push(event) },
        {
          framing,
          trace: (event) => traceB.push(event),
          dispatcher: methods({ greet: ({ name }: { name: string }) => `héllo ${name}`, fail: () => Promise.reject(new JsonRpcException(-32000, 'no')) }),
        },
      );
      const before = Date.now();
      assert.equal(await a.request('greet', { name: 'wörld' }), 'héllo wörld');
      await assert.rejects(a.request('fail'), /no/);
      await a.notify('ping', [1]);
      await until(traceB, 5);
      await until(traceA, 5);
      const sized = (fields: Omit<TraceEvent, 'timestamp' | 'bytes' | 'framing'>): Omit<TraceEvent, 'timestamp'> => ({
        ...fields,
        bytes: utf8(JSON.stringify(fields.message)),
        framing,
      });
      assert.deepEqual(traceA.map(shape), [
        sized({ direction: 'out', kind: 'request', id: 1, method: 'greet', message: { jsonrpc: '2.0', id: 1, method: 'greet', params: { name: 'wörld' } } }),
        sized({ direction: 'in', kind: 'response', id: 1, method: 'greet', message: { jsonrpc: '2.0', id: 1, result: 'héllo wörld' } }),
        sized({ direction: 'out', kind: 'request', id: 2, method: 'fail', message: { jsonrpc: '2.0', id: 2, method: 'fail' } }),
        sized({
          direction: 'in', kind: 'response', id: 2, method: 'fail', errorCode: -32000,
          message: { jsonrpc: '2.0', id: 2, error: { code: -32000, message: 'no' } },
        }),
        sized({ direction: 'out', kind: 'notification', method: 'ping', message: { jsonrpc: '2.0', method: 'ping', params: [1] } }),
      ]);
      assert.equal(traceA[0]!.bytes, 68, 'ö is two bytes');
      // The other side sees the same messages, the other way round, paired its way.
      assert.deepEqual(
        traceB.map(shape),
        traceA.map((event) => ({ ...shape(event), direction: event.direction === 'in' ? 'out' : 'in' })),
      );
      const times = [...traceA, ...traceB].map((event) => event.timestamp);
      assert.ok(times.every((time) => time >= before - 1 && time <= Date.now() + 1), 'timestamps are epoch milliseconds of now');
      for (const trace of [traceA, traceB]) {
        const responses = trace.filter((event) => event.kind === 'response');
        assert.ok(responses.every((event) => typeof event.latencyMs === 'number' && event.latencyMs >= 0));
        const stamps = trace.map((event) => event.timestamp);
        assert.deepEqual(stamps, [...stamps].sort((x, y) => x - y), 'in the order they crossed');
      }
      await a.close();
      await b.closed;
    });
  }

  it('what one side traces going out is what the other traces coming in, for any calls (property)', async () => {
    const call = fc.record({
      method: fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }).filter((m) => !m.startsWith('rpc.') && !m.startsWith('$/')),
      params: fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.boolean()), { maxKeys: 3 }), { nil: undefined }),
      notification: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 8 }), fc.constantFrom<FramingName>('newline', 'content-length'), async (calls, framing) => {
        const traceA: TraceEvent[] = [];
        const traceB: TraceEvent[] = [];
        const [a, b] = createConnectionPair({ framing, trace: (e) => traceA.push(e) }, { framing, trace: (e) => traceB.push(e) });
        await Promise.allSettled(calls.map((c) => (c.notification ? a.notify(c.method, c.params) : a.request(c.method, c.params))));
        const expected = calls.length + calls.filter((c) => !c.notification).length;
        await until(traceA, expected);
        await until(traceB, expected);
        assert.deepEqual(traceB.map(shape), traceA.map((e) => ({ ...shape(e), direction: e.direction === 'in' ? 'out' : 'in' })));
        for (const event of traceA) {
          assert.equal(event.bytes, utf8(JSON.stringify(event.message)), 'bytes are the JSON text in UTF-8');
          if (event.kind === 'response') {
            const request = traceA.find((e) => e.kind === 'request' && e.id === event.id)!;
            assert.equal(event.method, request.method);
          }
        }
        a.destroy();
        await b.closed;
      }),
      { numRuns: 40 },
    );
  });

  it('the events do not depend on where the chunks are cut (property, every framing, garbage included)', async () => {
    const message = fc.oneof(
      fc.record({ jsonrpc: fc.constant('2.0'), id: fc.nat(), method: fc.string({ unit: 'grapheme', maxLength: 6 }), params: fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 2 }) }),
      fc.record({ jsonrpc: fc.constant('2.0'), id: fc.nat(), result: fc.jsonValue({ maxDepth: 2 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<FramingName>('newline', 'content-length', 'json-stream'),
        fc.array(fc.oneof(message, fc.constant('garbage')), { minLength: 1, maxLength: 6 }),
        cutFractions,
        async (framing, items, fractions) => {
          const framer = createFramer(framing);
          const parts = items.map((item) => (item === 'garbage' ? new TextEncoder().encode('# stray output\n') : framer.encode(JSON.stringify(item))));
          const bytes = Buffer.concat(parts);
          const read = async (chunks: readonly Uint8Array[]): Promise<unknown[]> => {
            const events: TraceEvent[] = [];
            const wire = new WireTrace(framing, { deliver: (e) => events.push(e), redact: undefined, redactFailed: () => {}, maxMessageBytes: undefined, utf8Length: undefined });
            for (const chunk of chunks) wire.observe('in', chunk);
            wire.end('in');
            await Promise.resolve();
            return events.map(({ timestamp: _t, latencyMs: _l, ...rest }) => rest);
          };
          assert.deepEqual(await read(cutAt(bytes, toCuts(fractions, bytes.length))), await read([bytes]));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a batch is one event per entry: the size on the first, each response paired', async () => {
    const { connection, traced, write } = rawPeer();
    const p = connection.batch([{ method: 'x' }, { method: 'y', notification: true }, { method: 'z' }]);
    await until(traced, 3);
    const answer = '[{"jsonrpc":"2.0","id":2,"result":"Z"},{"jsonrpc":"2.0","id":1,"result":"X"}]';
    write(`${answer}\n`);
    assert.deepEqual(await Promise.all(p), ['X', undefined, 'Z']);
    await until(traced, 5);
    const sent = '[{"jsonrpc":"2.0","id":1,"method":"x"},{"jsonrpc":"2.0","method":"y"},{"jsonrpc":"2.0","id":2,"method":"z"}]';
    assert.deepEqual(
      traced.map((e) => [e.direction, e.kind, e.id, e.method, e.bytes, e.batch]),
      [
        ['out', 'request', 1, 'x', sent.length, { index: 0, of: 3 }],
        ['out', 'notification', undefined, 'y', 0, { index: 1, of: 3 }],
        ['out', 'request', 2, 'z', 0, { index: 2, of: 3 }],
        ['in', 'response', 2, 'z', answer.length, { index: 0, of: 2 }],
        ['in', 'response', 1, 'x', 0, { index: 1, of: 2 }],
      ],
    );
    connection.destroy();
  });

  it('garbage is traced with the framer\'s explanation, invalid JSON with its text, responses to nothing as unmatched', async () => {
    const { connection, traced, write, end } = rawPeer('content-length');
    write('hello there\r\n\r\n');
    const framed = (text: string): string => `Content-Length: ${utf8(text)}\r\n\r\n${text}`;
    write(framed('{"a":'));
    write(framed('{"jsonrpc":"2.0","id":9,"result":1}'));
    write('Content-Length: 9\r\n\r\n{"jsonrp');
    end();
    await connection.closed;
    await until(traced, 5);
    const kinds = traced.map((e) => [e.direction, e.kind]);
    assert.deepEqual(kinds.slice(0, 3), [['in', 'unreadable'], ['in', 'invalid'], ['in', 'response']]);
    assert.match(traced[0]!.problem!, /hello there/, 'the framer quotes the bytes');
    assert.equal(traced[1]!.text, '{"a":');
    assert.match(traced[1]!.problem!, /Parse error/i);
    assert.equal(traced[2]!.unmatched, true);
    // The connection answered the parse error (when, depends on scheduling), and the stream ended inside a message.
    const answer = traced.slice(3).find((e) => e.direction === 'out');
    assert.deepEqual([answer?.kind, answer?.errorCode, answer?.unmatched], ['response', -32700, true]);
    const cut = traced.slice(3).find((e) => e.direction === 'in');
    assert.equal(cut?.kind, 'unreadable');
    assert.match(cut!.problem!, /ended|middle|cut|incomplete/i);
  });

  it('a response that breaks the specification is traced as invalid, paired with its request', async () => {
    const { connection, traced, write } = rawPeer();
    const pending = connection.request('m');
    await until(traced, 1);
    write('{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"x"}}\n');
    await assert.rejects(pending);
    await until(traced, 2);
    assert.equal(traced[1]!.kind, 'invalid');
    assert.equal(traced[1]!.method, 'm');
    assert.match(traced[1]!.problem!, /^Invalid response: /);
    connection.destroy();
  });

  it('on a message channel each message is one event, framing "message"', async () => {
    const [ta, tb] = createTransportPair(undefined, 'messages');
    const traced: TraceEvent[] = [];
    const a = createConnection(ta, { trace: (e) => traced.push(e) });
    const b = createConnection(tb, { dispatcher: methods({ twice: ({ n }: { n: number }) => 2 * n }) });
    assert.equal(await a.request('twice', { n: 21 }), 42);
    await until(traced, 2);
    assert.deepEqual(traced.map((e) => [e.direction, e.kind, e.method, e.framing, e.message]), [
      ['out', 'request', 'twice', 'message', { jsonrpc: '2.0', id: 1, method: 'twice', params: { n: 21 } }],
      ['in', 'response', 'twice', 'message', { jsonrpc: '2.0', id: 1, result: 42 }],
    ]);
    await a.close();
    await b.closed;
  });

  it('redact rewrites every message before it is traced; an invalid message keeps no text', async () => {
    const seen: unknown[] = [];
    const { connection, traced, write } = rawPeer('newline', {
      redact: (message) => {
        seen.push(message);
        return { ...(message as object), params: 'hidden' };
      },
    });
    void connection.notify('secret', { password: 'hunter2' });
    write('{"broken\n');
    await until(traced, 3);
    assert.deepEqual(traced[0]!.message, { jsonrpc: '2.0', method: 'secret', params: 'hidden' });
    assert.deepEqual(seen[0], { jsonrpc: '2.0', method: 'secret', params: { password: 'hunter2' } });
    const invalid = traced.find((e) => e.kind === 'invalid')!;
    assert.equal(invalid.text, undefined);
    assert.ok(!JSON.stringify(traced).includes('hunter2'));
    connection.destroy();
  });

  it('a trace or redact callback that throws is reported and tracing goes on; the connection is unharmed', async () => {
    const reports: [unknown, HandlerErrorInfo][] = [];
    let calls = 0;
    const traced: TraceEvent[] = [];
    const [a, b] = createConnectionPair(
      {
        trace: (event) => {
          traced.push(event);
          if (++calls === 1) throw new Error('trace broke');
          if (calls === 2) return Promise.reject(new Error('trace rejected'));
        },
        redact: (message) => {
          if ((message as { id?: unknown }).id === 2) throw new Error('redact broke');
          return message;
        },
        onHandlerError: (error, info) => reports.push([error, info]),
      },
      { dispatcher: methods({ echo: ({ v }: { v: number }) => v }) },
    );
    assert.equal(await a.request('echo', { v: 1 }), 1);
    assert.equal(await a.request('echo', { v: 2 }), 2);
    await until(traced, 4);
    await until(reports, 4);
    assert.deepEqual(
      reports.map(([error, info]) => [(error as Error).message, info.stage, info.event]),
      [
        ['trace broke', 'listener', 'trace'],
        ['trace rejected', 'listener', 'trace'],
        ['redact broke', 'listener', 'redact'],
        ['redact broke', 'listener', 'redact'],
      ],
    );
    assert.equal(traced[2]!.message, undefined, 'a message redact failed on is not traced');
    assert.equal(traced[2]!.method, 'echo');
    await a.close();
    await b.closed;
  });

  it('a trace callback may call the connection: events come after the write, never inside it', async () => {
    const traced: TraceEvent[] = [];
    const [a, b] = createConnectionPair(
      {
        trace: (event) => {
          traced.push(event);
          if (event.method === 'first' && event.direction === 'out') void a.notify('second');
        },
      },
      {},
    );
    await a.notify('first');
    await until(traced, 2);
    assert.deepEqual(traced.map((e) => e.method), ['first', 'second']);
    await a.close();
    await b.closed;
  });

  it('what the transport refused to take (its write threw) is not traced as sent', async () => {
    const [ta, tb] = createTransportPair();
    tb.start({ data: () => {}, value: () => {}, end: () => {}, drain: () => {}, writeClosed: () => {}, error: () => {} });
    ta.write = () => {
      throw new Error('broken pipe');
    };
    const traced: TraceEvent[] = [];
    const a = createConnection(ta, { trace: (e) => traced.push(e) });
    await assert.rejects(a.notify('lost'));
    await a.closed;
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(traced, []);
  });

  it('without trace the transport is the connection\'s own; a trace or redact that is not a function is a TypeError', () => {
    const [ta] = createTransportPair();
    assert.equal(traceTransport(ta, {}, () => {}), ta);
    assert.notEqual(traceTransport(ta, { trace: () => {} }, () => {}), ta);
    assert.throws(() => createConnection(ta, { trace: 'yes' as never }), TypeError);
    assert.throws(() => createConnection(ta, { trace: () => {}, redact: 1 as never }), TypeError);
  });
});
