/** Shared tools for the framing tests: feeding streams in chunks, summarising output, arbitraries. */
import fc from 'fast-check';
import assert from 'node:assert/strict';
import type { FrameEvent, Framer, FramerOptions, FramerNatives } from '../../src/framing/index.js';
import { nodeFramerNatives } from '../../src/node-streams/framer-natives.js';

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

const reference = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/**
 * What every decode must agree with (the framers' default, which the Node natives must match):
 * one fatal, BOM-keeping decode() call, or null where it throws.
 */
export function referenceDecode(bytes: Uint8Array): string | null {
  try {
    return reference.decode(bytes);
  } catch {
    return null;
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Cuts `bytes` at the given positions (any order, duplicates and out-of-range ones ignored). */
export function cutAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.slice(from, p));
    from = p;
  }
  chunks.push(bytes.slice(from));
  return chunks;
}

/** Cuts `bytes` into chunks of `size` bytes. */
export function cutEvery(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
  return chunks;
}

/** Pushes every chunk, then ends the stream; returns all events in order. */
export function feed(framer: Framer, chunks: readonly Uint8Array[]): FrameEvent[] {
  const events: FrameEvent[] = [];
  for (const chunk of chunks) events.push(...framer.push(chunk));
  events.push(...framer.end());
  return events;
}

/** Events as comparable strings: a frame's text, or `!problem` for an error (never fatal here). */
export function summary(events: readonly FrameEvent[]): string[] {
  return events.map((e) => {
    if (e.kind === 'frame') return e.text;
    assertFramingError(e);
    return `!${(e.error.data as { problem: string }).problem}`;
  });
}

export function frames(events: readonly FrameEvent[]): string[] {
  return events.filter((e) => e.kind === 'frame').map((e) => (e as { text: string }).text);
}

export function errors(events: readonly FrameEvent[]): Array<Extract<FrameEvent, { kind: 'error' }>> {
  return events.filter((e): e is Extract<FrameEvent, { kind: 'error' }> => e.kind === 'error');
}

/** Every framing error is a -32700 with a message and `data.framing` / `data.problem`. */
export function assertFramingError(e: Extract<FrameEvent, { kind: 'error' }>): void {
  const data = e.error.data as { framing?: unknown; problem?: unknown } | undefined;
  if (e.error.code !== -32700 || typeof data?.problem !== 'string' || typeof data.framing !== 'string') {
    throw new Error(`not a framing error: ${e.error.code} ${e.error.message} ${JSON.stringify(data)}`);
  }
  if (e.error.message.length < 20) throw new Error(`unhelpful message: ${e.error.message}`);
}

/** Strings that stress framing: quotes, backslashes, line ends, braces, headers, non-ASCII. */
const nasty = fc.constantFrom(
  '"', '\\', '\\"', '\n', '\r\n', '\r', '{', '}', '[', ']', 'Content-Length: 5\r\n\r\n',
  'é', '€', '😀', '\u2028', '\u0000', ' ', 'a', 'ab', '\uFEFF',
);
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.array(nasty, { maxLength: 12 }).map((parts) => parts.join('')),
);

/** A JSON-RPC-ish message as compact JSON text (an object, sometimes a batch array). */
export const messageJson: fc.Arbitrary<string> = fc
  .oneof(
    fc.record({
      jsonrpc: fc.constant('2.0'),
      id: fc.oneof(fc.integer(), text),
      method: text,
      params: fc.oneof(fc.array(fc.oneof(text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null)), { maxLength: 5 }), fc.dictionary(text, text, { maxKeys: 4 })),
    }),
    fc.record({ jsonrpc: fc.constant('2.0'), id: fc.integer(), result: fc.jsonValue({ maxDepth: 3 }) }),
    fc.array(fc.record({ jsonrpc: fc.constant('2.0'), method: text }), { minLength: 1, maxLength: 3 }),
  )
  .map((value) => JSON.stringify(value));

/** Cut positions, as fractions of the stream's length (the length is not known in advance). */
export const cutFractions = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 });

export function toCuts(fractions: readonly number[], length: number): number[] {
  return fractions.map((f) => Math.floor(f * length));
}

/**
 * The least CPU time (ms, this process's user + system) of `runs` calls of `fn`. CPU time, not
 * wall time: on a busy machine a run may wait for a core, and waiting is not work.
 */
export function timeBest(runs: number, fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

/**
 * Feeds `stream` whole, in 3-byte and in 1-byte chunks to a fresh framer from `make`, asserts the
 * same summary each time, and returns the events of the first run.
 */
export function expectEverywhere(
  make: (options: FramerOptions) => Framer,
  stream: Uint8Array,
  expected: string[],
  max?: number,
): FrameEvent[] {
  let first: FrameEvent[] | undefined;
  for (const natives of DECODINGS) {
    for (const size of [stream.length, 3, 1]) {
      const events = feed(make({ maxMessageBytes: max, natives }), cutEvery(stream, Math.max(1, size)));
      assert.deepEqual(summary(events), expected, `chunks of ${size}${natives ? ', Node decoding' : ''}`);
      first ??= events;
    }
  }
  return first!;
}

/**
 * The framers' two decodings: the default (TextDecoder) and the one the Node layer injects. Every
 * framing test that goes through expectEverywhere or assertCutsChangeNothing runs with both.
 */
export const DECODINGS: ReadonlyArray<FramerNatives | undefined> = [undefined, nodeFramerNatives];

/**
 * Property: a stream made of random `segment`s (valid frames, errors, garbage) gives the same
 * frames and errors, in the same places, whole and cut anywhere. `maxMessageBytes` is 64 so that
 * oversized frames are among the cases.
 */
export function assertCutsChangeNothing(make: (options: FramerOptions) => Framer, segment: fc.Arbitrary<Uint8Array>): void {
  fc.assert(
    fc.property(fc.array(segment, { maxLength: 10 }), cutFractions, fc.constantFrom(...DECODINGS), (segments, fractions, natives) => {
      const stream = concat(segments);
      // The reference is always the default decoding, whole: the Node one must agree with it too.
      const whole = summary(feed(make({ maxMessageBytes: 64 }), [stream]));
      const cut = summary(feed(make({ maxMessageBytes: 64, natives }), cutAt(stream, toCuts(fractions, stream.length))));
      assert.deepEqual(cut, whole);
    }),
    { numRuns: 300 },
  );
}
