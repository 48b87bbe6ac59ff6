/**
 * Two connections wired to each other in memory: real framing and real back pressure, no I/O.
 * For tests (the library's and its users'), and for two parts of one program.
 *
 * ```ts
 * const [client, server] = createConnectionPair({}, { dispatcher });
 * await client.request('add', [1, 2]); // 3
 * ```
 *
 * Each direction is a `MemoryPipe`: what one end writes is delivered to the other in a later
 * task (as a socket would), chunk by chunk, while the reading end is not paused. The pipe holds
 * at most `highWaterMark` bytes before `write()` returns false (the writer then waits for
 * `drain`); a paused reader holds it there, so the writer's side stops handling, as over TCP.
 */
import type { MethodTable, UntypedMethods } from '../dispatch/types.js';
import { createConnection, type ConnectionOptions, type JsonRpcConnection } from './connection.js';
import type { ByteStreamTransport, MessageChannelTransport, TransportEvents } from './transport.js';


/** What each direction of a pair holds before its writer must wait. */
export const DEFAULT_PAIR_HIGH_WATER_MARK = 64 * 1024;

const encoder = new TextEncoder();

/** One direction: chunks (or messages) written at one end, delivered at the other. */
class MemoryPipe {
  private chunks: (Uint8Array | string)[] = [];
  private bytes = 0;
  private ended = false;
  private scheduled = false;
  /** The writer got false from write() and waits for drain. */
  private writerWaits = false;
  reader: MemoryEnd | undefined;
  writer: MemoryEnd | undefined;

  constructor(readonly highWaterMark: number) {}

  write(chunk: Uint8Array | string): boolean {
    if (this.ended) return true; // the reader is gone: like a socket's late writes, dropped
    this.chunks.push(chunk);
    this.bytes += sizeOf(chunk);
    this.schedule();
    if (this.bytes < this.highWaterMark) return true;
    this.writerWaits = true;
    return false;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.schedule();
  }

  /** The reading end stopped reading for good: nothing more is delivered. */
  drop(): void {
    this.chunks = [];
    this.bytes = 0;
    this.ended = true;
    this.reader = undefined;
  }

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(this.deliver, 0);
  }

  private readonly deliver = (): void => {
    this.scheduled = false;
    const reader = this.reader;
    if (reader === undefined) return;
    while (this.chunks.length > 0 && !reader.paused) {
      const chunk = this.chunks.shift()!;
      this.bytes -= sizeOf(chunk);
      reader.events?.data(chunk);
    }
    if (this.writerWaits && this.bytes < this.highWaterMark) {
      this.writerWaits = false;
      this.writer?.events?.drain();
    }
    if (this.chunks.length === 0 && this.ended && this.reader !== undefined) {
      this.reader = undefined;
      reader.events?.end();
    }
  };
}

/** A message's size as a channel's buffer counts it (a string's length). */
function sizeOf(chunk: Uint8Array | string): number {
  return typeof chunk === 'string' ? chunk.length : chunk.byteLength;
}

/** One end of a pair, as its connection sees it (the two kinds below add the way to write). */
abstract class MemoryEnd {
  events: TransportEvents | undefined;
  paused = false;

  constructor(
    private readonly incoming: MemoryPipe,
    protected readonly outgoing: MemoryPipe,
  ) {
    incoming.reader = this;
    outgoing.writer = this;
  }

  start(events: TransportEvents): void {
    this.events = events;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.incoming.schedule();
  }

  close(graceful: boolean): Promise<void> {
    // Graceful: the other end reads what was written, then the end. Otherwise, like a reset: the
    // other end learns at once that the pipe is gone.
    this.outgoing.end();
    this.incoming.drop();
    if (!graceful) {
      const other = this.outgoing.reader;
      this.outgoing.drop();
      if (other !== undefined) setTimeout(() => other.events?.error(new Error('The other end of the pair was destroyed')), 0);
    }
    return Promise.resolve();
  }

  /** Ends this end's output only (a half-close): the other end sees the end of its input. */
  endOutput(): void {
    this.outgoing.end();
  }
}

/** A byte-stream end: text is written as its UTF-8 bytes; chunks arrive as written. */
export class MemoryByteStream extends MemoryEnd implements ByteStreamTransport {
  readonly kind = 'bytes';

  write(chunk: string | Uint8Array): boolean {
    return this.outgoing.write(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
  }
}

/** A message-channel end (as a MessagePort or WebSocket would be): one JSON text per message. */
export class MemoryMessageChannel extends MemoryEnd implements MessageChannelTransport {
  readonly kind = 'messages';

  send(json: string): boolean {
    return this.outgoing.write(json);
  }
}

/**
 * Two transports wired to each other (see `createConnectionPair`): byte streams, or message
 * channels with `kind: 'messages'`. Each direction holds `highWaterMark` bytes (characters of
 * messages) before its writer must wait.
 */
export function createTransportPair(highWaterMark?: number): [MemoryByteStream, MemoryByteStream];
export function createTransportPair(highWaterMark: number | undefined, kind: 'messages'): [MemoryMessageChannel, MemoryMessageChannel];
export function createTransportPair(
  highWaterMark = DEFAULT_PAIR_HIGH_WATER_MARK,
  kind: 'bytes' | 'messages' = 'bytes',
): [MemoryByteStream, MemoryByteStream] | [MemoryMessageChannel, MemoryMessageChannel] {
  if (!(Number.isInteger(highWaterMark) && highWaterMark >= 1)) {
    throw new RangeError(`highWaterMark must be a positive integer, got ${String(highWaterMark)}`);
  }
  const ab = new MemoryPipe(highWaterMark);
  const ba = new MemoryPipe(highWaterMark);
  if (kind === 'messages') return [new MemoryMessageChannel(ba, ab), new MemoryMessageChannel(ab, ba)];
  return [new MemoryByteStream(ba, ab), new MemoryByteStream(ab, ba)];
}

/**
 * Two connections talking to each other in memory. `optionsA` and `optionsB` are each end's
 * options (framing must agree, as on a real stream: it defaults to `'newline'` on both).
 */
export function createConnectionPair<
  A extends MethodTable<A> = UntypedMethods,
  B extends MethodTable<B> = UntypedMethods,
>(optionsA: ConnectionOptions<A> = {}, optionsB: ConnectionOptions<B> = {}): [JsonRpcConnection<B>, JsonRpcConnection<A>] {
  const [a, b] = createTransportPair();
  return [createConnection<B, A>(a, optionsA), createConnection<A, B>(b, optionsB)];
}

