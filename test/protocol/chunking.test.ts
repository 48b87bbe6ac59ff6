/**
 * The engine's events never depend on how the input was cut: fed whole, in random chunks or a byte
 * at a time, the same stream gives the same events and the same output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createFramer } from '../../src/framing/index.js';
import type { FramingName } from '../../src/framing/types.js';
import type { ProtocolEngineOptions } from '../../src/protocol/engine.js';
import { cutAt, cutEvery, cutFractions, toCuts } from '../framing/helpers.js';
import { drain, engine, HOLD, kinds, write, type Work } from './helpers.js';

const id = fc.integer({ min: 1, max: 6 });
const method = fc.constantFrom('a', 'b', 'edit', 'é😀');
const single = fc.oneof(
  fc.record({ jsonrpc: fc.constant('2.0'), id, method, params: fc.constant([1]) }),
  fc.record({ jsonrpc: fc.constant('2.0'), method }),
  // responses to our requests (ids 1..3 are pending), unknown ones, malformed ones
  fc.record({ jsonrpc: fc.constant('2.0'), id, result: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ jsonrpc: fc.constant('2.0'), id, error: fc.constant({ code: -1, message: 'no' }) }),
  fc.record({ jsonrpc: fc.constant('2.0'), id, result: fc.constant(1), error: fc.constant(null) }),
  fc.record({ jsonrpc: fc.constant('2.0'), method: fc.constant('$/cancelRequest'), params: fc.record({ id }) }),
  fc.record({ jsonrpc: fc.constant('2.0'), method: fc.constant('$/progress'), params: fc.record({ token: fc.constantFrom('t1', 't9'), value: fc.nat() }) }),
  fc.constantFrom(1, 'x', null, {}),
);
/** One segment's JSON text (or text that is not JSON). */
const segment = fc.oneof(
  { weight: 5, arbitrary: single.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.array(single, { minLength: 1, maxLength: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.constantFrom('{"jsonrpc":"2.0",', '[]', '{]') },
);

function stream(framing: FramingName, jsons: readonly string[]): Uint8Array {
  const framer = createFramer(framing);
  // json-stream cannot delimit what is not JSON: it gets only parseable segments.
  const texts = framing === 'json-stream' ? jsons.filter((j) => isJson(j)) : jsons;
  return new TextEncoder().encode(texts.map((j) => framer.encodeText(j)).join(''));
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Runs a fresh engine over `chunks`: hold even ids, answer the rest; then answer the held. */
function run(options: ProtocolEngineOptions, chunks: readonly Uint8Array[]): { events: string[]; written: string[] } {
  const peer = engine({ conventions: 'lsp', ...options });
  peer.request('a', { workDoneToken: 't1' });
  peer.request('b');
  peer.request('c');
  const events: string[] = [];
  const written: string[] = [];
  const held: Work[] = [];
  const handle = (w: Work): unknown => (typeof w.id === 'number' && w.id % 2 === 0 ? HOLD : w.method);
  const take = (): void => {
    const out = drain(peer, handle);
    events.push(...kinds(out.events));
    written.push(...out.written);
    held.push(...out.held);
  };
  for (const chunk of chunks) {
    peer.receive(chunk);
    take();
  }
  peer.end();
  take();
  while (held.length > 0) {
    write(written, peer.respond(held.shift()!, 'later'));
    take();
  }
  return { events, written };
}

for (const framing of ['newline', 'content-length', 'json-stream'] as const) {
  test(`${framing}: events and output are the same whole, cut anywhere, and byte at a time`, () => {
    fc.assert(
      fc.property(
        fc.array(segment, { maxLength: 12 }),
        cutFractions,
        fc.constantFrom(1, 2, Infinity),
        fc.constantFrom<readonly string[]>([], ['edit']),
        fc.constantFrom(Infinity, 40, 100),
        (jsons, fractions, maxConcurrentHandlers, sequential, byteBound) => {
          const bytes = stream(framing, jsons);
          // The byte bounds too: a message's size must not depend on the cuts either.
          const options: ProtocolEngineOptions = { framing, maxConcurrentHandlers, maxConcurrentHandlerBytes: byteBound, maxQueuedBytes: byteBound, maxQueuedMessages: 2, sequential };
          const whole = run(options, [bytes]);
          assert.deepEqual(run(options, cutAt(bytes, toCuts(fractions, bytes.length))), whole);
          assert.deepEqual(run(options, cutEvery(bytes, 1)), whole);
          // Sanity: the run ends closed down, with nothing in flight.
          assert.ok(whole.events.at(-1) === 'closing', whole.events.join(', '));
        },
      ),
      { numRuns: 150 },
    );
  });
}
