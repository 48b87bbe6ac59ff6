/**
 * The public types of a connection (options, call arguments, events) and the two internal symbols
 * transports use to configure it. Kept apart from the implementation so that the types read as the
 * API's reference.
 */
import type { Readable, Writable } from 'node:stream';

import type { CallArgs } from '../connection/types.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { ErrorPolicy } from '../dispatch/error-policy.js';
import type { StandardSchemaV1 } from '../dispatch/standard-schema.js';
import type { DispatchContext, MethodTable, UntypedMethods } from '../dispatch/types.js';
import type { FramingName } from '../framing/types.js';
import type { JsonRpcConnection } from './connection.js';

export type { BatchEntry, ConnectionEvents, Disposable, NotifyArgs, RequestResult } from '../connection/types.js';

/** What a handler receives as its context (with `{ params: ... }` registrations). */
export interface ConnectionContext extends DispatchContext {
  /** The connection the call came in on: call back to the remote side, send progress, ... */
  readonly connection: JsonRpcConnection;
}

/** A stream pair to run a connection over (e.g. a child's stdout and stdin). */
export interface StreamPair {
  readonly readable: Readable;
  readonly writable: Writable;
}

/**
 * `onHandlerError` (from ErrorPolicy) hears about every failure of user code the connection runs,
 * not only handlers': a throwing `sequential` predicate (stage `'sequential'`), event and progress
 * listeners (`'listener'`, `'progress'`), listeners on a handler's `context.signal` (`'abort'`).
 * Each such failure is contained: the connection carries on.
 */
export interface ConnectOptions<L extends MethodTable<L> = UntypedMethods> extends ErrorPolicy {
  /** How messages are delimited. Default `'newline'`. */
  framing?: FramingName;
  /**
   * The methods this side serves. Handlers registered with a params shape get a
   * `ConnectionContext` (declare the dispatcher as `new Dispatcher<Methods, ConnectionContext>()`).
   * Without one every request is answered -32601.
   */
  dispatcher?: Dispatcher<L, ConnectionContext> | Dispatcher<L, DispatchContext>;
  /**
   * The largest incoming message in bytes; a larger one is discarded as it arrives (never buffered)
   * and answered with -32700 (`data.problem: 'oversized'`). Default 64 MiB.
   */
  maxMessageBytes?: number;
  /** Handlers that may run at once; reading pauses while this many run. Default 32. */
  maxConcurrentHandlers?: number;
  /**
   * Incoming requests/notifications parsed but not started, at most. Only reached while reading on
   * to receive responses with handlers saturated (the deadlock rule, see read-gate.ts); past it a
   * request is answered -32001 and a notification is dropped (`'droppedNotification'` event).
   * Default 1024.
   */
  maxQueuedMessages?: number;
  /**
   * The same bound in bytes: the frames' bytes on the wire of the messages queued. Until it is
   * reached one more message of any size is queued, so the queue holds at most this plus one
   * message. Default 4 MiB.
   */
  maxQueuedBytes?: number;
  /**
   * Outgoing bytes waiting to be sent (the connection's queue plus the stream's buffer) at which
   * reading stops even while this side waits for responses, so that answers the remote side causes
   * but does not read (-32001 refusals, errors) stay bounded. Your own `request()`/`notify()` are
   * never refused for it: they queue behind, and `notify()` resolves once its bytes are handed to
   * the stream. Default 4 MiB (never below `highWaterMark`).
   */
  maxWriteQueueBytes?: number;
  /**
   * Outgoing bytes buffered in the stream before this side stops reading and holds further writes
   * until they drain. Default: the writable's own `writableHighWaterMark`.
   */
  highWaterMark?: number;
  /**
   * The LSP cancellation convention (`$/cancelRequest`, see cancel.ts) in both directions.
   * Default true for `'content-length'` framing, false otherwise.
   */
  cancellation?: boolean;
  /**
   * Methods whose handlers run alone, in order: each waits for the handlers before it to finish and
   * nothing after it starts until it ends (LSP document edits). Responses keep flowing meanwhile.
   * A predicate that throws (or returns a promise) counts as that message's handler throwing: the
   * message is not run, a request is answered -32603, and `onHandlerError` hears of it (stage
   * `'sequential'`); the messages around it are unaffected.
   */
  sequential?: readonly string[] | ((method: string) => boolean);
}

export interface RequestOptions {
  /** Aborting rejects the request at once with `RequestAbortedError` (and sends `$/cancelRequest`). */
  signal?: AbortSignal;
  /**
   * Reject with `RequestTimeoutError` (and cancel) when no response came within this many ms. Any
   * number >= 0; `Infinity` (or leaving it out) means no timeout. Durations past setTimeout's
   * 2^31 - 1 ms are waited out in several timers. Negative, NaN or not a number: the call rejects
   * with a RangeError and nothing is sent.
   */
  timeoutMs?: number;
}

/**
 * `request()`'s options with a Standard Schema for the result (issue 14): the call resolves with
 * the schema's output, or rejects with `ResultValidationError` when the result does not match it.
 */
export interface ValidatedRequestOptions<S extends StandardSchemaV1 = StandardSchemaV1> extends RequestOptions {
  result: S;
}

/** `params` and options of `connect()`'s `request()` for method `K` of the remote table `R`. */
export type RequestArgs<R, K extends keyof R> = CallArgs<R, K, RequestOptions>;

/** Internal: lets a transport explain why the remote side ended (a child's exit code). */
export const kDescribeEnd: unique symbol = Symbol('describeEnd');
/** Internal: streams a transport does not own (process.stdin/stdout) are ended, never destroyed. */
export const kKeepStreams: unique symbol = Symbol('keepStreams');
export interface InternalOptions {
  [kDescribeEnd]?: () => Promise<string | undefined>;
  [kKeepStreams]?: boolean;
}
