/**
 * Sending calls: `request()`, `notify()` and `batch()` of a connection. Each checks its options,
 * asks the life cycle whether anything may be sent, has the engine frame the call (and keep its id,
 * with the pending entry as its token), and queues the text for writing.
 *
 * Outgoing middleware (`connection.use(async (call, next) => ...)`, issue 14) runs around
 * `request()` and `notify()`, Koa's onion as on the dispatcher: the first added is the outermost.
 * A middleware may read or replace `call.params` (and a request's `call.options`) before `next()`,
 * read or replace `call.result` after it, catch what `next()` rejected with, or not call `next()`
 * at all (setting `call.result`, or throwing). Unlike the dispatcher's, `next()` may be called
 * again: each call sends the call anew (a retry after -32001, say), with a fresh id. What the
 * outermost middleware leaves in `call.result` is what `request()` resolves with; what it throws is
 * what it rejects with. Batches do not pass through middleware. With none registered, nothing of
 * it runs.
 */
import type { StandardSchemaV1 } from '../dispatch/standard-schema.js';
import { validatedAnswer } from '../dispatch/validation.js';
import type { JsonRpcParams } from '../parser/messages.js';
import type { Outbound, ProtocolEngine } from '../protocol/engine.js';
import { RequestAbortedError } from './errors.js';
import type { Report } from './guard.js';
import type { LifeCycle } from './life-cycle.js';
import { callOptions, type CheckedCallOptions } from './options.js';
import { PendingRequest, type EngineToken, type PendingHost } from './pending.js';
import type { BatchEntry, RequestOptions } from './types.js';
import type { WriteQueue } from './write-queue.js';

/** What an outgoing middleware sees of one call. */
export interface OutgoingCall {
  readonly kind: 'request' | 'notification';
  readonly method: string;
  /** The params to send; assign before `next()` to replace them. */
  params: JsonRpcParams | undefined;
  /** A request's options (signal, timeouts, result schema); assign before `next()` to replace them. */
  options: RequestOptions | undefined;
  /** The result once `next()` resolved (undefined for a notification), or what a middleware set. */
  result: unknown;
}

/** Runs around every `request()` / `notify()` of a connection (see the module comment). */
export type OutgoingMiddleware = (call: OutgoingCall, next: () => Promise<void>) => unknown;

/** What sending needs of its connection. */
export interface OutgoingParts {
  readonly engine: ProtocolEngine<EngineToken, Outbound>;
  readonly writer: WriteQueue;
  readonly life: LifeCycle;
  /** Where a failing `onProgress` listener is reported. */
  readonly progressFault: Report;
  /** A request of ours went out: reading may have to resume (the deadlock rule). */
  sent(): void;
  /** Runs the connection's loop (a request given up on changes what may be read). */
  pump(): void;
}

const noop = (): void => {};

export class Outgoing {
  private middleware: readonly OutgoingMiddleware[] = [];

  /** What this connection's waiting requests share. */
  private readonly pendingHost: PendingHost;

  constructor(private readonly parts: OutgoingParts) {
    this.pendingHost = { giveUp: this.giveUp, progressFault: parts.progressFault };
  }

  use(middleware: OutgoingMiddleware): void {
    if (typeof middleware !== 'function') throw new TypeError(`use() takes a function, got ${typeof middleware}`);
    // Replaced, never mutated: a call runs the chain it started with.
    this.middleware = [...this.middleware, middleware];
  }

  request(method: string, params: JsonRpcParams | undefined, options: RequestOptions | undefined): Promise<unknown> {
    if (this.middleware.length === 0) return this.sendRequest(method, params, options);
    const call: OutgoingCall = { kind: 'request', method, params, options, result: undefined };
    return this.through(call, async () => {
      call.result = await this.sendRequest(method, call.params, call.options);
    });
  }

  notify(method: string, params: JsonRpcParams | undefined): Promise<void> {
    if (this.middleware.length === 0) return this.sendNotification(method, params);
    const call: OutgoingCall = { kind: 'notification', method, params, options: undefined, result: undefined };
    return markHandled(this.through(call, () => this.sendNotification(method, call.params)).then(noop));
  }

  /** One promise per entry, in order: a request's settles like `request()`'s; a notification's once written. */
  batch(entries: readonly BatchEntry[], options: RequestOptions): Promise<unknown>[] {
    const checked = callOptions(options);
    if (checked instanceof Error) return entries.map(() => markHandled(Promise.reject(checked)));
    const refusal = this.parts.life.refusal('request');
    if (refusal !== undefined) return entries.map(() => markHandled(refusal));
    const signal = checked.signal;
    if (signal !== undefined && signal.aborted) {
      return entries.map((entry) => markHandled(Promise.reject(new RequestAbortedError(entry.method, signal.reason))));
    }
    const pending = entries.map((entry) => (entry.notification === true ? undefined : this.entry(entry.method, checked)));
    let ids: number[];
    let text: Outbound;
    try {
      ({ ids, text } = this.parts.engine.batch(entries.map((entry, i) => ({ ...entry, token: pending[i] }))));
    } catch (err) {
      return entries.map(() => markHandled(Promise.reject(err)));
    }
    const written = this.parts.writer.pushAndWait(text);
    let next = 0;
    const results = pending.map((entry, i) => {
      if (entry === undefined) return written;
      entry.id = ids[next++]!;
      entry.arm(entries[i]!.params);
      return entry.promise;
    });
    this.parts.sent();
    return results;
  }

  private sendRequest(method: string, params: JsonRpcParams | undefined, options: RequestOptions | undefined): Promise<unknown> {
    let checked: CheckedCallOptions | undefined;
    if (options !== undefined) {
      const result = callOptions(options);
      if (result instanceof Error) return Promise.reject(result);
      checked = result;
    }
    const refusal = this.parts.life.refusal('request');
    if (refusal !== undefined) return refusal;
    const signal = checked?.signal;
    if (signal !== undefined && signal.aborted) return Promise.reject(new RequestAbortedError(method, signal.reason));
    const entry = this.entry(method, checked);
    let text: Outbound;
    try {
      ({ id: entry.id, text } = this.parts.engine.request(method, params, entry, entry.wantsProgress));
    } catch (err) {
      return Promise.reject(err); // params with no JSON form (BigInt, a cycle)
    }
    entry.arm(params);
    this.parts.writer.push(text);
    this.parts.sent();
    const schema: StandardSchemaV1 | undefined = checked?.result;
    return schema === undefined ? entry.promise : validatedAnswer(method, schema, entry.promise, signal);
  }

  private sendNotification(method: string, params: JsonRpcParams | undefined): Promise<void> {
    const refusal = this.parts.life.refusal('notification');
    if (refusal !== undefined) return markHandled(refusal);
    let text: Outbound;
    try {
      text = this.parts.engine.notify(method, params);
    } catch (err) {
      return markHandled(Promise.reject(err));
    }
    return this.parts.writer.pushAndWait(text);
  }

  private entry(method: string, options: CheckedCallOptions | undefined): PendingRequest {
    return new PendingRequest(method, options, this.pendingHost);
  }

  /** Stops waiting for `entry` (a timeout, an abort): the engine forgets it and says what to tell the remote side. */
  private readonly giveUp = (entry: PendingRequest, error: Error, reason: string): void => {
    const text = this.parts.engine.cancel(entry.id, reason);
    if (text !== null) this.parts.writer.push(text);
    entry.fail(error);
    this.parts.pump();
  };

  /** Runs the chain around `innermost`; resolves with the final `call.result`. */
  private async through(call: OutgoingCall, innermost: () => Promise<void>): Promise<unknown> {
    const chain = this.middleware;
    const step = async (index: number): Promise<void> => {
      const middleware = chain[index];
      if (middleware === undefined) return innermost();
      const next = (): Promise<void> => {
        const rest = step(index + 1);
        // A middleware that does not await next() must not turn its failure into an unhandled rejection.
        rest.then(undefined, noop);
        return rest;
      };
      await middleware(call, next);
    };
    await step(0);
    return call.result;
  }
}

/** For promises the caller may ignore (notify, batch entries): never an unhandled rejection. */
export function markHandled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop);
  return promise;
}
