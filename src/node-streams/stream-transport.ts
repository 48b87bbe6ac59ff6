/**
 * A `ByteStreamTransport` over Node streams (a socket, or a `{ readable, writable }` pair such as
 * a child's stdio), for the portable connection (`createConnection`).
 *
 * It moves bytes and nothing else: `'data'` is handed on as it comes, reading pauses and resumes
 * as the connection says, `write()` hands text to the stream as UTF-8 (Node encodes it natively)
 * and returns false once the stream holds `highWaterMark` bytes, after which `drain` is told when
 * the stream has written it out (by `'drain'`, or by the write callback when the mark is below
 * the stream's own, where `'drain'` would not come).
 *
 * Closing: graceful ends the writable and waits for it to finish (at most CLOSE_FLUSH_TIMEOUT_MS,
 * so that a peer that stops reading cannot keep it open), then destroys both streams; otherwise
 * destroys them at once. Streams the transport does not own (process.stdin/stdout:
 * `keepStreams`) are flushed and paused, never ended or destroyed.
 */
import type { Readable, Writable } from 'node:stream';

import type { ByteStreamTransport, TransportEvents } from '../connection/transport.js';

/** How long a graceful close waits for the output to be flushed before destroying the stream. */
const CLOSE_FLUSH_TIMEOUT_MS = 2000;
const EMPTY = new Uint8Array(0);

export interface StreamTransportOptions {
  /** Bytes buffered in the stream before `write()` returns false. Default: the writable's own mark (16 KiB if none). */
  highWaterMark?: number;
  /** Streams not owned by the connection (process.stdin/stdout): flushed and paused, never ended or destroyed. */
  keepStreams?: boolean;
  /** Why the remote end went away, when it can be told (a child's exit status). */
  describeEnd?: () => Promise<string | undefined>;
}

export class StreamTransport implements ByteStreamTransport {
  readonly kind = 'bytes';
  readonly describeEnd: (() => Promise<string | undefined>) | undefined;
  private readonly readable: Readable;
  private readonly writable: Writable;
  private readonly duplex: boolean;
  private readonly highWaterMark: number;
  private readonly keepStreams: boolean;
  private events: TransportEvents | undefined;
  private blocked = false;
  private inputEnded = false;
  private released = false;

  constructor(stream: { readonly readable: Readable; readonly writable: Writable }, options: StreamTransportOptions = {}) {
    this.readable = stream.readable;
    this.writable = stream.writable;
    this.duplex = (this.readable as unknown) === this.writable;
    const own = this.writable.writableHighWaterMark;
    const mark = options.highWaterMark ?? (own > 0 ? own : 16 * 1024);
    if (!(mark === Infinity || (Number.isInteger(mark) && mark >= 1))) {
      throw new RangeError(`highWaterMark must be a positive integer, got ${String(mark)}`);
    }
    this.highWaterMark = mark;
    this.keepStreams = options.keepStreams === true;
    this.describeEnd = options.describeEnd;
  }

  start(events: TransportEvents): void {
    this.events = events;
    const { readable, writable } = this;
    readable.on('data', this.onData);
    readable.on('end', this.onEnd);
    readable.on('error', this.onError);
    readable.on('close', this.onReadableClose);
    writable.on('drain', this.onWritten);
    if (!this.duplex) {
      writable.on('error', this.onError);
      writable.on('close', this.onWritableClose);
    }
  }

  write(chunk: string | Uint8Array): boolean {
    const writable = this.writable;
    if (writable.destroyed || writable.writableEnded) {
      // A stream destroyed with an error says why (its 'error' event may not have come yet).
      throw writable.errored ?? new Error('Cannot write: the stream has already ended or was destroyed');
    }
    const ok = typeof chunk === 'string' ? writable.write(chunk, 'utf8', this.onWritten) : writable.write(chunk, this.onWritten);
    if (ok && writable.writableLength < this.highWaterMark) return true;
    this.blocked = true;
    return false;
  }

  pause(): void {
    this.readable.pause();
  }

  resume(): void {
    if (!this.released) this.readable.resume();
  }

  close(graceful: boolean): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    this.readable.off('data', this.onData);
    const { readable, writable } = this;
    const finish = (): void => {
      if (this.keepStreams) {
        readable.pause();
        return;
      }
      readable.destroy();
      if (!this.duplex) writable.destroy();
    };
    if (!graceful || writable.destroyed || writable.writableFinished) {
      finish();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      let done = false;
      const once = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        writable.off('finish', once);
        writable.off('close', once);
        writable.off('error', once);
        finish();
        resolve();
      };
      const timer = setTimeout(once, CLOSE_FLUSH_TIMEOUT_MS);
      writable.once('close', once);
      writable.once('error', once);
      if (this.keepStreams) {
        // process.stdout is never ended: wait until what was written has left, then let go.
        writable.write(EMPTY, once);
      } else {
        writable.once('finish', once);
        if (!writable.writableEnded) writable.end();
      }
    });
  }

  private readonly onData = (chunk: Uint8Array | string): void => this.events?.data(chunk);

  private readonly onEnd = (): void => {
    this.inputEnded = true;
    this.events?.end();
  };

  private readonly onError = (error: Error): void => {
    if (!this.released) this.events?.error(error);
  };

  private readonly onWritten = (): void => {
    if (!this.blocked || this.writable.writableLength >= this.highWaterMark) return;
    this.blocked = false;
    this.events?.drain();
  };

  private readonly onReadableClose = (): void => {
    if (this.released) return;
    if (!this.inputEnded) {
      this.events?.error(Object.assign(new Error('The stream was closed before it ended (the remote side went away)'), { code: 'ECLOSED' }));
    } else if (this.duplex) {
      // A socket that closes after its input ended can no longer be written either.
      this.events?.writeClosed();
    }
  };

  private readonly onWritableClose = (): void => {
    if (!this.released) this.events?.writeClosed();
  };
}
