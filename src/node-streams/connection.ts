/**
 * `connect()`: a JSON-RPC connection over a Node byte stream, both client and server.
 *
 * ```ts
 * interface ServerMethods { add(a: number, b: number): number }
 * interface ClientMethods { log(p: { line: string }): void }
 *
 * const dispatcher = new Dispatcher<ClientMethods, ConnectionContext>()
 *   .add('log', ({ line }) => console.error(line), { params: 'named' });
 * const connection = connect<ServerMethods, ClientMethods>(socket, { dispatcher });
 * const sum = await connection.request('add', [1, 2], { timeoutMs: 1000 }); // number
 * await connection.close();
 * ```
 *
 * The connection only moves bytes and decides when to read; the sans-I/O `JsonRpcPeer` parses and
 * encodes. Its parts, each in its own module:
 *
 * - reader.ts: feeds the parser while the read gate (read-gate.ts) is open, pauses the readable when not;
 * - inbound.ts: runs what the remote side sends through the dispatcher, bounded and in order;
 * - pending.ts: the requests this side waits on (responses, timeouts, signals);
 * - outbox.ts and write-queue.ts: encode, then coalesce one tick's messages into one write that
 *   honours `'drain'`;
 * - closing.ts: why the remote end went away, and letting go of the streams.
 *
 * What stays here: the public API, routing each parsed message to its part, and the life cycle
 * (open -> draining when the input ended -> closed).
 */
import type { Readable, Writable } from 'node:stream';

import type { Dispatcher } from '../dispatch/dispatcher.js';
import { reportHandlerError, type ErrorPolicy } from '../dispatch/error-policy.js';
import type { StandardSchemaV1 } from '../dispatch/standard-schema.js';
import type { MethodTable, UntypedMethods } from '../dispatch/types.js';
import { validatedAnswer } from '../dispatch/validation.js';
import { JsonRpcRequestCancelledError } from '../parser/errors.js';
import type {
  JsonRpcBatch,
  JsonRpcInvalidResponse,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcParams,
  JsonRpcResponse,
  JsonRpcSingleMessage,
} from '../parser/messages.js';
import { JsonRpcPeer } from '../peer.js';
import { cancelledId, EarlyCancels, PROGRESS_METHOD, CANCEL_METHOD } from './cancel.js';
import { releaseStreams, withEndDetail } from './closing.js';
import {
  kDescribeEnd,
  kKeepStreams,
  type BatchEntry,
  type ConnectionContext,
  type ConnectionEvents,
  type ConnectOptions,
  type Disposable,
  type InternalOptions,
  type NotifyArgs,
  type RequestArgs,
  type RequestOptions,
  type ValidatedRequestOptions,
  type RequestResult,
  type StreamPair,
} from './connection-types.js';
import { ConnectionClosedError, RequestAbortedError } from '../connection/errors.js';
import { ConnectionListeners } from '../connection/events.js';
import { callGuarded, reporter, type Report } from '../connection/guard.js';
import { InboundScheduler, type SchedulerHost } from './inbound.js';
import { callOptions, sequentialTest } from './options.js';
import { Outbox } from './outbox.js';
import { PendingRequests, type PendingEntry } from './pending.js';
import { mayRead, type ReadGateState } from './read-gate.js';
import { InboundReader, type ReaderHost } from './reader.js';
import { WriteQueue } from './write-queue.js';
import { nodeFramerNatives } from './framer-natives.js';

export { kDescribeEnd, kKeepStreams };
export type {
  BatchEntry,
  ConnectionContext,
  ConnectionEvents,
  ConnectOptions,
  Disposable,
  NotifyArgs,
  RequestArgs,
  RequestOptions,
  RequestResult,
  StreamPair,
  ValidatedRequestOptions,
};

const DEFAULT_MAX_CONCURRENT_HANDLERS = 32;
const DEFAULT_MAX_QUEUED = 1024;
const DEFAULT_MAX_QUEUED_BYTES = 4 * 1024 * 1024;
const DEFAULT_MAX_WRITE_QUEUE_BYTES = 4 * 1024 * 1024;

const noop = (): void => {};
/** Content-Length headers of framed text: native, ~5x faster than a JS loop on 2 KB messages. */
const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

export class JsonRpcConnection<R extends MethodTable<R> = UntypedMethods> {
  /** Resolves (never rejects) once the connection is closed, with why. */
  readonly closed: Promise<ConnectionClosedError>;

  private readonly peer: JsonRpcPeer;
  private readonly readable: Readable;
  private readonly writable: Writable;
  private readonly writer: WriteQueue;
  private readonly outbox: Outbox;
  private readonly pending: PendingRequests;
  private readonly reader: InboundReader;
  private readonly inbound: InboundScheduler;
  private readonly gate: ReadGateState;
  private readonly policy: ErrorPolicy;
  private readonly cancellation: boolean;
  private readonly earlyCancels = new EarlyCancels();
  private readonly progress = new Map<string | number, (value: unknown) => void>();
  private readonly listeners: ConnectionListeners<ConnectionEvents>;
  /** Where a failing `onProgress` listener is reported. */
  private readonly progressFault: Report;
  private readonly describeEnd: (() => Promise<string | undefined>) | undefined;
  private readonly keepStreams: boolean;

  private state: 'open' | 'draining' | 'closed' = 'open';
  private closeReason: ConnectionClosedError | undefined;
  private resolveClosed!: (reason: ConnectionClosedError) => void;
  private inputFinished = false;
  private streamFailed = false;
  private kickScheduled = false;

  constructor(stream: StreamPair, options: ConnectOptions<MethodTable<never>> & InternalOptions = {}) {
    this.readable = stream.readable;
    this.writable = stream.writable;
    const framing = options.framing ?? 'newline';
    // PendingRequests tracks our requests; the peer's own set would be a second insert and delete.
    this.peer = new JsonRpcPeer({
      framing,
      maxMessageBytes: options.maxMessageBytes,
      utf8Length,
      natives: nodeFramerNatives,
      trackPending: false,
    });
    this.policy = { exposeErrors: options.exposeErrors, onHandlerError: options.onHandlerError };
    this.listeners = new ConnectionListeners((error, event) =>
      reportHandlerError(error, this.policy, { method: '', id: undefined, stage: 'listener', event }),
    );
    this.progressFault = reporter(this.policy, { method: PROGRESS_METHOD, id: undefined, stage: 'progress' });
    this.cancellation = options.cancellation ?? framing === 'content-length';
    this.describeEnd = options[kDescribeEnd];
    this.keepStreams = options[kKeepStreams] === true;
    this.closed = new Promise<ConnectionClosedError>((resolve) => {
      this.resolveClosed = resolve;
    });

    this.gate = {
      running: 0,
      maxConcurrentHandlers: positive('maxConcurrentHandlers', options.maxConcurrentHandlers, DEFAULT_MAX_CONCURRENT_HANDLERS),
      queued: 0,
      queuedBytes: 0,
      maxQueued: positive('maxQueuedMessages', options.maxQueuedMessages, DEFAULT_MAX_QUEUED),
      maxQueuedBytes: positive('maxQueuedBytes', options.maxQueuedBytes, DEFAULT_MAX_QUEUED_BYTES),
      barrier: false,
      writeBlocked: false,
      writeFull: false,
      pendingOutgoing: 0,
    };
    const highWaterMark = positive(
      'highWaterMark',
      options.highWaterMark,
      this.writable.writableHighWaterMark > 0 ? this.writable.writableHighWaterMark : 16 * 1024,
    );
    // Never below the high-water mark: the queue could not fill before it blocks.
    const maxWriteQueueBytes = Math.max(
      highWaterMark,
      positive('maxWriteQueueBytes', options.maxWriteQueueBytes, DEFAULT_MAX_WRITE_QUEUE_BYTES),
    );
    this.writer = new WriteQueue(this.writable, highWaterMark, maxWriteQueueBytes, this.onWriteBlocked);
    this.outbox = new Outbox(this.peer, this.writer, this.policy);
    this.pending = new PendingRequests(this.onGiveUp);
    this.inbound = new InboundScheduler(this.schedulerHost(), this.gate, this.outbox, {
      dispatcher: options.dispatcher as Dispatcher<UntypedMethods, ConnectionContext> | undefined,
      policy: this.policy,
      cancellation: this.cancellation,
      isSequential: sequentialTest(options.sequential),
    });
    this.reader = new InboundReader(this.readable, this.peer, this.readerHost());

    this.readable.on('error', this.onStreamError);
    this.readable.on('close', this.onReadableClose);
    if (this.writable !== (this.readable as unknown)) {
      this.writable.on('error', this.onStreamError);
      this.writable.on('close', this.onWritableClose);
    } else {
      this.writable.on('finish', noop);
    }
  }

  // ---- outgoing -----------------------------------------------------------------------------------

  /**
   * Sends a request and resolves with its result. Rejects with:
   * - the `JsonRpcException` subclass of an error response (`JsonRpcException.fromError`, so a
   *   registered application error class comes back as itself);
   * - `RequestTimeoutError` when `timeoutMs` passes first;
   * - `RequestAbortedError` (its `cause` is the signal's reason) when `signal` aborts; an
   *   already-aborted signal never sends the request;
   * - `JsonRpcInvalidResponseError` when the response is not valid JSON-RPC 2.0 (it is never answered);
   * - `ConnectionClosedError` when the connection is or becomes closed before the response;
   * - `RangeError` when `timeoutMs` is not a number >= 0 (Infinity: no timeout), `TypeError` when
   *   `signal` is not an AbortSignal: a rejection like every other fault of a call, nothing is sent.
   */
  request<K extends keyof R & string, S extends StandardSchemaV1>(
    method: K,
    params: RequestArgs<R, K>[0],
    options: ValidatedRequestOptions<S>,
  ): Promise<StandardSchemaV1.InferOutput<S>>;
  request<K extends keyof R & string>(method: K, ...args: RequestArgs<R, K>): Promise<RequestResult<R, K>>;
  // (Named parameters in the implementation: a rest parameter would allocate an array per call.)
  request(method: string, params?: JsonRpcParams, options?: RequestOptions): Promise<unknown> {
    let signal: AbortSignal | undefined;
    let timeoutMs: number | undefined;
    let result: StandardSchemaV1 | undefined; // (schema hook, issue 14)
    if (options !== undefined) {
      const checked = callOptions(options);
      if (checked instanceof Error) return Promise.reject(checked);
      ({ signal, timeoutMs, result } = checked);
    }
    const refusal = this.refusal('request');
    if (refusal !== undefined) return rejection(refusal);
    if (signal !== undefined && signal.aborted) {
      return Promise.reject(new RequestAbortedError(method, signal.reason));
    }
    let id: number;
    let text: string;
    try {
      ({ id, text } = this.peer.requestText(method, params));
    } catch (err) {
      return Promise.reject(err); // params with no JSON form (BigInt, a cycle)
    }
    const answer = new Promise<unknown>((resolve, reject) => {
      this.pending.add(id, method, resolve, reject, timeoutMs, signal);
      this.writer.push(text);
      this.pendingChanged();
    });
    return result === undefined ? answer : validatedAnswer(method, result, answer, signal); // (schema hook, issue 14)
  }

  /**
   * Sends a notification. Resolves once its bytes are handed to the stream (it waits while the
   * stream is over its high-water mark, so awaiting each call paces a flood); rejects with
   * `ConnectionClosedError` when the connection is closed. Ignoring the promise is safe.
   */
  notify<K extends keyof R & string>(method: K, ...args: NotifyArgs<R, K>): Promise<void>;
  notify(method: string, params?: JsonRpcParams): Promise<void> {
    return this.sendNotification(method, params);
  }

  /**
   * Sends several calls as one batch frame. Returns one promise per entry, in order: a request's
   * settles like `request()`'s; a notification's resolves with `undefined` once written.
   */
  batch(entries: readonly BatchEntry[], options: RequestOptions = {}): Promise<unknown>[] {
    const checked = callOptions(options);
    if (checked instanceof Error) return entries.map(() => rejectedHandled(checked));
    const { signal, timeoutMs } = checked;
    const refusal = this.refusal('request');
    if (refusal !== undefined) return entries.map(() => markHandled(rejection(refusal)));
    if (signal !== undefined && signal.aborted) {
      return entries.map((entry) => rejectedHandled(new RequestAbortedError(entry.method, signal.reason)));
    }
    let ids: number[];
    let text: string;
    try {
      ({ ids, text } = this.peer.batchText(entries));
    } catch (err) {
      return entries.map(() => rejectedHandled(err));
    }
    const written = this.writer.pushAndWait(text);
    let next = 0;
    const results = entries.map((entry) => {
      if (entry.notification === true) return written;
      const id = ids[next++]!;
      return new Promise<unknown>((resolve, reject) => {
        this.pending.add(id, entry.method, resolve, reject, timeoutMs, signal);
      });
    });
    this.pendingChanged();
    return results;
  }

  /** Sends `$/progress` with `{ token, value }` (the LSP progress pattern). */
  sendProgress(token: string | number, value: unknown): Promise<void> {
    return this.sendNotification(PROGRESS_METHOD, { token, value });
  }

  /**
   * Calls `listener` with the `value` of every `$/progress` notification for `token` until disposed.
   * Such notifications are handled as they are read and never reach the dispatcher. Pass the token
   * in your request's params (LSP: `workDoneToken`/`partialResultToken`).
   */
  onProgress(token: string | number, listener: (value: unknown) => void): Disposable {
    this.progress.set(token, listener);
    return {
      dispose: () => {
        if (this.progress.get(token) === listener) this.progress.delete(token);
      },
    };
  }

  private sendNotification(method: string, params: JsonRpcParams | undefined): Promise<void> {
    const refusal = this.refusal('notification');
    if (refusal !== undefined) return markHandled(rejection(refusal));
    let text: string;
    try {
      text = this.peer.notifyText(method, params);
    } catch (err) {
      return rejectedHandled(err);
    }
    return this.writer.pushAndWait(text);
  }

  /**
   * Why nothing can be sent now (undefined when it can). Requests are refused once the input ended
   * too (no response could be read); notifications may still go out then. While the stream is gone
   * but a child's exit status is still being learnt, the answer is a promise of the final reason,
   * so the caller hears why ("could not be started", "exited with code 1"), not just "closed".
   */
  private refusal(kind: 'request' | 'notification'): ConnectionClosedError | Promise<ConnectionClosedError> | undefined {
    const state = this.state;
    if (state === 'closed' || (state === 'draining' && kind === 'request')) return this.closedError();
    if (!this.streamGone()) return undefined;
    if (this.closeReason !== undefined) return this.closedError();
    if (this.describeEnd !== undefined && (this.streamFailed || this.writable.destroyed)) {
      return this.closed.then(copyReason);
    }
    return new ConnectionClosedError('Cannot send: the stream has already ended or was destroyed');
  }

  private closedError(): ConnectionClosedError {
    const reason = this.closeReason;
    return reason === undefined ? new ConnectionClosedError('The connection is closed') : copyReason(reason);
  }

  private streamGone(): boolean {
    return this.streamFailed || this.writable.writableEnded || this.writable.destroyed;
  }

  // ---- state and events ---------------------------------------------------------------------------

  /** Requests sent and not yet answered. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Handlers running now. */
  get runningHandlers(): number {
    return this.gate.running;
  }

  /** Incoming messages waiting for a handler slot. */
  get queuedMessages(): number {
    return this.inbound.queued;
  }

  /** The bytes (on the wire) of the incoming messages waiting for a handler slot. */
  get queuedBytes(): number {
    return this.inbound.queuedBytes;
  }

  /** True while reading is paused for back pressure. */
  get readingPaused(): boolean {
    return this.reader.isPaused;
  }

  /** False once closed, or once the remote side's input ended. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  on<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): this {
    this.listeners.add(event, listener);
    return this;
  }

  off<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): this {
    this.listeners.remove(event, listener);
    return this;
  }

  // ---- incoming -----------------------------------------------------------------------------------

  /** Routes one parsed message (`bytes` on the wire): responses settle at once; work goes to the scheduler. */
  private receive(message: JsonRpcMessage, bytes: number): void {
    switch (message.kind) {
      case 'response':
      case 'invalidResponse': // never answered, whatever is wrong with it
        this.settle(message);
        return;
      case 'notification':
        if (!this.intercept(message)) this.inbound.admit(message, bytes);
        return;
      case 'request':
        if (this.cancellation && this.earlyCancels.consume(message.id)) {
          this.outbox.error(message, new JsonRpcRequestCancelledError());
          return;
        }
        this.inbound.admit(message, bytes);
        return;
      case 'invalid':
        this.listeners.emit('invalidMessage', message);
        // Garbage is bytes of some other protocol (another framing, stray logging): answering it
        // would be garbage to that side in turn, and two such sides would answer each other forever.
        if (!isGarbage(message.error)) this.outbox.error(message, message.error);
        return;
      case 'batch':
        this.receiveBatch(message, bytes);
        return;
    }
  }

  /**
   * A response settles the request waiting under its id (an invalid one rejects it); one that no
   * request waits for, valid or not, is reported as `'unknownResponse'`.
   */
  private settle(response: JsonRpcResponse | JsonRpcInvalidResponse): void {
    if (!this.pending.settle(response)) this.listeners.emit('unknownResponse', response);
  }

  /** `$/cancelRequest` and `$/progress` for a registered token are handled here, never queued. */
  private intercept(message: JsonRpcNotification): boolean {
    const method = message.method;
    if (method.charCodeAt(0) !== 36 /* $ */) return false;
    if (method === CANCEL_METHOD && this.cancellation) {
      const id = cancelledId(message.params);
      if (id !== undefined && !this.inbound.cancelIncoming(id)) this.earlyCancels.remember(id);
      return true;
    }
    if (method === PROGRESS_METHOD && this.progress.size > 0) {
      const params = message.params as { token?: unknown; value?: unknown } | undefined;
      const token = params?.token;
      const listener =
        typeof token === 'string' || typeof token === 'number' ? this.progress.get(token) : undefined;
      if (listener === undefined) return false;
      callGuarded(listener, [params!.value], this.progressFault);
      return true;
    }
    return false;
  }

  private receiveBatch(batch: JsonRpcBatch, bytes: number): void {
    const work: JsonRpcSingleMessage[] = [];
    for (const entry of batch.messages) {
      if (entry.kind === 'response' || entry.kind === 'invalidResponse') {
        this.settle(entry);
      } else if (entry.kind === 'notification' && this.intercept(entry)) {
        // handled
      } else {
        // An invalid entry is answered inside the batch response, by the dispatcher.
        if (entry.kind === 'invalid') this.listeners.emit('invalidMessage', entry);
        work.push(entry);
      }
    }
    if (work.length > 0) this.inbound.admit({ kind: 'batch', messages: work }, bytes);
  }

  /** (A method, so that TypeScript does not narrow `state` across calls that may change it.) */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private readerHost(): ReaderHost {
    return {
      isClosed: () => this.state === 'closed',
      mayRead: () => {
        const gate = this.gate;
        gate.queued = this.inbound.queued;
        gate.queuedBytes = this.inbound.queuedBytes;
        gate.writeFull = this.writer.full;
        gate.pendingOutgoing = this.pending.size;
        return mayRead(gate);
      },
      receive: (message, bytes) => this.receive(message, bytes),
      inputDone: () => this.finishInput(),
    };
  }

  private schedulerHost(): SchedulerHost {
    return {
      connection: this as unknown as JsonRpcConnection,
      isClosed: () => this.state === 'closed',
      pendingOutgoing: () => this.pending.size,
      droppedNotification: (notification) => this.listeners.emit('droppedNotification', notification),
      droppedResponse: (request) => this.listeners.emit('droppedResponse', request),
      workDone: () => {
        if (this.reader.hasUnparsed || this.reader.isPaused) this.scheduleKick();
        else this.maybeFinishDraining();
      },
    };
  }

  /** Re-evaluates everything after a state change: start queued work, then read on. */
  private readonly kick = (): void => {
    this.kickScheduled = false;
    if (this.state === 'closed') return;
    this.inbound.startQueued();
    this.reader.pump();
    this.maybeFinishDraining();
  };

  private scheduleKick(): void {
    if (this.kickScheduled || this.state === 'closed') return;
    this.kickScheduled = true;
    queueMicrotask(this.kick);
  }

  private pendingChanged(): void {
    // A first pending request may open the gate (the deadlock rule): read on to get its response.
    if (this.reader.isPaused) this.scheduleKick();
  }

  private readonly onWriteBlocked = (blocked: boolean): void => {
    this.gate.writeBlocked = blocked;
    if (!blocked) this.scheduleKick();
  };

  /** A request stopped waiting (timeout or abort): forget its id; tell the remote side if it listens. */
  private readonly onGiveUp = (entry: PendingEntry): void => {
    this.peer.forget(entry.id);
    if (this.cancellation && this.state !== 'closed') this.outbox.cancel(entry.id);
  };

  // ---- closing --------------------------------------------------------------------------------------

  /**
   * Closes the connection: stops reading, rejects every waiting request with `ConnectionClosedError`,
   * aborts running handlers' signals (their late results are dropped), writes what is queued, ends
   * the stream. Resolves when closed. Safe to call more than once.
   */
  close(): Promise<void> {
    this.shutdown(new ConnectionClosedError('The connection was closed locally (close() was called)'), true);
    return this.closed.then(noop);
  }

  /** Closes at once without flushing: like `close()`, but queued output is dropped and the stream destroyed. */
  destroy(reason?: Error | string): void {
    const error =
      reason instanceof ConnectionClosedError
        ? reason
        : new ConnectionClosedError(
            typeof reason === 'string' ? reason : 'The connection was destroyed locally',
            reason instanceof Error ? { cause: reason } : undefined,
          );
    this.shutdown(error, false);
  }

  /** All input is parsed: the remote side will send nothing more. */
  private finishInput(): void {
    if (this.inputFinished) return;
    this.inputFinished = true;
    // The end may complete a message (a top-level number in json-stream): it is handled as usual.
    // What the framer reports (a message cut off) is not answered: the remote side has gone.
    let cut = false;
    for (const message of this.peer.end()) {
      if (message.kind === 'invalid' && isFramingError(message.error)) cut = true;
      else this.receive(message, 0);
    }
    const base = cut
      ? 'The remote side closed the connection in the middle of a message'
      : 'The remote side closed the connection';
    withEndDetail(this.describeEnd, base, (message) => this.drain(new ConnectionClosedError(message)));
  }

  /**
   * The remote side's input ended: waiting requests can never be answered, so they reject now;
   * requests already received are still handled and answered (a half-closed stream can still carry
   * them), then the connection closes.
   */
  private drain(reason: ConnectionClosedError): void {
    if (this.state !== 'open') return;
    this.state = 'draining';
    this.closeReason = reason;
    this.pending.rejectAll(reason);
    this.maybeFinishDraining();
  }

  private maybeFinishDraining(): void {
    if (this.state !== 'draining' || !this.inbound.idle) return;
    this.shutdown(this.closeReason!, true);
  }

  private readonly onStreamError = (err: Error): void => {
    if (this.state === 'closed' || this.streamFailed) return;
    this.streamFailed = true;
    this.listeners.emit('error', err);
    const detail = (err as NodeJS.ErrnoException).code ?? err.message;
    // Nothing more can be written; a child's EPIPE is explained by its exit status when known.
    this.writer.fail(new ConnectionClosedError(`The connection was lost (${detail})`, { cause: err }));
    withEndDetail(this.describeEnd, `The connection was lost (${detail})`, (message) =>
      this.shutdown(new ConnectionClosedError(message, { cause: err }), false),
    );
  };

  private readonly onReadableClose = (): void => {
    if (this.state === 'closed' || this.streamFailed) return; // a failure closes it with its reason
    if (this.reader.inputEnded) {
      // Ended normally; a duplex closing also means nothing more can be written.
      if (this.writable === (this.readable as unknown)) this.afterWritableGone();
      return;
    }
    this.shutdown(new ConnectionClosedError('The stream was closed before it ended (the remote side went away)'), false);
  };

  private readonly onWritableClose = (): void => this.afterWritableGone();

  private afterWritableGone(): void {
    if (this.state === 'closed' || this.streamFailed) return;
    if (this.reader.inputEnded) {
      // The input ended first: a half-close, or a socket that is not half-open, which Node ends
      // as soon as the remote side ends its own. The end of input is not the end of work: what was
      // received is still handled (answers that can no longer be sent are reported through
      // 'droppedResponse', and requests' signals abort), then the connection closes.
      const why = new ConnectionClosedError('The stream was closed; nothing more can be written');
      this.writer.fail(why);
      this.inbound.outputGone(why);
      this.scheduleKick();
      return;
    }
    if (this.closeReason !== undefined) {
      this.shutdown(this.closeReason, false);
      return;
    }
    // A child that could not be started or has exited closes its stdin: say so, not just "closed".
    withEndDetail(this.describeEnd, 'The stream was closed; nothing more can be written', (message) =>
      this.shutdown(new ConnectionClosedError(message), false),
    );
  }

  private shutdown(reason: ConnectionClosedError, graceful: boolean): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeReason ??= reason;
    const why = this.closeReason;
    this.reader.stop();
    this.pending.rejectAll(why);
    this.inbound.abortAll(why);
    const streams = { readable: this.readable, writable: this.writable, writer: this.writer, keepStreams: this.keepStreams };
    releaseStreams(streams, why, graceful, () => {
      this.listeners.emit('close', why);
      this.resolveClosed(why);
    });
  }
}

/**
 * Runs a JSON-RPC connection over `stream`: a `Duplex` (socket) or a `{ readable, writable }` pair.
 * `R` is the remote side's method table (checks `request()`/`notify()`), `L` this side's (checks the
 * dispatcher). See `ConnectOptions` for framing, limits and back pressure.
 */
export function connect<R extends MethodTable<R> = UntypedMethods, L extends MethodTable<L> = UntypedMethods>(
  stream: (Readable & Writable) | StreamPair,
  options: ConnectOptions<L> = {},
): JsonRpcConnection<R> {
  const pair: StreamPair =
    'readable' in stream && typeof (stream as StreamPair).readable === 'object' && (stream as StreamPair).readable !== null
      ? (stream as StreamPair)
      : { readable: stream as Readable, writable: stream as Writable };
  return new JsonRpcConnection<R>(pair, options as ConnectOptions<MethodTable<never>>);
}

/** An error the framer gave (its `data` names the framing), not one about a parsed message. */
function isFramingError(error: { readonly data?: unknown }): boolean {
  const data = error.data as { framing?: unknown } | undefined;
  return typeof data === 'object' && data !== null && typeof data.framing === 'string';
}

function isGarbage(error: { readonly data?: unknown }): boolean {
  const data = error.data as { problem?: unknown } | undefined;
  return data !== undefined && data !== null && data.problem === 'garbage';
}

/** A fresh error per refused call (each caller gets its own stack), with the close's message and cause. */
function copyReason(reason: ConnectionClosedError): ConnectionClosedError {
  return new ConnectionClosedError(reason.message, reason.cause !== undefined ? { cause: reason.cause } : undefined);
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Infinity || (Number.isInteger(value) && value >= 1)) return value;
  throw new RangeError(`connect(): ${name} must be a positive integer, got ${String(value)}`);
}

function rejection(reason: ConnectionClosedError | Promise<ConnectionClosedError>): Promise<never> {
  return reason instanceof Promise ? reason.then((err) => Promise.reject(err)) : Promise.reject(reason);
}

/** For promises the caller may ignore (notify, batch entries): never an unhandled rejection. */
function markHandled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop);
  return promise;
}

function rejectedHandled(err: unknown): Promise<never> {
  return markHandled(Promise.reject(err));
}
