/**
 * What `ProtocolEngine.next()` returns: the incoming stream, already interpreted.
 *
 * Work (`'request'`, `'notification'`) is returned only when a handler may start for it, and it
 * counts as running from then until the connection answers it (`respond()` / `respondError()`, also
 * for a notification). Everything else is information: settle a request of ours, report, write a
 * reply. Nothing is ever answered twice, and the engine never answers a response.
 */
import type {
  JsonRpcId,
  JsonRpcInvalidMessage,
  JsonRpcInvalidResponse,
  JsonRpcNotification,
  JsonRpcParams,
  JsonRpcRequest,
  JsonRpcResponse,
} from '../parser/messages.js';
import type { ProgressToken } from './conventions.js';
import type { EndCause } from './state.js';

/** A request this side sent and still waits on. `token` is the caller's own (its promise, say). */
export interface OutgoingRequest<T> {
  readonly id: number;
  readonly method: string;
  readonly token: T;
  /** The progress token the request carries (its progress notifications are matched to it). */
  readonly progressToken: ProgressToken | undefined;
}

/** What a request and a notification handed out by `next()` have in common. */
export interface IncomingWork {
  readonly method: string;
  readonly params: JsonRpcParams | undefined;
  /** True for an entry of a batch (its answer goes into the batch's response). */
  readonly inBatch: boolean;
  /** Runs alone (see the `sequential` option). */
  readonly sequential: boolean;
  /**
   * Set when the `sequential` predicate threw for it (or returned a promise): answer it as if its
   * handler had failed with `error` (a request -32603 under the error policy), without running it.
   */
  readonly sequentialFailure: SequentialFailure | undefined;
  /** For the connection's own use (the handler's AbortController, say); the engine never reads it. */
  attachment: unknown;
}

/** What the `sequential` predicate threw for a message (boxed: it may throw anything, undefined too). */
export interface SequentialFailure {
  readonly error: unknown;
}

/** Run a handler; answer with `respond()` or `respondError()`. */
export interface IncomingRequest extends IncomingWork {
  readonly kind: 'request';
  readonly id: JsonRpcId;
}

/** Run a handler; tell the engine it ended with `respond()` (nothing is sent). */
export interface IncomingNotification extends IncomingWork {
  readonly kind: 'notification';
  readonly id: undefined;
}

/** A response to a request of ours: settle it. */
export interface ResponseEvent<T> {
  readonly kind: 'response';
  readonly response: JsonRpcResponse;
  readonly request: OutgoingRequest<T>;
}

/** A response no request of ours waits for (late after a cancel or timeout, or bogus). */
export interface UnknownResponseEvent {
  readonly kind: 'unknownResponse';
  readonly response: JsonRpcResponse;
}

/**
 * A message shaped like a response that breaks the specification. Never answered; `request` is the
 * request of ours with its id, now settled (reject it with what was wrong), if there was one.
 */
export interface InvalidResponseEvent<T> {
  readonly kind: 'invalidResponse';
  readonly message: JsonRpcInvalidResponse;
  readonly request: OutgoingRequest<T> | undefined;
}

/**
 * Input that is not a valid message (bad JSON, an invalid request, bytes the framer rejected).
 * When it is answered, a `'reply'` follows; garbage (another protocol's bytes) never is, and
 * neither is an invalid entry of a batch outside that batch's response.
 */
export interface InvalidEvent {
  readonly kind: 'invalid';
  readonly message: JsonRpcInvalidMessage;
}

/** Why the engine answered (or dropped) an incoming call without running it. */
export type RefusalReason =
  /** Its id is already in flight here (answered -32600 with id null, never run twice). */
  | 'duplicate-id'
  /** The queue was full while reading on for responses (a request is answered -32001, a notification dropped). */
  | 'overloaded'
  /** Cancelled before it arrived (answered -32800, or not at all, as the conventions say). */
  | 'cancelled'
  /** A batch with more entries than `maxBatchSize` (answered once, -32600). */
  | 'batch-too-large';

export interface RefusedEvent {
  readonly kind: 'refused';
  readonly message: JsonRpcRequest | JsonRpcNotification;
  readonly reason: RefusalReason;
}

/**
 * An incoming request was cancelled (by the conventions' notification or `cancelIncoming()`).
 * `running`: its handler is running (abort its signal; whatever it returns later is dropped); a
 * queued one is dropped without running. A `'reply'` follows when the conventions answer it.
 */
export interface CancelEvent {
  readonly kind: 'cancel';
  readonly id: string | number;
  /** undefined when no such request is in flight (a cancel that came first is remembered if the conventions say so). */
  readonly request: IncomingRequest | undefined;
  readonly running: boolean;
  readonly reason: string | undefined;
}

/** Progress for a request of ours, or for a token watched with `watchProgress()`. */
export interface ProgressReportEvent<T> {
  readonly kind: 'progress';
  readonly progressToken: ProgressToken;
  readonly value: unknown;
  /** The request's token, or the watcher's. */
  readonly token: T;
  readonly request: OutgoingRequest<T> | undefined;
}

/**
 * What to write, that the engine produced itself: an error answer, a batch's response. Framed
 * text (`O` is string), or under framing `'value'` the message's value (`O` is object).
 */
export interface ReplyEvent<O = string> {
  readonly kind: 'reply';
  readonly text: O;
}

/** A user callback the engine called (the `sequential` predicate, custom conventions) threw; contained. */
export interface CallbackErrorEvent {
  readonly kind: 'callbackError';
  readonly callback: 'conventions';
  readonly error: unknown;
}

/**
 * All input is read. The remote side will send nothing more, so `unanswered` (every request of
 * ours still waiting) can never be answered. Work already received still runs and is answered.
 */
export interface InputEndedEvent<T> {
  readonly kind: 'inputEnded';
  readonly cause: 'remote-ended' | 'remote-ended-mid-message';
  readonly unanswered: readonly OutgoingRequest<T>[];
}

/**
 * The protocol is done: write what is queued and release the transport, then `released()`.
 * `unanswered`: requests of ours still waiting; `abandoned`: incoming requests whose handlers are
 * still running (their results will be dropped: abort their signals).
 */
export interface ClosingEvent<T> {
  readonly kind: 'closing';
  readonly cause: EndCause;
  /** Why, in words, when the engine closed itself (`'input-overflow'`: which bound was passed). */
  readonly detail?: string;
  readonly unanswered: readonly OutgoingRequest<T>[];
  readonly abandoned: readonly IncomingRequest[];
}

/** `O`: what the engine writes (string, or object under framing `'value'`: see ReplyEvent). */
export type ProtocolEvent<T, O = string> =
  | IncomingRequest
  | IncomingNotification
  | ResponseEvent<T>
  | UnknownResponseEvent
  | InvalidResponseEvent<T>
  | InvalidEvent
  | RefusedEvent
  | CancelEvent
  | ProgressReportEvent<T>
  | ReplyEvent<O>
  | CallbackErrorEvent
  | InputEndedEvent<T>
  | ClosingEvent<T>;
