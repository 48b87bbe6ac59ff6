/**
 * `JsonRpcConnection`: a JSON-RPC connection, client and server at once, over any `Transport`
 * (transport.ts), on any JavaScript runtime (only web-standard globals).
 *
 * ```ts
 * const connection = createConnection(transport, { dispatcher, conventions: 'mcp' });
 * const result = await connection.request('tools/call', params, { signal, onProgress });
 * await connection.close();
 * ```
 *
 * The protocol is the engine's (src/protocol): what each message means, what is answered, what
 * may run and when reading may go on. This class adds promises (pending.ts), handlers
 * (handlers.ts), coalesced writes (write-queue.ts) and the life cycle, and runs one loop: after
 * anything happens (input, an answer, a drain, a call of ours) it asks the engine for events until
 * there are none, then pauses or resumes the transport as the engine says.
 */
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { reportHandlerError, type ErrorPolicy } from '../dispatch/error-policy.js';
import type { StandardSchemaV1 } from '../dispatch/standard-schema.js';
import type { MethodTable, UntypedMethods } from '../dispatch/types.js';
import { validatedAnswer } from '../dispatch/validation.js';
import { JsonRpcRequestCancelledError } from '../parser/errors.js';
import type { JsonRpcParams } from '../parser/messages.js';
import { LSP_CONVENTIONS, PROGRESS_METHOD, type ProgressToken } from '../protocol/conventions.js';
import { ProtocolEngine } from '../protocol/engine.js';
import type { ClosingEvent, InputEndedEvent, ProtocolEvent } from '../protocol/events.js';
import type { EndCause } from '../protocol/state.js';
import { withEndDetail } from './end-detail.js';
import { ConnectionClosedError, RequestAbortedError } from './errors.js';
import { ConnectionListeners } from './events.js';
import { callGuarded, reporter, type Report } from './guard.js';
import { HandlerRunner } from './handlers.js';
import { callOptions, type CheckedCallOptions } from './options.js';
import { PendingRequest, ProgressWatcher, type EngineToken } from './pending.js';
import type { Transport } from './transport.js';
import type {
  BatchEntry,
  ConnectionContext,
  ConnectionEvents,
  ConnectionOptions,
  Disposable,
  NotifyArgs,
  RequestArgs,
  RequestOptions,
  RequestResult,
  ValidatedRequestOptions,
} from './types.js';
import { WriteQueue } from './write-queue.js';

const noop = (): void => {};

export class JsonRpcConnection<R extends MethodTable<R> = UntypedMethods> {
  /** Resolves (never rejects) once the connection is closed, with why. */
  readonly closed: Promise<ConnectionClosedError>;

  private readonly engine: ProtocolEngine<EngineToken>;
  private readonly transport: Transport;
  private readonly writer: WriteQueue;
  private readonly runner: HandlerRunner;
  private readonly policy: ErrorPolicy;
  private readonly listeners: ConnectionListeners<ConnectionEvents>;
  private readonly progressFault: Report;
  private resolveClosed!: (reason: ConnectionClosedError) => void;

  private closeReason: ConnectionClosedError | undefined;
  private graceful = true;
  private paused = false;
  private pumping = false;
  private pumpAgain = false;
  private inputEnded = false;
  /** A failure is being explained (a child's exit status): calls wait for the final reason. */
  private failing = false;
  /** Reasons being explained; the release waits for them. */
  private explaining = 0;
  private readonly afterExplained: (() => void)[] = [];
  private readonly giveUp = (entry: PendingRequest, error: Error, reason: string): void => {
    const text = this.engine.cancel(entry.id, reason);
    if (text !== null) this.writer.push(text);
    entry.fail(error);
    this.pump();
  };

  constructor(transport: Transport, options: ConnectionOptions<MethodTable<never>> = {}) {
    this.transport = transport;
    const framing = transport.kind === 'messages' ? 'message' : (options.framing ?? 'newline');
    const legacy = options.cancellation === undefined ? undefined : options.cancellation ? 'lsp' : 'none';
    this.engine = new ProtocolEngine<EngineToken>({
      framing,
      conventions: options.conventions ?? legacy,
      maxMessageBytes: options.maxMessageBytes,
      natives: options.natives,
      maxConcurrentHandlers: options.maxConcurrentHandlers,
      maxQueuedMessages: options.maxQueuedMessages,
      maxQueuedBytes: options.maxQueuedBytes,
      maxWriteQueueBytes: options.maxWriteQueueBytes,
      maxBatchSize: options.maxBatchSize,
      sequential: options.sequential,
      utf8Length: options.utf8Length,
    });
    this.policy = { exposeErrors: options.exposeErrors, onHandlerError: options.onHandlerError };
    this.listeners = new ConnectionListeners<ConnectionEvents>((error, event) =>
      reportHandlerError(error, this.policy, { method: '', id: undefined, stage: 'listener', event }),
    );
    this.progressFault = reporter(this.policy, { method: this.progressMethod(), id: undefined, stage: 'progress' });
    this.closed = new Promise<ConnectionClosedError>((resolve) => {
      this.resolveClosed = resolve;
    });
    this.writer = new WriteQueue(transport, this.onBlockedChange, this.onTransportError);
    const engine = this.engine;
    const writer = this.writer;
    this.runner = new HandlerRunner(
      {
        connection: this as unknown as JsonRpcConnection,
        engine,
        write: (text) => writer.push(text),
        writeAndWait: (text) => writer.pushAndWait(text),
        droppedResponse: (request) => this.listeners.emit('droppedResponse', request),
        workDone: () => this.pump(),
      },
      options.dispatcher as Dispatcher<UntypedMethods, ConnectionContext> | undefined,
      this.policy,
    );
    transport.start({
      data: (chunk) => {
        if (this.engine.state.phase !== 'open') return;
        this.engine.receive(chunk);
        this.pump();
      },
      end: () => {
        this.inputEnded = true;
        this.engine.end();
        this.pump();
      },
      drain: () => this.writer.drained(),
      writeClosed: this.onWriteClosed,
      error: this.onTransportError,
    });
  }

  // ---- outgoing ---------------------------------------------------------------------------------

  /**
   * Sends a request and resolves with its result. Rejects with the `JsonRpcException` of an error
   * response, `RequestTimeoutError`, `RequestAbortedError` (an already-aborted signal sends
   * nothing), `JsonRpcInvalidResponseError`, `ConnectionClosedError`, or the RangeError/TypeError
   * of invalid options or params (nothing is sent).
   */
  request<K extends keyof R & string, S extends StandardSchemaV1>(
    method: K,
    params: RequestArgs<R, K>[0],
    options: ValidatedRequestOptions<S>,
  ): Promise<StandardSchemaV1.InferOutput<S>>;
  request<K extends keyof R & string>(method: K, ...args: RequestArgs<R, K>): Promise<RequestResult<R, K>>;
  // (Named parameters in the implementation: a rest parameter would allocate an array per call.)
  request(method: string, params?: JsonRpcParams, options?: RequestOptions): Promise<unknown> {
    let checked: CheckedCallOptions | undefined;
    if (options !== undefined) {
      const result = callOptions(options);
      if (result instanceof Error) return Promise.reject(result);
      checked = result;
    }
    const refusal = this.refusal('request');
    if (refusal !== undefined) return refusal;
    const signal = checked?.signal;
    if (signal !== undefined && signal.aborted) return Promise.reject(new RequestAbortedError(method, signal.reason));
    const entry = new PendingRequest(method, checked, this.giveUp, this.progressFault);
    let text: string;
    try {
      ({ id: entry.id, text } = this.engine.request(method, params, entry, entry.wantsProgress));
    } catch (err) {
      return Promise.reject(err); // params with no JSON form (BigInt, a cycle)
    }
    entry.arm();
    this.writer.push(text);
    // A first pending request may reopen reading (the deadlock rule: its response must be read).
    if (this.paused) this.pump();
    const schema = checked?.result;
    return schema === undefined ? entry.promise : validatedAnswer(method, schema, entry.promise, signal);
  }

  /** Sends a notification; resolves once handed to the transport (await it to pace a flood). Never unhandled. */
  notify<K extends keyof R & string>(method: K, ...args: NotifyArgs<R, K>): Promise<void>;
  notify(method: string, params?: JsonRpcParams): Promise<void> {
    const refusal = this.refusal('notification');
    if (refusal !== undefined) return markHandled(refusal);
    let text: string;
    try {
      text = this.engine.notify(method, params);
    } catch (err) {
      return markHandled(Promise.reject(err));
    }
    return this.writer.pushAndWait(text);
  }

  /**
   * Sends several calls as one batch. One promise per entry, in order: a request's settles like
   * `request()`'s (with `options`' signal and timeouts); a notification's resolves once written.
   */
  batch(entries: readonly BatchEntry[], options: RequestOptions = {}): Promise<unknown>[] {
    const checked = callOptions(options);
    if (checked instanceof Error) return entries.map(() => markHandled(Promise.reject(checked)));
    const refusal = this.refusal('request');
    if (refusal !== undefined) return entries.map(() => markHandled(refusal));
    const signal = checked.signal;
    if (signal !== undefined && signal.aborted) {
      return entries.map((entry) => markHandled(Promise.reject(new RequestAbortedError(entry.method, signal.reason))));
    }
    const pending = entries.map((entry) =>
      entry.notification === true ? undefined : new PendingRequest(entry.method, checked, this.giveUp, this.progressFault),
    );
    let ids: number[];
    let text: string;
    try {
      ({ ids, text } = this.engine.batch(entries.map((entry, i) => ({ ...entry, token: pending[i] }))));
    } catch (err) {
      return entries.map(() => markHandled(Promise.reject(err)));
    }
    const written = this.writer.pushAndWait(text);
    let next = 0;
    const results = pending.map((entry) => {
      if (entry === undefined) return written;
      entry.id = ids[next++]!;
      entry.arm();
      return entry.promise;
    });
    if (this.paused) this.pump();
    return results;
  }

  /** Sends the conventions' progress notification (LSP's `$/progress` when they have none). */
  sendProgress(token: ProgressToken, value: unknown): Promise<void> {
    const convention = this.engine.conventions.progress ?? LSP_CONVENTIONS.progress!;
    return (this as JsonRpcConnection).notify(convention.method, convention.write(token, value));
  }

  /** Calls `listener` with each progress value reported for `token` until disposed (LSP `workDoneToken`s). */
  onProgress(token: ProgressToken, listener: (value: unknown) => void): Disposable {
    const watcher = new ProgressWatcher(listener, this.progressFault);
    this.engine.watchProgress(token, watcher);
    return { dispose: () => void this.engine.unwatchProgress(token) };
  }

  /** Cancels an incoming request as the conventions' cancel would (its handler's signal aborts). */
  cancelIncoming(id: string | number, reason?: string): boolean {
    const found = this.engine.cancelIncoming(id, reason);
    this.pump();
    return found;
  }

  // ---- state and events -------------------------------------------------------------------------

  /** Requests sent and not yet answered. */
  get pendingCount(): number {
    return this.engine.state.pendingOutgoing;
  }

  /** Handlers running now. */
  get runningHandlers(): number {
    return this.engine.state.running;
  }

  /** Incoming messages waiting for a handler slot (queued, or parsed and held), and their size. */
  get queuedMessages(): number {
    return this.engine.state.queued + this.engine.heldMessages.count;
  }

  get queuedBytes(): number {
    return this.engine.state.queuedBytes + this.engine.heldMessages.bytes;
  }

  /** True while reading is paused for back pressure. */
  get readingPaused(): boolean {
    return this.paused;
  }

  /** False once closed, or once the remote side's input ended. */
  get isOpen(): boolean {
    return this.engine.state.phase === 'open' && !this.failing;
  }

  on<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): this {
    this.listeners.add(event, listener);
    return this;
  }

  off<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): this {
    this.listeners.remove(event, listener);
    return this;
  }

  // ---- closing ----------------------------------------------------------------------------------

  /**
   * Closes: nothing more is read or started, waiting requests reject with `ConnectionClosedError`,
   * running handlers' signals abort, what is queued is written and the transport closed. Idempotent.
   */
  close(): Promise<void> {
    this.shutdown(new ConnectionClosedError('The connection was closed locally (close() was called)'), 'closed-locally', true);
    return this.closed.then(noop);
  }

  /** Like `close()`, but queued output is dropped and the transport closed at once. */
  destroy(reason?: Error | string): void {
    const error =
      reason instanceof ConnectionClosedError
        ? reason
        : new ConnectionClosedError(
            typeof reason === 'string' ? reason : 'The connection was destroyed locally',
            reason instanceof Error ? { cause: reason } : undefined,
          );
    this.shutdown(error, 'closed-locally', false);
  }

  /** `await using connection = createConnection(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- the loop ---------------------------------------------------------------------------------

  /** Asks the engine for events until it has none, then pauses or resumes reading. Re-entrant calls fold into the running one. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    const engine = this.engine;
    try {
      do {
        this.pumpAgain = false;
        for (let event = engine.next(); event !== undefined; event = engine.next()) this.handle(event);
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    if (this.inputEnded || engine.state.phase !== 'open') return;
    const mayRead = engine.mayRead;
    if (mayRead === this.paused) {
      this.paused = !mayRead;
      if (mayRead) this.transport.resume();
      else this.transport.pause();
    }
  }

  private handle(event: ProtocolEvent<EngineToken>): void {
    switch (event.kind) {
      case 'request':
      case 'notification':
        this.runner.run(event);
        return;
      case 'response':
        (event.request.token as PendingRequest).settle(event.response);
        return;
      case 'invalidResponse':
        if (event.request !== undefined) (event.request.token as PendingRequest).settleInvalid(event.message);
        else this.listeners.emit('unknownResponse', event.message);
        return;
      case 'unknownResponse':
        this.listeners.emit('unknownResponse', event.response);
        return;
      case 'invalid':
        this.listeners.emit('invalidMessage', event.message);
        return;
      case 'refused':
        if (event.message.kind === 'notification') this.listeners.emit('droppedNotification', event.message);
        return;
      case 'cancel':
        if (event.running && event.request !== undefined) {
          const data = event.reason === undefined ? undefined : { reason: event.reason };
          this.runner.cancel(event.request, new JsonRpcRequestCancelledError(undefined, data));
        }
        return;
      case 'progress': {
        const token = event.token;
        if (token.kind === 'request') token.progress(event.value);
        else callGuarded(token.listener, [event.value], token.fault);
        return;
      }
      case 'reply':
        this.writer.push(event.text);
        return;
      case 'callbackError':
        reportHandlerError(event.error, this.policy, { method: '', id: undefined, stage: event.callback });
        return;
      case 'inputEnded':
        this.onInputEnded(event);
        return;
      case 'closing':
        if (this.explaining > 0) this.afterExplained.push(() => this.release(event));
        else this.release(event);
        return;
    }
  }

  // ---- the life cycle ---------------------------------------------------------------------------

  private onInputEnded(event: InputEndedEvent<EngineToken>): void {
    const base =
      event.cause === 'remote-ended-mid-message'
        ? 'The remote side closed the connection in the middle of a message'
        : 'The remote side closed the connection';
    this.explain(base, undefined, (reason) => {
      this.closeReason ??= reason;
      for (const request of event.unanswered) (request.token as PendingRequest).fail(copyReason(this.closeReason));
    });
  }

  private readonly onTransportError = (error: unknown): void => {
    const phase = this.engine.state.phase;
    if (phase === 'closing' || phase === 'closed' || this.failing) return;
    const err = error instanceof Error ? error : new Error(String(error));
    this.failing = true;
    this.listeners.emit('error', err);
    const detail = (err as { code?: unknown }).code ?? err.message;
    const base = `The connection was lost (${String(detail)})`;
    this.writer.fail(new ConnectionClosedError(base, { cause: err }));
    this.explain(base, err, (reason) => this.shutdown(reason, 'read-failed', false));
  };

  private readonly onWriteClosed = (): void => {
    const phase = this.engine.state.phase;
    if (phase === 'closing' || phase === 'closed' || this.failing) return;
    const base = 'The stream was closed; nothing more can be written';
    if (this.inputEnded) {
      // A half-close: what was received is still handled (answers that cannot be sent are
      // reported through 'droppedResponse', requests' signals abort), then the connection closes.
      const why = new ConnectionClosedError(base);
      this.writer.fail(why);
      this.runner.outputGone(why);
      this.pump();
      return;
    }
    this.failing = true;
    this.writer.fail(new ConnectionClosedError(base));
    this.explain(base, undefined, (reason) => this.shutdown(reason, 'write-failed', false));
  };

  private readonly onBlockedChange = (blocked: boolean): void => {
    this.engine.setWriteBlocked(blocked);
    if (!blocked) this.pump();
  };

  private shutdown(reason: ConnectionClosedError, cause: EndCause, graceful: boolean): void {
    const phase = this.engine.state.phase;
    if (phase === 'closing' || phase === 'closed') return;
    this.closeReason ??= reason;
    this.graceful = graceful;
    this.engine.close(cause);
    this.pump();
  }

  /** The protocol is done: reject, abort, flush, let go of the transport. */
  private release(event: ClosingEvent<EngineToken>): void {
    const why = (this.closeReason ??= new ConnectionClosedError('The connection is closed'));
    for (const request of event.unanswered) (request.token as PendingRequest).fail(copyReason(why));
    this.runner.closeAll(why, event.abandoned);
    const graceful = this.graceful && !this.writer.failed;
    if (graceful) this.writer.flush(true);
    this.writer.fail(why);
    const done = (): void => {
      this.engine.released();
      this.listeners.emit('close', why);
      this.resolveClosed(why);
    };
    let closing: Promise<void>;
    try {
      closing = Promise.resolve(this.transport.close(graceful));
    } catch {
      closing = Promise.resolve();
    }
    closing.then(done, done);
  }

  /** `then` gets the reason for `base`, with what the transport can say about the remote end. */
  private explain(base: string, cause: Error | undefined, then: (reason: ConnectionClosedError) => void): void {
    this.explaining++;
    const describeEnd = this.transport.describeEnd?.bind(this.transport);
    withEndDetail(describeEnd, base, (message) => {
      then(new ConnectionClosedError(message, cause === undefined ? undefined : { cause }));
      if (--this.explaining === 0) for (const after of this.afterExplained.splice(0)) after();
    });
  }

  /** A rejection for a call that cannot be sent now, or undefined when it can. */
  private refusal(kind: 'request' | 'notification'): Promise<never> | undefined {
    if (this.failing && this.closeReason === undefined) return this.closed.then((reason) => Promise.reject(copyReason(reason)));
    const phase = this.engine.state.phase;
    if (phase === 'open' || (phase === 'inputEnded' && kind === 'notification')) return undefined;
    const reason = this.closeReason;
    return Promise.reject(reason === undefined ? new ConnectionClosedError('The connection is closed') : copyReason(reason));
  }

  /** The progress notification's method (LSP's without a convention, as the engine reads watched tokens then). */
  private progressMethod(): string {
    return this.engine.conventions.progress?.method ?? PROGRESS_METHOD;
  }
}

/** Runs a connection over `transport`. `R` is the remote side's method table, `L` this side's. */
export function createConnection<R extends MethodTable<R> = UntypedMethods, L extends MethodTable<L> = UntypedMethods>(
  transport: Transport,
  options: ConnectionOptions<L> = {},
): JsonRpcConnection<R> {
  return new JsonRpcConnection<R>(transport, options as ConnectionOptions<MethodTable<never>>);
}

/** A fresh error per refused call (each caller gets its own stack), with the close's message and cause. */
function copyReason(reason: ConnectionClosedError): ConnectionClosedError {
  return new ConnectionClosedError(reason.message, reason.cause !== undefined ? { cause: reason.cause } : undefined);
}

/** For promises the caller may ignore (notify, batch entries): never an unhandled rejection. */
function markHandled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop);
  return promise;
}
