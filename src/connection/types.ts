/**
 * The public types of the portable connection: options, call arguments, the handler context and
 * the events. Kept apart from the implementation so that they read as the API's reference.
 */
import type { ErrorPolicy } from '../dispatch/error-policy.js';
import type { DispatchContext, IsUntyped, MethodParams, MethodResult } from '../dispatch/types.js';
import type { StandardSchemaV1 } from '../dispatch/standard-schema.js';
import type { FramerNatives, FramingName } from '../framing/types.js';
import type {
  JsonRpcInvalidMessage,
  JsonRpcInvalidResponse,
  JsonRpcNotification,
  JsonRpcParams,
  JsonRpcRequest,
  JsonRpcResponse,
} from '../parser/messages.js';
import type { Conventions, ConventionsName } from '../protocol/conventions.js';
import type { SchedulingOptions } from '../protocol/options.js';
import type { JsonRpcVersion } from '../parser/v1.js';
import type { ConnectionClosedError } from './errors.js';
import type { TraceEvent } from './trace.js';

/**
 * What every handler's context has on a connection; `ConnectionContext` (connection.ts) adds the
 * connection itself.
 */
export interface HandlerContext extends DispatchContext {
  /**
   * Sends the conventions' progress notification for this request (LSP `$/progress`, MCP
   * `notifications/progress`) to the token its caller gave; a no-op when it gave none, once the
   * request is answered, and for a notification. Resolves once written (await it to pace a flood).
   */
  progress(value: unknown): Promise<void>;
}

/**
 * The options of a connection but its `dispatcher` (`ConnectionOptions`, connection.ts, adds it).
 *
 * `onHandlerError` (from ErrorPolicy) hears about every failure of user code the connection runs,
 * not only handlers': a throwing `sequential` predicate (stage `'sequential'`), custom conventions
 * (`'conventions'`), event and progress listeners (`'listener'`, `'progress'`), listeners on a
 * handler's `context.signal` (`'abort'`). Each such failure is contained: the connection carries on.
 */
export interface ConnectionSettings extends ErrorPolicy, SchedulingOptions {
  /** How messages are delimited on a byte stream (a message channel needs none). Default `'newline'`. */
  framing?: FramingName;
  /** Cancellation and progress conventions. Default `'lsp'` for content-length framing, `'none'` otherwise. */
  conventions?: ConventionsName | Conventions;
  /** Deprecated alias: `true` is `conventions: 'lsp'`, `false` is `'none'` (`conventions` wins). */
  cancellation?: boolean;
  /**
   * Called with every message read and written (`TraceEvent`: direction, time, size, the message;
   * for a response the method and latency of its request), in order, a microtask after it crossed
   * the transport. Costs nothing when not given. A callback that throws is reported (stage
   * `'listener'`, event `'trace'`) and tracing goes on.
   */
  trace?: (event: TraceEvent) => void;
  /** With `trace`: rewrites each message (each batch entry) before it is traced; its result is what `trace` sees. */
  redact?: (message: unknown) => unknown;
  /** The largest incoming message, in bytes; a larger one is discarded and answered -32700. Default 64 MiB. */
  maxMessageBytes?: number;
  /** The UTF-8 length of a string, for Content-Length headers (a host with a native one passes it). */
  utf8Length?: (text: string) => number;
  /** Native byte work for the framers (UTF-8 decoding, byte search): a host with faster ones passes them (`FramerOptions.natives`). */
  natives?: FramerNatives;
  /**
   * Which JSON-RPC to speak: `'2.0'` (default); `'1.0'` (requests without `jsonrpc`, positional
   * params only, a notification is `"id": null`, answers carry `result` and `error`, one of them
   * null; no batches, no cancel or progress conventions); or `'both'` (each incoming message
   * answered in the version it speaks, an array as a 2.0 batch; what this side sends is 2.0).
   */
  version?: JsonRpcVersion;
}

export interface RequestOptions {
  /** Aborting rejects the request at once with `RequestAbortedError` and sends the conventions' cancel. */
  signal?: AbortSignal;
  /**
   * Reject with `RequestTimeoutError` (and cancel) when no response came within this many ms.
   * Any number >= 0; `Infinity` (or leaving it out) means none. Invalid: the call rejects with a
   * RangeError and nothing is sent.
   */
  timeoutMs?: number;
  /**
   * Called with each progress value the remote side reports for this request. The request then
   * carries a progress token (its id) where the conventions put one (LSP `workDoneToken`, MCP
   * `_meta.progressToken`), unless its params carry one already.
   */
  onProgress?: (value: unknown) => void;
  /** Each progress report restarts the `timeoutMs` wait. */
  resetTimeoutOnProgress?: boolean;
  /** With `resetTimeoutOnProgress`: the longest the request may take in all, progress or not. */
  maxTotalTimeoutMs?: number;
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
  /** True for a notification (no response; its promise resolves once written). */
  notification?: boolean;
}

/** `params` and options `O` of a call of method `K` of the remote table `R`. */
export type CallArgs<R, K extends keyof R, O> =
  IsUntyped<R> extends true
    ? [params?: JsonRpcParams, options?: O]
    : readonly [] extends MethodParams<R, K>
      ? [params?: MethodParams<R, K>, options?: O]
      : undefined extends MethodParams<R, K>
        ? [params?: MethodParams<R, K>, options?: O]
        : [params: MethodParams<R, K>, options?: O];

/** `params` and options of `request()` for method `K` of the remote table `R`. */
export type RequestArgs<R, K extends keyof R> = CallArgs<R, K, RequestOptions>;

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
   * the runtime when the remote side ended its own).
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
