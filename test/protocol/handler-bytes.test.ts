/**
 * Running handlers are bounded in bytes as well as in count (`maxConcurrentHandlerBytes`): many
 * small messages run at once, few large ones, and one larger than the bound runs alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_MAX_CONCURRENT_HANDLER_BYTES, DEFAULT_MAX_CONCURRENT_HANDLERS } from '../../src/protocol/options.js';
import { drain, engine, HOLD, note, type Work } from './helpers.js';

/** A newline-framed notification whose JSON text (its size) is exactly `bytes` long (at least 50). */
function sized(bytes: number, tag = 0): string {
  const head = `{"jsonrpc":"2.0","method":"m","params":[${tag},"`;
  return head + 'x'.repeat(bytes - head.length - 3) + '"]}\n';
}

test('more small messages run at once than large ones, within maxConcurrentHandlerBytes', () => {
  const server = engine({ maxConcurrentHandlers: 1000, maxConcurrentHandlerBytes: 1000 });
  server.receive(Array.from({ length: 50 }, (_, i) => sized(100, i)).join(''));
  const large = drain(server, () => HOLD).held;
  assert.equal(large.length, 10, '10 messages of 100 bytes fit in 1000');
  assert.equal(server.state.runningBytes, 1000);
  assert.equal(server.mayRead, false, 'no room left: reading pauses');

  const small = engine({ maxConcurrentHandlers: 1000, maxConcurrentHandlerBytes: 1000 });
  small.receive(Array.from({ length: 50 }, (_, i) => sized(50, i)).join(''));
  assert.equal(drain(small, () => HOLD).held.length, 20, '20 messages of 50 bytes fit in 1000');
});

test('the count bound still holds for messages that are all small', () => {
  const server = engine({ maxConcurrentHandlers: 3, maxConcurrentHandlerBytes: 1_000_000 });
  server.receive(Array.from({ length: 10 }, (_, i) => sized(50, i)).join(''));
  assert.equal(drain(server, () => HOLD).held.length, 3);
});

test('a message larger than the bound waits for the handlers before it, runs alone, then the rest go on', () => {
  const server = engine({ maxConcurrentHandlers: 100, maxConcurrentHandlerBytes: 300 });
  server.receive(sized(100, 1) + sized(100, 2) + sized(1000, 3) + sized(100, 4));
  const first = drain(server, () => HOLD).held;
  assert.deepEqual(first.map(tag), [1, 2], 'the large one waits: it does not fit beside them');
  server.respond(first[0]!);
  assert.equal(drain(server, () => HOLD).held.length, 0, 'one handler still runs: the large one still waits');
  server.respond(first[1]!);
  const alone = drain(server, () => HOLD).held;
  assert.deepEqual(alone.map(tag), [3], 'alone, past the bound');
  assert.equal(server.state.runningBytes, 1000);
  assert.equal(server.mayRead, false);
  server.respond(alone[0]!);
  assert.deepEqual(drain(server, () => HOLD).held.map(tag), [4]);
});

test("a batch's entries run within the byte bound, each charged an equal share of the batch's text", () => {
  const entries = Array.from({ length: 10 }, (_, i) => ({ jsonrpc: '2.0', method: 'm', params: [i, 'x'.repeat(40)] }));
  const text = JSON.stringify(entries);
  const share = Math.ceil(text.length / entries.length);
  const server = engine({ maxConcurrentHandlers: 100, maxConcurrentHandlerBytes: 3 * share });
  server.receive(text + '\n');
  const held = drain(server, () => HOLD).held;
  assert.deepEqual(held.map(tag), [0, 1, 2]);
  assert.equal(server.state.runningBytes, 3 * share);
  server.respond(held[1]!);
  assert.deepEqual(drain(server, () => HOLD).held.map(tag), [3], 'the next entry takes the share freed');
});

test('by default, 512 small messages run at once, and 4 MiB of large ones', () => {
  assert.equal(DEFAULT_MAX_CONCURRENT_HANDLERS, 512);
  assert.equal(DEFAULT_MAX_CONCURRENT_HANDLER_BYTES, 4 * 1024 * 1024);
  const small = engine();
  small.receive(Array.from({ length: 1500 }, (_, i) => note('log', { seq: i })).join(''));
  assert.equal(drain(small, () => HOLD).held.length, 512);
  const large = engine();
  const text = sized(256 * 1024);
  for (let i = 0; i < 40; i++) large.receive(text);
  assert.equal(drain(large, () => HOLD).held.length, 16, '16 x 256 KiB = 4 MiB');
});

test('maxConcurrentHandlerBytes must be a positive integer or Infinity', () => {
  for (const bad of [0, -1, 1.5, NaN, '1' as unknown as number]) {
    assert.throws(() => engine({ maxConcurrentHandlerBytes: bad }), RangeError);
  }
  assert.doesNotThrow(() => engine({ maxConcurrentHandlerBytes: Infinity }));
});

function tag(work: Work): number {
  return (work.params as [number, string])[0];
}

test('property: running bytes never pass the bound but for a lone message, nothing waits that fits, all run in order', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 50, max: 600 }), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 40, max: 2000 }),
      fc.array(fc.nat(), { maxLength: 200 }),
      (sizes, maxConcurrentHandlers, maxConcurrentHandlerBytes, picks) => {
        // A channel that is fed only while the engine may read, as a pausing transport would.
        const server = engine({ framing: 'message', maxConcurrentHandlers, maxConcurrentHandlerBytes });
        const texts = sizes.map((size, i) => sized(size, i).slice(0, -1)); // a channel's message: the text alone
        let fed = 0;
        const running: Work[] = [];
        const started: number[] = [];
        const pump = (): void => {
          for (;;) {
            const { held } = drain(server, () => HOLD);
            for (const work of held) {
              running.push(work);
              started.push(tag(work));
              const { running: count, runningBytes } = server.state;
              assert.ok(count <= maxConcurrentHandlers, `${count} running > ${maxConcurrentHandlers}`);
              assert.ok(count === 1 || runningBytes <= maxConcurrentHandlerBytes, `${count} running in ${runningBytes} bytes > ${maxConcurrentHandlerBytes}`);
            }
            if (fed === texts.length || !server.mayRead) break;
            server.receive(texts[fed++]!);
          }
          // Nothing waits that would fit: the next message (queued, or still unsent) does not.
          const next = started.length;
          if (next < texts.length) {
            const { running: count, runningBytes } = server.state;
            assert.ok(count > 0, 'something runs while work waits');
            assert.ok(
              count === maxConcurrentHandlers || runningBytes + texts[next]!.length > maxConcurrentHandlerBytes,
              `message ${next} of ${texts[next]!.length} bytes waits beside ${count} handlers in ${runningBytes} bytes`,
            );
          }
        };
        pump();
        for (const pick of picks) {
          if (running.length === 0) break;
          server.respond(running.splice(pick % running.length, 1)[0]!);
          pump();
        }
        while (running.length > 0) {
          server.respond(running.shift()!);
          pump();
        }
        assert.deepEqual(started, sizes.map((_, i) => i), 'every message ran, in order');
        assert.equal(server.state.runningBytes, 0);
      },
    ),
  );
});

test('property: over a byte stream, in any chunking, the same holds: sizes are the texts\' lengths, whatever the cuts', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 50, max: 3000 }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 100, max: 4000 }),
      fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 10 }),
      fc.array(fc.nat(), { maxLength: 100 }),
      (sizes, maxConcurrentHandlerBytes, cuts, picks) => {
        const server = engine({ maxConcurrentHandlers: 1000, maxConcurrentHandlerBytes });
        const text = sizes.map((size, i) => sized(size, i)).join('');
        for (let at = 0, c = 0; at < text.length; at += cuts[c++ % cuts.length]!) server.receive(text.slice(at, at + cuts[c % cuts.length]!));
        const running: Work[] = [];
        const started: number[] = [];
        const pump = (): void => {
          for (const work of drain(server, () => HOLD).held) {
            running.push(work);
            started.push(tag(work));
            const { running: count, runningBytes } = server.state;
            assert.ok(count === 1 || runningBytes <= maxConcurrentHandlerBytes, `${count} running in ${runningBytes} bytes > ${maxConcurrentHandlerBytes}`);
          }
          const next = started.length;
          if (next < sizes.length) {
            const { runningBytes } = server.state;
            assert.equal(runningBytes, running.reduce((sum, w) => sum + sizes[tag(w)]!, 0), 'each counted at its text\'s length');
            assert.ok(runningBytes + sizes[next]! > maxConcurrentHandlerBytes, `message ${next} of ${sizes[next]} bytes waits beside ${runningBytes} bytes`);
          }
        };
        pump();
        for (let i = 0; running.length > 0; i++) {
          server.respond(running.splice((picks[i] ?? 0) % running.length, 1)[0]!);
          pump();
        }
        assert.deepEqual(started, sizes.map((_, i) => i));
      },
    ),
  );
});
