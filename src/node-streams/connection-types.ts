/**
 * The public types of a connection (options, call arguments, events) and the two internal symbols
 * transports use to configure it. Kept apart from the implementation so that the types read as the
 * API's reference.
 */
import type { Readable, Writable } from 'node:stream';

import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { ErrorPolicy } from '../dispatch/error-policy.js';
import type { StandardSchemaV1 } from '../dispatch/standard-schema.js';
import type { DispatchContext, IsUntyped, MethodParams, MethodResult, MethodTable, UntypedMethods } from '../dispatch/types.js';
import type { FramingName } from '../framing/types.js';
import type {
  JsonRpcInvalidMessage,
  JsonRpcInvalidResponse,
  JsonRpcNotification,
  JsonRpcParams,
  JsonRpcRequest,
  JsonRpcResponse,
} from '../parser/messages.js';
import type { JsonRpcConnection } from './connection.js';
import type { ConnectionClosedError } from './errors.js';

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

/** One call of an outgoing batch (see `batch()`). */
export interface BatchEntry {
  method: string;
  params?: JsonRpcParams;
  /** True for a notification (no response, its slot in the result is `undefined`). */
  notification?: boolean;
}

/** `params` and options of `request()` for method `K` of the remote table `R`. */
export type RequestArgs<R, K extends keyof R> =
  IsUntyped<R> extends true
    ? [params?: JsonRpcParams, options?: RequestOptions]
    : readonly [] extends MethodParams<R, K>
      ? [params?: MethodParams<R, K>, options?: RequestOptions]
      : undefined extends MethodParams<R, K>
        ? [params?: MethodParams<R, K>, options?: RequestOptions]
        : [params: MethodParams<R, K>, options?: RequestOptions];

/** `params` of `notify()` for method `K` of the remote table `R`. */
export type NotifyArgs<R, K extends keyof R> =
  IsUntyped<R> extends true
    ? [params?: JsonRpcParams]
    : readonly [] extends MethodParams<R, K>
      ? [params?: MethodParams<R, K>]
      : undefined extends MethodParams<R, K>
        ? [params?: MethodParams<R, K>]
        : [params: MethodParams<R, K>];

/** What `request()` resolves with: the declared result, or `unknown` on an untyped connection. */
export type RequestResult<R, K extends keyof R> = IsUntyped<R> extends true ? unknown : MethodResult<R, K>;

/** The events of a connection and their listeners. */
export interface ConnectionEvents {
  // Every listener may throw or return a rejected promise: the failure goes to `onHandlerError`
  // (stage 'listener', `event` naming the event) and the other listeners still run.

  /** The connection is closed (once); `reason` says why (its `cause` holds a stream error). */
  close: (reason: ConnectionClosedError) => void;
  /** A stream failed (the connection closes too). Never thrown when nobody listens. */
  error: (error: Error) => void;
  /**
   * A response whose id matches no waiting request (late after a timeout, or bogus), valid or not:
   * an invalid one (`kind: 'invalidResponse'`, with its `problem`) that does match a waiting request
   * rejects it with `JsonRpcInvalidResponseError` instead. Responses are never answered.
   */
  unknownResponse: (response: JsonRpcResponse | JsonRpcInvalidResponse) => void;
  /** A notification dropped because the inbound queue was full (see `maxQueuedMessages`). */
  droppedNotification: (notification: JsonRpcNotification) => void;
  /**
   * A request was handled but its answer could not be sent: the stream can no longer be written
   * (the remote side went away after sending it, or a socket that is not half-open was ended by
   * Node when the remote side ended its own).
   */
  droppedResponse: (request: JsonRpcRequest) => void;
  /**
   * An incoming message that could not be accepted: malformed JSON, an invalid request, or bytes the
   * framer rejected (`error.data.problem`: `'garbage'`, `'oversized'`, `'invalid-utf8'`, ... see
   * framing-errors.ts). Garbage means the remote side writes something else to the stream (another
   * framing, stray logging): it is reported here but never answered, so two sides speaking different
   * framings cannot keep answering each other's errors. Everything else is answered too.
   */
  invalidMessage: (message: JsonRpcInvalidMessage) => void;
}

export interface Disposable {
  dispose(): void;
}

/** Internal: lets a transport explain why the remote side ended (a child's exit code). */
export const kDescribeEnd: unique symbol = Symbol('describeEnd');
/** Internal: streams a transport does not own (process.stdin/stdout) are ended, never destroyed. */
export const kKeepStreams: unique symbol = Symbol('keepStreams');
export interface InternalOptions {
  [kDescribeEnd]?: () => Promise<string | undefined>;
  [kKeepStreams]?: boolean;
}
