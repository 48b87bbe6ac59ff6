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
 * encodes. Back pressure (see read-gate.ts for the rules): the readable is paused whenever this side
 * is not ready for more work, so the remote sender is slowed by the kernel instead of this process
 * buffering without bound; outgoing messages of one event-loop turn are coalesced into one write
 * that honours `'drain'` (write-queue.ts).
 */
import type { Readable, Writable } from 'node:stream';

import { Dispatcher } from '../dispatch/dispatcher.js';
import { toJsonRpcException, type ErrorPolicy } from '../dispatch/error-policy.js';
import { respondBatch } from '../dispatch/handle.js';
import type { DispatchContext, IsUntyped, MethodParams, MethodResult, MethodTable, UntypedMethods } from '../dispatch/types.js';
import { createFramer } from '../framing/index.js';
import type { Framer, FramingName } from '../framing/types.js';
import {
  JsonRpcException,
  JsonRpcInternalError,
  JsonRpcMethodNotFoundError,
  JsonRpcRequestCancelledError,
  JsonRpcServerOverloadedError,
} from '../parser/errors.js';
import type {
  JsonRpcBatch,
  JsonRpcId,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcParams,
  JsonRpcRequest,
  JsonRpcResponse,
  JsonRpcSingleMessage,
} from '../parser/messages.js';
import { JsonRpcPeer } from '../peer.js';
import { CANCEL_METHOD, cancelledId, EarlyCancels, PROGRESS_METHOD } from './cancel.js';
import { ConnectionClosedError, RequestAbortedError } from './errors.js';
import { PendingRequests, type PendingEntry } from './pending.js';
import { mayRead, type ReadGateState } from './read-gate.js';
import { WriteQueue } from './write-queue.js';

// ---- public types ---------------------------------------------------------------------------------

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
   */
  sequential?: readonly string[] | ((method: string) => boolean);
}

export interface RequestOptions {
  /** Aborting rejects the request at once with `RequestAbortedError` (and sends `$/cancelRequest`). */
  signal?: AbortSignal;
  /** Reject with `RequestTimeoutError` (and cancel) when no response came within this many ms. */
  timeoutMs?: number;
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
  /** The connection is closed (once); `reason` says why (its `cause` holds a stream error). */
  close: (reason: ConnectionClosedError) => void;
  /** A stream failed (the connection closes too). Never thrown when nobody listens. */
  error: (error: Error) => void;
  /** A response whose id matches no waiting request (late after a timeout, or bogus). */
  unknownResponse: (response: JsonRpcResponse) => void;
  /** A notification dropped because the inbound queue was full (see `maxQueuedMessages`). */
  droppedNotification: (notification: JsonRpcNotification) => void;
}

export interface Disposable {
  dispose(): void;
}

/** Internal: lets a transport explain why the remote side ended (a child's exit code). */
export const kDescribeEnd: unique symbol = Symbol('describeEnd');
/** Internal: streams a transport does not own (process.stdin/stdout) are ended, never destroyed. */
export const kKeepStreams: unique symbol = Symbol('keepStreams');
interface InternalOptions {
  [kDescribeEnd]?: () => Promise<string | undefined>;
  [kKeepStreams]?: boolean;
}

// ---- implementation -------------------------------------------------------------------------------

const DEFAULT_MAX_CONCURRENT_HANDLERS = 32;
const DEFAULT_MAX_QUEUED = 1024;
/** The parser is fed at most this much at a time, so it never runs far ahead of the read gate. */
const SLICE_BYTES = 16 * 1024;
/** How long close() waits for the outgoing bytes to be flushed before destroying the stream. */
const CLOSE_FLUSH_TIMEOUT_MS = 2000;

const noop = (): void => {};
const EMPTY = new Uint8Array(0);

/** An incoming request, notification or batch, as queued and run. */
interface Task {
  readonly message: JsonRpcRequest | JsonRpcNotification | JsonRpcBatch;
  readonly sequential: boolean;
  controller: AbortController | undefined;
  /** Already answered (cancelled): whatever the handler returns is dropped. */
  answered: boolean;
  /** Why it was aborted, if it was (for a signal made after the fact). */
  abortReason?: unknown;
}

function abortTask(task: Task, reason: unknown): void {
  if (task.abortReason !== undefined) return;
  task.abortReason = reason;
  task.controller?.abort(reason);
}

/** A handler's context whose AbortSignal is made only if something reads it. */
class CallContext implements ConnectionContext {
  constructor(
    readonly id: JsonRpcId,
    readonly method: string,
    readonly connection: JsonRpcConnection,
    private readonly task: Task,
  ) {}

  get signal(): AbortSignal {
    let controller = this.task.controller;
    if (controller === undefined) {
      controller = this.task.controller = new AbortController();
      if (this.task.abortReason !== undefined) controller.abort(this.task.abortReason);
    }
    return controller.signal;
  }
}

type Listeners = { [E in keyof ConnectionEvents]?: ConnectionEvents[E][] };

export class JsonRpcConnection<R extends MethodTable<R> = UntypedMethods> {
  /** Resolves (never rejects) once the connection is closed, with why. */
  readonly closed: Promise<ConnectionClosedError>;

  private readonly peer: JsonRpcPeer;
  private readonly readable: Readable;
  private readonly writable: Writable;
  private readonly writer: WriteQueue;
  private readonly pending: PendingRequests;
  private readonly dispatcher: Dispatcher<UntypedMethods, ConnectionContext> | undefined;
  private readonly policy: ErrorPolicy;
  private readonly cancellation: boolean;
  private readonly earlyCancels: EarlyCancels;
  private readonly isSequential: (method: string) => boolean;
  private readonly maxQueued: number;
  private readonly describeEnd: (() => Promise<string | undefined>) | undefined;
  private readonly keepStreams: boolean;
  private readonly gate: ReadGateState;

  /** Requests being handled, by id, when `$/cancelRequest` is honoured. */
  private readonly running = new Map<JsonRpcId, Task>();
  /** Running batches (aborted on close). */
  private readonly runningOther = new Set<Task>();
  private queue: Task[] = [];
  private queueHead = 0;

  private inbox: Uint8Array[] = [];
  private inboxOffset = 0;
  private pumping = false;
  private paused = false;
  private kickScheduled = false;
  private inputEnded = false;
  private inputFinished = false;
  private streamFailed = false;
  private state: 'open' | 'draining' | 'closed' = 'open';
  private closeReason: ConnectionClosedError | undefined;
  private resolveClosed!: (reason: ConnectionClosedError) => void;
  private listeners: Listeners = {};
  private readonly progress = new Map<string | number, (value: unknown) => void>();
  /** Aborted when the connection closes: the signal of handlers that cannot be cancelled one by one. */
  private readonly lifetime = new AbortController();
  /** Frames batch responses, which the dispatcher returns as JSON text (made on first use). */
  private batchEncoder: Framer | undefined;

  constructor(stream: StreamPair, options: ConnectOptions<MethodTable<never>> & InternalOptions = {}) {
    this.readable = stream.readable;
    this.writable = stream.writable;
    const framing = options.framing ?? 'newline';
    this.peer = new JsonRpcPeer({ framing, maxMessageBytes: options.maxMessageBytes });
    this.dispatcher = options.dispatcher as Dispatcher<UntypedMethods, ConnectionContext> | undefined;
    this.policy = { exposeErrors: options.exposeErrors, onHandlerError: options.onHandlerError };
    this.cancellation = options.cancellation ?? framing === 'content-length';
    this.earlyCancels = new EarlyCancels();
    const sequential = options.sequential;
    if (sequential === undefined) this.isSequential = () => false;
    else if (typeof sequential === 'function') this.isSequential = sequential;
    else {
      const names = new Set(sequential);
      this.isSequential = (method) => names.has(method);
    }
    this.maxQueued = positive('maxQueuedMessages', options.maxQueuedMessages, DEFAULT_MAX_QUEUED);
    this.gate = {
      running: 0,
      maxConcurrentHandlers: positive('maxConcurrentHandlers', options.maxConcurrentHandlers, DEFAULT_MAX_CONCURRENT_HANDLERS),
      queued: 0,
      barrier: false,
      writeBlocked: false,
      pendingOutgoing: 0,
    };
    this.describeEnd = options[kDescribeEnd];
    this.keepStreams = options[kKeepStreams] === true;
    this.closed = new Promise<ConnectionClosedError>((resolve) => {
      this.resolveClosed = resolve;
    });

    const highWaterMark = positive(
      'highWaterMark',
      options.highWaterMark,
      this.writable.writableHighWaterMark > 0 ? this.writable.writableHighWaterMark : 16 * 1024,
    );
    this.writer = new WriteQueue(this.writable, highWaterMark, this.onWriteBlocked);
    this.pending = new PendingRequests(this.onGiveUp);

    this.readable.on('data', this.onData);
    this.readable.on('end', this.onEnd);
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
   * - `ConnectionClosedError` when the connection is or becomes closed before the response.
   */
  request<K extends keyof R & string>(method: K, ...args: RequestArgs<R, K>): Promise<RequestResult<R, K>>;
  // (Named parameters in the implementation: a rest parameter would allocate an array per call.)
  request(method: string, params?: JsonRpcParams, options?: RequestOptions): Promise<unknown> {
    const refusal = this.refuseRequest();
    if (refusal !== undefined) return Promise.reject(refusal);
    const signal = options?.signal;
    if (signal !== undefined && signal.aborted) {
      return Promise.reject(new RequestAbortedError(method, signal.reason));
    }
    let id: number;
    let bytes: Uint8Array;
    try {
      ({ id, bytes } = this.peer.request(method, params));
    } catch (err) {
      return Promise.reject(err); // params with no JSON form (BigInt, a cycle)
    }
    return new Promise<unknown>((resolve, reject) => {
      this.pending.add(id, method, resolve, reject, options?.timeoutMs, signal);
      this.writer.push(bytes);
      this.pendingChanged();
    });
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
    const refusal = this.refuseRequest();
    if (refusal !== undefined) return entries.map(() => rejectedHandled(refusal));
    const signal = options.signal;
    if (signal !== undefined && signal.aborted) {
      return entries.map((entry) => rejectedHandled(new RequestAbortedError(entry.method, signal.reason)));
    }
    let ids: number[];
    let bytes: Uint8Array;
    try {
      ({ ids, bytes } = this.peer.batch(entries));
    } catch (err) {
      return entries.map(() => rejectedHandled(err));
    }
    const written = this.writer.pushAndWait(bytes);
    let next = 0;
    const results = entries.map((entry) => {
      if (entry.notification === true) return written;
      const id = ids[next++]!;
      return new Promise<unknown>((resolve, reject) => {
        this.pending.add(id, entry.method, resolve, reject, options.timeoutMs, options.signal);
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

  // ---- state and lifecycle --------------------------------------------------------------------------

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
    return this.queue.length - this.queueHead;
  }

  /** True while reading is paused for back pressure. */
  get readingPaused(): boolean {
    return this.paused;
  }

  /** False once closed, or once the remote side's input ended. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  on<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): this {
    ((this.listeners[event] ??= []) as ConnectionEvents[E][]).push(listener);
    return this;
  }

  off<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): this {
    const list = this.listeners[event] as ConnectionEvents[E][] | undefined;
    const index = list?.indexOf(listener) ?? -1;
    if (index >= 0) list!.splice(index, 1);
    return this;
  }

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

  // ---- reading --------------------------------------------------------------------------------------

  private readonly onData = (chunk: Uint8Array | string): void => {
    if (this.state === 'closed') return;
    this.inbox.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    this.pump();
  };

  /** Feeds the parser slice by slice while the read gate is open; pauses the readable when not. */
  private pump(): void {
    if (this.pumping || this.state === 'closed') return;
    this.pumping = true;
    try {
      const gate = this.gate;
      while (this.inbox.length > 0 && !this.isClosed()) {
        gate.queued = this.queue.length - this.queueHead;
        gate.pendingOutgoing = this.pending.size;
        if (!mayRead(gate)) break;
        const chunk = this.inbox[0]!;
        const start = this.inboxOffset;
        let end = chunk.byteLength;
        if (end - start > SLICE_BYTES) end = start + SLICE_BYTES;
        const slice = start === 0 && end === chunk.byteLength ? chunk : chunk.subarray(start, end);
        if (end === chunk.byteLength) {
          this.inbox.shift();
          this.inboxOffset = 0;
        } else {
          this.inboxOffset = end;
        }
        const messages = this.peer.parse(slice);
        for (let i = 0; i < messages.length; i++) this.receive(messages[i]!);
      }
    } finally {
      this.pumping = false;
    }
    if (this.isClosed()) return;
    if (this.inbox.length > 0) {
      this.pauseReading();
    } else if (this.inputEnded) {
      this.finishInput();
    } else {
      this.gate.queued = this.queue.length - this.queueHead;
      this.gate.pendingOutgoing = this.pending.size;
      if (mayRead(this.gate)) this.resumeReading();
      else this.pauseReading();
    }
  }

  /** (A method, so that TypeScript does not narrow `state` across calls that may change it.) */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private pauseReading(): void {
    if (this.paused) return;
    this.paused = true;
    this.readable.pause();
  }

  private resumeReading(): void {
    if (!this.paused) return;
    this.paused = false;
    this.readable.resume();
  }

  /** Re-evaluates everything after a state change: start queued work, then read on. */
  private readonly kick = (): void => {
    this.kickScheduled = false;
    if (this.state === 'closed') return;
    this.startQueued();
    this.pump();
    this.maybeFinishDraining();
  };

  private scheduleKick(): void {
    if (this.kickScheduled || this.state === 'closed') return;
    this.kickScheduled = true;
    queueMicrotask(this.kick);
  }

  private pendingChanged(): void {
    // A first pending request may open the gate (the deadlock rule): read on to get its response.
    if (this.paused) this.scheduleKick();
  }

  private readonly onWriteBlocked = (blocked: boolean): void => {
    this.gate.writeBlocked = blocked;
    if (!blocked) this.scheduleKick();
  };

  private receive(message: JsonRpcMessage): void {
    switch (message.kind) {
      case 'response':
        if (!this.pending.settle(message)) this.emit('unknownResponse', message);
        return;
      case 'notification':
        if (this.interceptNotification(message)) return;
        this.admit(message);
        return;
      case 'request':
        if (this.cancellation && this.earlyCancels.consume(message.id)) {
          this.writeError(message, new JsonRpcRequestCancelledError());
          return;
        }
        this.admit(message);
        return;
      case 'invalid':
        this.writeError(message, message.error);
        return;
      case 'batch':
        this.receiveBatch(message);
        return;
    }
  }

  /** `$/cancelRequest` and `$/progress` for a registered token are handled here, never queued. */
  private interceptNotification(message: JsonRpcNotification): boolean {
    const method = message.method;
    if (method.charCodeAt(0) !== 36 /* $ */) return false;
    if (method === CANCEL_METHOD && this.cancellation) {
      const id = cancelledId(message.params);
      if (id !== undefined) this.cancelIncoming(id);
      return true;
    }
    if (method === PROGRESS_METHOD && this.progress.size > 0) {
      const params = message.params as { token?: unknown; value?: unknown } | undefined;
      const token = params?.token;
      const listener =
        typeof token === 'string' || typeof token === 'number' ? this.progress.get(token) : undefined;
      if (listener === undefined) return false;
      try {
        listener(params!.value);
      } catch (err) {
        toJsonRpcException(err, this.policy, { method, id: undefined, stage: 'handler' });
      }
      return true;
    }
    return false;
  }

  private receiveBatch(batch: JsonRpcBatch): void {
    const work: JsonRpcSingleMessage[] = [];
    for (const entry of batch.messages) {
      if (entry.kind === 'response') {
        if (!this.pending.settle(entry)) this.emit('unknownResponse', entry);
      } else if (entry.kind === 'notification' && this.interceptNotification(entry)) {
        // handled
      } else {
        work.push(entry);
      }
    }
    if (work.length === 0) return;
    this.admit({ kind: 'batch', messages: work });
  }

  // ---- handling -------------------------------------------------------------------------------------

  /** Starts `message` now if a slot is free and nothing is queued before it, else queues it. */
  private admit(message: JsonRpcRequest | JsonRpcNotification | JsonRpcBatch): void {
    const sequential = message.kind !== 'batch' && this.isSequential(message.method);
    const task: Task = { message, sequential, controller: undefined, answered: false };
    const queued = this.queue.length - this.queueHead;
    if (queued === 0 && this.mayStart(task)) {
      this.start(task);
      return;
    }
    // The bound matters only while reading on for responses (the deadlock rule); otherwise the
    // queue only ever holds what one parser slice yielded, which is bounded by SLICE_BYTES.
    if (queued >= this.maxQueued && this.pending.size > 0) {
      this.refuse(task);
      return;
    }
    this.queue.push(task);
  }

  private mayStart(task: Task): boolean {
    const gate = this.gate;
    if (gate.barrier || gate.writeBlocked || gate.running >= gate.maxConcurrentHandlers) return false;
    return !task.sequential || gate.running === 0;
  }

  private startQueued(): void {
    while (this.queueHead < this.queue.length) {
      const task = this.queue[this.queueHead]!;
      if (this.state === 'closed' || !this.mayStart(task)) break;
      this.queue[this.queueHead++] = undefined as unknown as Task;
      this.start(task);
    }
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /** The queue is full: answer a request -32001; drop a notification (reported). */
  private refuse(task: Task): void {
    const message = task.message;
    const overloaded = new JsonRpcServerOverloadedError(undefined, {
      reason: `more than ${this.maxQueued} incoming messages are waiting for a handler`,
    });
    if (message.kind === 'request') {
      this.writeError(message, overloaded);
    } else if (message.kind === 'notification') {
      this.emit('droppedNotification', message);
    } else {
      const answers: JsonRpcResponse[] = [];
      for (const entry of message.messages) {
        if (entry.kind === 'request' || entry.kind === 'invalid') {
          answers.push({ kind: 'response', id: entry.id, isSuccess: false, error: overloaded.toJSON() });
        } else if (entry.kind === 'notification') {
          this.emit('droppedNotification', entry);
        }
      }
      if (answers.length > 0) this.writer.push(this.peer.encode({ kind: 'batch', messages: answers }));
    }
  }

  private start(task: Task): void {
    const gate = this.gate;
    gate.running++;
    if (task.sequential) gate.barrier = true;
    const message = task.message;
    if (message.kind === 'batch') {
      this.startBatch(task, message);
      return;
    }
    // A signal of its own only when something can abort this one call ($/cancelRequest), and made
    // only when first read (CallContext); otherwise the connection's, which aborts on close. An
    // AbortController per call halves pipelined throughput.
    const isRequest = message.kind === 'request';
    const connection = this as unknown as JsonRpcConnection;
    let context: ConnectionContext;
    if (isRequest && this.cancellation) {
      this.running.set(message.id, task);
      context = new CallContext(message.id, message.method, connection, task);
    } else {
      context = { id: isRequest ? message.id : undefined, method: message.method, signal: this.lifetime.signal, connection };
    }
    const dispatcher = this.dispatcher;
    if (dispatcher === undefined) {
      this.finish(task, undefined, new JsonRpcMethodNotFoundError(undefined, { reason: 'This side serves no methods' }), true);
      return;
    }
    let promise: Promise<unknown>;
    try {
      promise = dispatcher.invoke(message.method, message.params, context);
    } catch (err) {
      this.finish(task, undefined, err, true);
      return;
    }
    promise.then(
      (result) => this.finish(task, result, undefined, false),
      (err: unknown) => this.finish(task, undefined, err, true),
    );
  }

  private startBatch(task: Task, batch: JsonRpcBatch): void {
    const controller = new AbortController();
    task.controller = controller;
    this.runningOther.add(task);
    const dispatcher = this.dispatcher ?? new Dispatcher<UntypedMethods, ConnectionContext>();
    const connection = this as unknown as JsonRpcConnection;
    const options = {
      ...this.policy,
      signal: controller.signal,
      createContext: (base: DispatchContext): ConnectionContext => ({ ...base, connection }),
    };
    // One batch in, one batch response out (nothing for an all-notification batch).
    respondBatch(batch, dispatcher, options).then(
      (text) => {
        this.runningOther.delete(task);
        if (text !== null && !task.answered && !this.isClosed()) {
          this.writer.push((this.batchEncoder ??= createFramer(this.peer.framing)).encode(text));
        }
        this.taskDone(task);
      },
      (err: unknown) => {
        // respondBatch() never rejects for what the remote side sent; this guards against bugs.
        this.runningOther.delete(task);
        toJsonRpcException(err, this.policy, { method: '', id: undefined, stage: 'handler' });
        this.taskDone(task);
      },
    );
  }

  private finish(task: Task, result: unknown, error: unknown, failed: boolean): void {
    const message = task.message as JsonRpcRequest | JsonRpcNotification;
    if (message.kind === 'request') {
      if (this.running.get(message.id) === task) this.running.delete(message.id);
      if (!task.answered && this.state !== 'closed') {
        task.answered = true;
        if (failed) {
          const info = { method: message.method, id: message.id, stage: 'handler' as const };
          this.writeError(message, toJsonRpcException(error, this.policy, info));
        } else {
          this.writeResult(message, result);
        }
      }
    } else {
      if (failed && !(error instanceof JsonRpcException)) {
        toJsonRpcException(error, this.policy, { method: message.method, id: undefined, stage: 'handler' });
      }
    }
    this.taskDone(task);
  }

  private taskDone(task: Task): void {
    const gate = this.gate;
    gate.running--;
    if (task.sequential) gate.barrier = false;
    if (this.state === 'closed') return;
    this.startQueued();
    if (this.inbox.length > 0 || this.paused) this.scheduleKick();
    else this.maybeFinishDraining();
  }

  private writeResult(request: JsonRpcRequest, result: unknown): void {
    let bytes: Uint8Array;
    try {
      if (typeof result === 'function' || typeof result === 'symbol' || typeof result === 'bigint') {
        throw new TypeError(`The result of ${request.method} (a ${typeof result}) has no JSON representation`);
      }
      bytes = this.peer.respondWithResult(request, result);
    } catch (err) {
      const info = { method: request.method, id: request.id, stage: 'encode' as const };
      this.writeError(request, toJsonRpcException(err, this.policy, info));
      return;
    }
    this.writer.push(bytes);
  }

  private writeError(request: { readonly id: JsonRpcId }, error: JsonRpcException): void {
    if (this.state === 'closed') return;
    let bytes: Uint8Array;
    try {
      bytes = this.peer.respondWithError(request, error);
    } catch {
      bytes = this.peer.respondWithError(request, new JsonRpcInternalError());
    }
    this.writer.push(bytes);
  }

  /** An incoming `$/cancelRequest`: abort the handler and answer -32800 now, or remember the id. */
  private cancelIncoming(id: string | number): void {
    const task = this.running.get(id);
    if (task !== undefined) {
      this.running.delete(id);
      if (!task.answered) {
        task.answered = true;
        this.writeError(task.message as JsonRpcRequest, new JsonRpcRequestCancelledError());
      }
      abortTask(task, new JsonRpcRequestCancelledError());
      return;
    }
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const queued = this.queue[i]!;
      if (queued.message.kind === 'request' && queued.message.id === id && !queued.answered) {
        queued.answered = true;
        this.queue.splice(i, 1);
        this.writeError(queued.message, new JsonRpcRequestCancelledError());
        this.scheduleKick();
        return;
      }
    }
    this.earlyCancels.remember(id);
  }

  /** A request stopped waiting (timeout or abort): forget its id; tell the remote side if it listens. */
  private readonly onGiveUp = (entry: PendingEntry): void => {
    this.peer.forget(entry.id);
    if (this.cancellation && this.state !== 'closed' && !this.writer.failed) {
      this.writer.push(this.peer.notify(CANCEL_METHOD, { id: entry.id }));
    }
  };

  // ---- closing --------------------------------------------------------------------------------------

  private refuseRequest(): ConnectionClosedError | undefined {
    if (this.state === 'open') {
      if (this.streamFailed || this.writable.writableEnded || this.writable.destroyed) {
        return new ConnectionClosedError('Cannot send: the stream has already ended or was destroyed');
      }
      return undefined;
    }
    const reason = this.closeReason;
    return new ConnectionClosedError(
      reason !== undefined ? reason.message : 'The connection is closed',
      reason?.cause !== undefined ? { cause: reason.cause } : undefined,
    );
  }

  private sendNotification(method: string, params: JsonRpcParams | undefined): Promise<void> {
    if (this.state === 'closed' || this.writable.writableEnded || this.writable.destroyed) {
      return rejectedHandled(this.refuseRequest() ?? new ConnectionClosedError());
    }
    let bytes: Uint8Array;
    try {
      bytes = this.peer.notify(method, params);
    } catch (err) {
      return rejectedHandled(err);
    }
    return this.writer.pushAndWait(bytes);
  }

  private readonly onEnd = (): void => {
    this.inputEnded = true;
    this.pump();
  };

  /** All input is parsed: the remote side will send nothing more. */
  private finishInput(): void {
    if (this.inputFinished) return;
    this.inputFinished = true;
    const cut = this.peer.end().length > 0;
    const base = cut
      ? 'The remote side closed the connection in the middle of a message'
      : 'The remote side closed the connection';
    this.withEndDetail(base, (message) => this.drain(new ConnectionClosedError(message)));
  }

  /**
   * Calls `then` with `base`, extended by what the transport can say about the remote end (a child's
   * exit status) when it can: that is waited for up to a second.
   */
  private withEndDetail(base: string, then: (message: string) => void): void {
    const describeEnd = this.describeEnd;
    if (describeEnd === undefined) {
      then(base);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fallback = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, 1000, undefined);
    });
    Promise.race([describeEnd().catch(() => undefined), fallback]).then((detail) => {
      clearTimeout(timer);
      then(detail === undefined ? base : `${base}: ${detail}`);
    });
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
    if (this.state !== 'draining') return;
    if (this.gate.running > 0 || this.queueHead < this.queue.length) return;
    this.shutdown(this.closeReason!, true);
  }

  private readonly onStreamError = (err: Error): void => {
    if (this.state === 'closed' || this.streamFailed) return;
    this.streamFailed = true;
    this.emit('error', err);
    const detail = (err as NodeJS.ErrnoException).code ?? err.message;
    // Nothing more can be written; a child's EPIPE is explained by its exit status when known.
    this.writer.fail(new ConnectionClosedError(`The connection was lost (${detail})`, { cause: err }));
    this.withEndDetail(`The connection was lost (${detail})`, (message) =>
      this.shutdown(new ConnectionClosedError(message, { cause: err }), false),
    );
  };

  private readonly onReadableClose = (): void => {
    if (this.state === 'closed' || this.streamFailed) return; // a failure closes it with its reason
    if (this.inputEnded) {
      // Ended normally; a duplex closing also means nothing more can be written.
      if (this.writable === (this.readable as unknown)) this.afterWritableGone();
      return;
    }
    this.shutdown(new ConnectionClosedError('The stream was closed before it ended (the remote side went away)'), false);
  };

  private readonly onWritableClose = (): void => this.afterWritableGone();

  private afterWritableGone(): void {
    if (this.state === 'closed' || this.streamFailed) return;
    const reason = this.closeReason ?? new ConnectionClosedError('The stream was closed; nothing more can be written');
    this.shutdown(reason, false);
  }

  private shutdown(reason: ConnectionClosedError, graceful: boolean): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeReason ??= reason;
    const why = this.closeReason;
    this.readable.off('data', this.onData);
    this.inbox = [];
    this.pending.rejectAll(why);
    for (const task of this.running.values()) abortTask(task, why);
    for (const task of this.runningOther) abortTask(task, why);
    this.lifetime.abort(why);
    this.running.clear();
    this.runningOther.clear();
    this.queue = [];
    this.queueHead = 0;

    const finish = (): void => {
      if (!this.keepStreams) {
        this.readable.destroy();
        if (this.writable !== (this.readable as unknown)) this.writable.destroy();
      } else {
        this.readable.pause();
      }
      this.emit('close', why);
      this.resolveClosed(why);
    };
    const writable = this.writable;
    if (!graceful || writable.destroyed || writable.writableFinished) {
      this.writer.fail(why);
      finish();
      return;
    }
    // Graceful: everything queued goes out, then the stream is ended.
    this.writer.flushAll();
    this.writer.fail(why);
    let done = false;
    const once = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      writable.off('finish', once);
      writable.off('close', once);
      writable.off('error', once);
      finish();
    };
    const timer = setTimeout(once, CLOSE_FLUSH_TIMEOUT_MS);
    writable.on('close', once);
    writable.on('error', once);
    if (this.keepStreams) {
      // process.stdout is never ended: wait until what was written has left, then let go.
      writable.write(EMPTY, once);
    } else {
      writable.on('finish', once);
      if (!writable.writableEnded) writable.end();
    }
  }

  private emit<E extends keyof ConnectionEvents>(event: E, ...args: Parameters<ConnectionEvents[E]>): void {
    const list = this.listeners[event];
    if (list === undefined || list.length === 0) return;
    for (const listener of [...list]) {
      try {
        (listener as (...a: Parameters<ConnectionEvents[E]>) => void)(...args);
      } catch {
        // A listener's failure must not break the connection.
      }
    }
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

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Infinity || (Number.isInteger(value) && value >= 1)) return value;
  throw new RangeError(`connect(): ${name} must be a positive integer, got ${String(value)}`);
}

function rejectedHandled(err: unknown): Promise<never> {
  const promise = Promise.reject(err);
  promise.catch(noop);
  return promise;
}
