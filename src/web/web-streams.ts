/**
 * `connectWebStreams({ readable, writable }, options)`: a connection over a Web Streams byte
 * stream (Deno's and Bun's stdin/stdout, `Deno.connect`, `Bun.spawn` pipes, fetch bodies,
 * `WebSocketStream`, `TransformStream` pairs), with any framing.
 *
 * ```ts
 * const connection = connectWebStreams({ readable: Deno.stdin.readable, writable: Deno.stdout.writable }, { dispatcher });
 * ```
 *
 * Reading: one `reader.read()` at a time, and none while the connection may not read, so the
 * stream's own queue (and what lies behind it: a socket, a pipe) holds the rest. Writing: text is
 * encoded once and written; `write()` reports false while the writer's `desiredSize` is not
 * positive (its queuing strategy is full) or the bytes written and not yet taken by the sink
 * reach `highWaterMark`, and `drain` comes once `writer.ready` resolves and they are below it.
 */
import { createConnection, type ConnectionOptions, type JsonRpcConnection } from '../connection/connection.js';
import type { ByteStreamTransport, TransportEvents } from '../connection/transport.js';
import type { MethodTable, UntypedMethods } from '../dispatch/types.js';
import { positive } from '../connection/options.js';
import { CLOSE_FLUSH_TIMEOUT_MS, settleWithin } from './settle.js';

/** Bytes written and not yet taken by the sink before `write()` reports false. */
export const DEFAULT_WEB_STREAMS_HIGH_WATER_MARK = 64 * 1024;

export interface WebStreamPair {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

export interface WebStreamsOptions<L extends MethodTable<L> = UntypedMethods> extends ConnectionOptions<L> {
  /** Bytes written and not yet taken by the sink before writing waits. Default 64 KiB. */
  highWaterMark?: number;
}

const encoder = new TextEncoder();
const noop = (): void => {};

export class WebStreamsTransport implements ByteStreamTransport {
  readonly kind = 'bytes';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly highWaterMark: number;
  private events: TransportEvents | undefined;
  private paused = false;
  private reading = false;
  private released = false;
  private inputEnded = false;
  private blocked = false;
  private awaitingReady = false;
  /** Bytes handed to `writer.write()` whose promise has not settled. */
  private unsettledBytes = 0;

  constructor(streams: WebStreamPair, highWaterMark?: number) {
    this.highWaterMark = positive('highWaterMark', highWaterMark, DEFAULT_WEB_STREAMS_HIGH_WATER_MARK);
    // Locking both streams at once: a stream someone else reads or writes fails here, clearly.
    this.reader = streams.readable.getReader();
    this.writer = streams.writable.getWriter();
  }

  start(events: TransportEvents): void {
    this.events = events;
    this.writer.closed.then(noop, this.onWriteFailed);
    void this.readLoop();
  }

  write(chunk: string | Uint8Array): boolean {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    this.unsettledBytes += bytes.byteLength;
    // A rejected write also rejects `writer.closed`, which reports the failure once.
    this.writer.write(bytes).then(() => {
      this.unsettledBytes -= bytes.byteLength;
      this.maybeDrain();
    }, noop);
    if (this.mayWrite()) return true;
    this.blocked = true;
    this.awaitReady();
    return false;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    if (!this.reading && !this.released) void this.readLoop();
  }

  close(graceful: boolean): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    if (!graceful) {
      this.writer.abort().catch(noop);
      this.cancelReading();
      return Promise.resolve();
    }
    // The output ends first, so that the other side sees the end before its own output is
    // cancelled; a sink that never takes the last bytes cannot hold the close open.
    return settleWithin(this.writer.close(), CLOSE_FLUSH_TIMEOUT_MS).then((settled) => {
      if (!settled) this.writer.abort().catch(noop);
      this.cancelReading();
    });
  }

  /** A read in flight settles (done) once cancelled; the loop then sees `released`. */
  private cancelReading(): void {
    this.reader.cancel().catch(noop);
  }

  /** Reads while the connection may read; one read at a time. */
  private async readLoop(): Promise<void> {
    this.reading = true;
    try {
      while (!this.paused && !this.released) {
        const { done, value } = await this.reader.read();
        if (this.released) return;
        if (done) {
          this.inputEnded = true;
          this.events?.end();
          return;
        }
        if (typeof value === 'string' || value instanceof Uint8Array) this.events?.data(value);
        else throw new TypeError(`The readable stream gave a ${describe(value)}; a byte stream must give Uint8Array chunks`);
      }
    } catch (error) {
      this.fail(error, 'The readable stream failed');
    } finally {
      this.reading = false;
    }
  }

  private mayWrite(): boolean {
    const desired = this.writer.desiredSize;
    return (desired === null || desired > 0) && this.unsettledBytes < this.highWaterMark;
  }

  private maybeDrain(): void {
    if (!this.blocked || this.released) return;
    if (this.mayWrite()) {
      this.blocked = false;
      this.events?.drain();
    } else {
      this.awaitReady();
    }
  }

  /** Waits (once at a time) for the writer's queue to have room again. */
  private awaitReady(): void {
    const desired = this.writer.desiredSize;
    if (this.awaitingReady || desired === null || desired > 0) return;
    this.awaitingReady = true;
    this.writer.ready.then(
      () => {
        this.awaitingReady = false;
        this.maybeDrain();
      },
      noop,
    );
  }

  /**
   * The writable failed (aborted, or cancelled by whoever reads it). Once the input has ended
   * that is the remote side going away after its end: only the output is lost.
   */
  private readonly onWriteFailed = (error: unknown): void => {
    if (this.released) return;
    if (this.inputEnded) this.events?.writeClosed();
    else this.fail(error, 'The writable stream failed');
  };

  private fail(error: unknown, what: string): void {
    if (this.released) return;
    if (error instanceof Error) this.events?.error(error);
    else this.events?.error(new Error(error === undefined ? `${what} (it was cancelled or aborted with no reason)` : `${what}: ${String(error)}`));
  }
}

/** Runs a connection over a Web Streams byte stream. `R` is the remote side's method table, `L` this side's. */
export function connectWebStreams<R extends MethodTable<R> = UntypedMethods, L extends MethodTable<L> = UntypedMethods>(
  streams: WebStreamPair,
  options: WebStreamsOptions<L> = {},
): JsonRpcConnection<R> {
  const { highWaterMark, ...rest } = options;
  return createConnection<R, L>(new WebStreamsTransport(streams, highWaterMark), rest);
}

function describe(value: unknown): string {
  return value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}
