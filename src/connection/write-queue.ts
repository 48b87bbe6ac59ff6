/**
 * The coalescing writer of a portable connection. Every message queued in one turn (one read's
 * answers, say) goes to the transport together, after the current task and its microtasks:
 * on a byte stream as ONE `write()` of the joined framed text (the transport encodes it once); on
 * a message channel as one `send()` per message, in order.
 *
 * Back pressure: once `write()`/`send()` returns false the queue is blocked and keeps what comes
 * next to itself until the transport's `drain`; the owner hears of every change
 * (`onBlockedChange`, which tells the engine, which then starts no handler and reads on only
 * within its bounds). Answers the engine makes while blocked count against its queue bounds, and
 * handlers do not start, so what waits here is bounded by the running handlers' answers plus this
 * side's own calls (whose `pushAndWait()` promises resolve only once handed over, to pace them).
 */
import type { Outbound } from '../protocol/wire.js';
import { ConnectionClosedError } from './errors.js';
import { runSoon } from './soon.js';
import type { Transport } from './transport.js';

interface Waiters {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

const noop = (): void => {};

export class WriteQueue {
  /** Byte stream: the framed text queued since the last write. */
  private text = '';
  /** Message or value channel: the messages queued since the last send (text, or values on a value channel). */
  private messages: Outbound[] = [];
  private scheduled = false;
  private blocked = false;
  /** One promise shared by every `pushAndWait()` whose text goes out in the next flush. */
  private waiters: Waiters | null = null;
  private failure: Error | null = null;
  private readonly flushNow = (): void => {
    this.scheduled = false;
    this.flush();
  };

  constructor(
    private readonly transport: Transport,
    private readonly onBlockedChange: (blocked: boolean) => void,
    /** A write or send threw: the transport failed. */
    private readonly onWriteError: (error: unknown) => void,
  ) {}

  /** The characters waiting here (not yet handed to the transport). */
  get queuedLength(): number {
    if (this.transport.kind === 'bytes') return this.text.length;
    let length = 0;
    for (const message of this.messages) length += typeof message === 'string' ? message.length : 0;
    return length;
  }

  /** Nothing more can be written. */
  get failed(): boolean {
    return this.failure !== null;
  }

  /** Queues framed text (a value on a value channel) for the next flush; false (dropped) once the queue has failed. */
  push(text: Outbound): boolean {
    if (this.failure !== null) return false;
    if (this.transport.kind === 'bytes') this.text += text as string;
    else this.messages.push(text);
    if (!this.scheduled && !this.blocked) {
      this.scheduled = true;
      runSoon(this.flushNow);
    }
    return true;
  }

  /** Queues `text`; resolves once it is handed to the transport, rejects with the failure. Marked handled. */
  pushAndWait(text: Outbound): Promise<void> {
    if (this.failure !== null) return rejectedHandled(this.failure);
    this.push(text);
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

  /** Hands what is queued to the transport now, unless blocked (or `force`: closing writes it all). */
  flush(force = false): void {
    if ((this.blocked && !force) || this.failure !== null) return;
    const waiters = this.waiters;
    this.waiters = null;
    let ok = true;
    try {
      const transport = this.transport;
      if (transport.kind === 'bytes') {
        const text = this.text;
        this.text = '';
        if (text !== '') ok = transport.write(text);
      } else if (transport.kind === 'messages') {
        while (this.messages.length > 0 && (ok || force)) ok = transport.send(this.messages.shift() as string) && ok;
      } else {
        while (this.messages.length > 0 && (ok || force)) ok = transport.send(this.messages.shift() as object) && ok;
      }
    } catch (err) {
      waiters?.reject(new ConnectionClosedError('Cannot write: the transport failed', { cause: err }));
      this.onWriteError(err);
      return;
    }
    // Messages held back (a channel over its mark) keep their waiters for the flush after drain.
    if (this.messages.length > 0 && waiters !== null) this.waiters = waiters;
    else waiters?.resolve();
    if (!ok) this.setBlocked(true);
  }

  /** The transport drained: write on. */
  drained(): void {
    if (!this.blocked) return;
    this.setBlocked(false);
    this.flush();
  }

  /** Fails the queue: what is not written is dropped, waiters reject with `err`, later pushes are refused. */
  fail(err: Error): void {
    if (this.failure !== null) return;
    this.failure = err;
    this.text = '';
    this.messages = [];
    const waiters = this.waiters;
    this.waiters = null;
    waiters?.reject(err);
    if (this.blocked) this.setBlocked(false);
  }

  private setBlocked(blocked: boolean): void {
    if (this.blocked === blocked) return;
    this.blocked = blocked;
    this.onBlockedChange(blocked);
  }
}

function rejectedHandled(err: Error): Promise<void> {
  const promise = Promise.reject(err);
  promise.catch(noop);
  return promise;
}
