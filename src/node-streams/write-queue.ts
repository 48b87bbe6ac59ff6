/**
 * The coalescing writer. Every outgoing message of one tick is collected and handed to the stream
 * as ONE `write()` (one syscall, one TCP segment when it fits). Messages come as framed text and
 * are joined into one string, written with `'utf8'`: Node encodes it natively, once, straight into
 * the socket's write (no per-message TextEncoder call, no Uint8Array per message, no concat).
 * Bytes can be queued too (relayed frames); a tick that has any is written as one Buffer. The flush runs from
 * `process.nextTick`, i.e. after the current callback and the promise jobs it chained have run:
 * everything produced while handling one read (all the responses of a pipelined burst whose
 * handlers finish synchronously) goes out together. Measured on loopback: `setImmediate` coalesced
 * no better and tripled one-at-a-time latency (725 us vs 209 us per round trip here).
 *
 * It honours back pressure: when `write()` returns false, or the stream holds at least
 * `highWaterMark` bytes, the queue is "blocked" and keeps new bytes to itself until `'drain'` (or,
 * for a bound below the stream's own, until the stream's buffer falls under it). The owner hears
 * about every change through `onBlockedChange` and stops reading meanwhile (see read-gate.ts).
 *
 * Its bytes are counted exactly (UTF-8). `full` says when the bytes waiting to be sent (here, plus
 * what the stream holds) reach `maxBytes`: the read gate then stops reading even under the
 * deadlock rule, so what the remote side makes us write (answers, refusals) stays bounded. Our
 * own calls are never refused for it: they queue behind, and `pushAndWait()` resolves only once
 * their bytes are handed to the stream.
 */
import type { Writable } from 'node:stream';

import { ConnectionClosedError } from '../connection/errors.js';

interface Waiters {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

const noop = (): void => {};

export class WriteQueue {
  /** The text queued since the last bytes (or since the last flush). */
  private text = '';
  /** What was queued before `text`, in order, when bytes were queued this tick; else empty. */
  private parts: (string | Uint8Array)[] = [];
  /** UTF-8 bytes queued and not yet handed to the stream. */
  private queuedBytes = 0;
  private scheduled = false;
  private waitingForDrain = false;
  /** One promise shared by every `pushAndWait()` whose bytes go out in the next flush. */
  private waiters: Waiters | null = null;
  private failure: Error | null = null;
  private idle: (() => void)[] = [];
  private readonly flushNow = (): void => {
    this.scheduled = false;
    this.flush();
  };
  private readonly onDrain = (): void => {
    if (!this.waitingForDrain) return;
    if (this.writable.writableLength >= this.highWaterMark) return; // still over our own bound
    this.setWaiting(false);
    this.flush();
  };
  private readonly onWritten = (): void => this.onDrain();

  constructor(
    private readonly writable: Writable,
    readonly highWaterMark: number,
    readonly maxBytes: number,
    private readonly onBlockedChange: (blocked: boolean) => void,
  ) {
    writable.on('drain', this.onDrain);
  }

  /** True while the stream is over its high-water mark and `'drain'` has not come. */
  get blocked(): boolean {
    return this.waitingForDrain;
  }

  /** Bytes accepted but not yet handed to the stream. */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** The bytes waiting to be sent (queued here, or buffered by the stream) reach `maxBytes`. */
  get full(): boolean {
    return this.queuedBytes + this.writable.writableLength >= this.maxBytes;
  }

  /** Nothing more can be written: the queue failed, or the stream has ended or been destroyed. */
  get closed(): boolean {
    return this.failure !== null || this.writable.writableEnded || this.writable.destroyed;
  }

  /**
   * Queues framed text (or bytes) for the next flush. Returns false (and drops it) once the queue
   * has failed.
   */
  push(data: string | Uint8Array): boolean {
    if (this.failure !== null) return false;
    if (typeof data === 'string') {
      this.text += data;
      this.queuedBytes += Buffer.byteLength(data, 'utf8');
    } else {
      if (this.text !== '') {
        this.parts.push(this.text);
        this.text = '';
      }
      this.parts.push(data);
      this.queuedBytes += data.byteLength;
    }
    if (!this.scheduled && !this.waitingForDrain) {
      this.scheduled = true;
      process.nextTick(this.flushNow);
    }
    return true;
  }

  /**
   * Queues `bytes`; the promise resolves once they are handed to the stream (`write()` called), or
   * rejects with the queue's failure. The promise is marked handled: ignoring it never raises an
   * unhandled rejection.
   */
  pushAndWait(data: string | Uint8Array): Promise<void> {
    if (this.failure !== null) return rejectedHandled(this.failure);
    this.push(data);
    let waiters = this.waiters;
    if (waiters === null) {
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(noop);
      waiters = this.waiters = { promise, resolve, reject };
    }
    return waiters.promise;
  }

  /** Hands everything queued to the stream now, in one `write()`, unless it is waiting for drain. */
  flush(): void {
    if (this.waitingForDrain || this.failure !== null || this.isEmpty()) return;
    const writable = this.writable;
    if (writable.destroyed || writable.writableEnded) {
      this.fail(new ConnectionClosedError('Cannot write: the stream has already ended or was destroyed'));
      return;
    }
    const wasFull = this.full;
    const data = this.take();
    const waiters = this.waiters;
    this.waiters = null;
    let ok: boolean;
    try {
      ok = typeof data === 'string' ? writable.write(data, 'utf8', this.onWritten) : writable.write(data, this.onWritten);
    } catch (err) {
      // A stream that throws from write() (ended, destroyed, bad state) is a closed connection here.
      this.fail(new ConnectionClosedError('Cannot write: the stream failed', { cause: err }));
      waiters?.reject(this.failure!);
      return;
    }
    waiters?.resolve();
    // When our bound is below the stream's own, 'drain' will not come: the write callback
    // (onWritten) tells us when this chunk has left instead.
    if (!ok || writable.writableLength >= this.highWaterMark) this.setWaiting(true);
    // The stream may take it all at once: reading paused by `full` must hear that it is over.
    else if (wasFull && !this.full) this.onBlockedChange(false);
    this.resolveIdle();
  }

  /** Hands everything queued to the stream now even if it is waiting for drain (closing). */
  flushAll(): void {
    if (this.waitingForDrain) {
      this.waitingForDrain = false;
      this.flush();
      this.waitingForDrain = true;
    } else {
      this.flush();
    }
  }

  /**
   * Fails the queue: everything not yet written is dropped and every waiter rejects with `err`.
   * Later pushes are refused.
   */
  fail(err: Error): void {
    if (this.failure !== null) return;
    this.failure = err;
    this.text = '';
    this.parts = [];
    this.queuedBytes = 0;
    const waiters = this.waiters;
    this.waiters = null;
    waiters?.reject(err);
    this.writable.off('drain', this.onDrain);
    if (this.waitingForDrain) this.setWaiting(false);
    this.resolveIdle();
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  /**
   * Resolves once every queued byte has been handed to the stream (at once when nothing is queued),
   * or when the queue fails.
   */
  whenFlushed(): Promise<void> {
    if (this.isEmpty() || this.failure !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.idle.push(resolve);
      this.flush();
    });
  }

  private isEmpty(): boolean {
    return this.text === '' && this.parts.length === 0;
  }

  /** Everything queued, as one string, or as one Buffer when bytes were queued; the queue is emptied. */
  private take(): string | Uint8Array {
    const text = this.text;
    const parts = this.parts;
    this.text = '';
    this.queuedBytes = 0;
    if (parts.length === 0) return text;
    this.parts = [];
    if (text !== '') parts.push(text);
    if (parts.length === 1) return parts[0]!;
    return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)));
  }

  private resolveIdle(): void {
    if (this.idle.length === 0 || (!this.isEmpty() && this.failure === null)) return;
    const idle = this.idle;
    this.idle = [];
    for (const resolve of idle) resolve();
  }

  private setWaiting(waiting: boolean): void {
    if (this.waitingForDrain === waiting) return;
    this.waitingForDrain = waiting;
    if (!waiting && !this.isEmpty() && !this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flushNow);
    }
    this.onBlockedChange(waiting);
  }
}

function rejectedHandled(err: Error): Promise<void> {
  const promise = Promise.reject(err);
  promise.catch(noop);
  return promise;
}
