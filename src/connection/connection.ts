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
 * (handlers.ts), coalesced writes (write-queue.ts) and the ending (life-cycle.ts), and runs one
 * loop: after anything happens (input, an answer, a drain, a call of ours) it asks the engine for
 * events until there are none, then pauses or resumes the transport as the engine says.
 */
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { reportHandlerError, type ErrorPolicy } from '../dispatch/error-policy.js';
import type { StandardSchemaV1 } from '../dispatch/standard-schema.js';
import type { DispatchContext, MethodTable, UntypedMethods } from '../dispatch/types.js';
import { JsonRpcRequestCancelledError } from '../parser/errors.js';
import type { JsonRpcParams } from '../parser/messages.js';
import { LSP_CONVENTIONS, PROGRESS_METHOD, type ProgressToken } from '../protocol/conventions.js';
import { ProtocolEngine, type Outbound } from '../protocol/engine.js';
import type { ProtocolEvent } from '../protocol/events.js';
import { ConnectionClosedError } from './errors.js';
import { ConnectionListeners } from './events.js';
import { callGuarded, reporter, type Report } from './guard.js';
import { HandlerRunner } from './handlers.js';
import { LifeCycle } from './life-cycle.js';
import { engineOptions } from './options.js';
import { Outgoing, type OutgoingMiddleware } from './outgoing.js';
import { PendingRequest, ProgressWatcher, type EngineToken } from './pending.js';
import { traceTransport } from './trace.js';
import type { Transport } from './transport.js';
import type {
  BatchEntry,
  ConnectionEvents,
  ConnectionSettings,
  Disposable,
  HandlerContext,
  NotifyArgs,
  RequestArgs,
  RequestOptions,
  RequestResult,
  ValidatedRequestOptions,
} from './types.js';
import { WriteQueue } from './write-queue.js';

const noop = (): void => {};

/** What a handler receives as its context (with `{ params: ... }` registrations). */
export interface ConnectionContext extends HandlerContext {
  /** The connection the call came in on: call back to the remote side, ... */
  readonly connection: JsonRpcConnection;
}

/** A connection's options (see `ConnectionSettings` for all but the dispatcher). */
export interface ConnectionOptions<L extends MethodTable<L> = UntypedMethods> extends ConnectionSettings {
  /** The methods this side serves; without one every request is answered -32601. */
  dispatcher?: Dispatcher<L, ConnectionContext> | Dispatcher<L, DispatchContext>;
}

export class JsonRpcConnection<R extends MethodTable<R> = UntypedMethods> {
  /** Resolves (never rejects) once the connection is closed, with why. */
  readonly closed: Promise<ConnectionClosedError>;

  private readonly engine: ProtocolEngine<EngineToken, Outbound>;
  private readonly transport: Transport;
  private readonly writer: WriteQueue;
  private readonly runner: HandlerRunner;
  private readonly life: LifeCycle;
  private readonly outgoing: Outgoing;
  private readonly policy: ErrorPolicy;
  private readonly listeners: ConnectionListeners<ConnectionEvents>;
  private readonly progressFault: Report;

  private paused = false;
  private pumping = false;
  private pumpAgain = false;
  constructor(transport: Transport, options: ConnectionOptions<MethodTable<never>> = {}) {
    // A failing trace or redact callback is reported like a listener's (with `event` naming it).
    transport = traceTransport(transport, options, (error, event) =>
      reportHandlerError(error, this.policy, { method: '', id: undefined, stage: 'listener', event }),
    );
    this.transport = transport;
    this.engine = new ProtocolEngine<EngineToken, Outbound>(engineOptions(transport, options));
    this.policy = { exposeErrors: options.exposeErrors, onHandlerError: options.onHandlerError };
    this.listeners = new ConnectionListeners<ConnectionEvents>((error, event) =>
      reportHandlerError(error, this.policy, { method: '', id: undefined, stage: 'listener', event }),
    );
    this.progressFault = reporter(this.policy, { method: this.progressMethod(), id: undefined, stage: 'progress' });
    this.writer = new WriteQueue(transport, this.onBlockedChange, (error) => this.life.transportFailed(error));
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
      options.dispatcher as Dispatcher<UntypedMethods, HandlerContext> | undefined,
      this.policy,
    );
    const life = (this.life = new LifeCycle({
      engine,
      transport,
      writer,
      runner: this.runner,
      listeners: this.listeners,
      pump: () => this.pump(),
    }));
    this.closed = life.closed;
    this.outgoing = new Outgoing({
      engine,
      writer,
      life,
      progressFault: this.progressFault,
      sent: () => {
        if (this.paused) this.pump();
      },
      pump: () => this.pump(),
    });
    transport.start({
      data: (chunk) => {
        if (this.engine.state.phase !== 'open') return;
        this.engine.receive(chunk);
        this.pump();
      },
      value: (message) => {
        if (this.engine.state.phase !== 'open') return;
        this.engine.receiveValue(message);
        this.pump();
      },
      end: () => {
        life.inputEnded = true;
        this.engine.end();
        this.pump();
      },
      drain: () => this.writer.drained(),
      writeClosed: life.writeClosed,
      error: life.transportFailed,
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
    return this.outgoing.request(method, params, options);
  }

  /** Sends a notification; resolves once handed to the transport (await it to pace a flood). Never unhandled. */
  notify<K extends keyof R & string>(method: K, ...args: NotifyArgs<R, K>): Promise<void>;
  notify(method: string, params?: JsonRpcParams): Promise<void> {
    return this.outgoing.notify(method, params);
  }

  /**
   * Sends several calls as one batch. One promise per entry, in order: a request's settles like
   * `request()`'s (with `options`' signal and timeouts); a notification's resolves once written.
   * Batches do not pass through outgoing middleware.
   */
  batch(entries: readonly BatchEntry[], options: RequestOptions = {}): Promise<unknown>[] {
    return this.outgoing.batch(entries, options);
  }

  /**
   * Adds a middleware around every `request()` and `notify()` of this connection (auth tokens,
   * metrics, retries): see outgoing.ts. The first added is the outermost.
   */
  use(middleware: OutgoingMiddleware): this {
    this.outgoing.use(middleware);
    return this;
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
    return this.life.isOpen;
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
    this.life.shutdown(new ConnectionClosedError('The connection was closed locally (close() was called)'), 'closed-locally', true);
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
    this.life.shutdown(error, 'closed-locally', false);
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
    if (this.life.inputEnded || engine.state.phase !== 'open') return;
    const mayRead = engine.mayRead;
    if (mayRead === this.paused) {
      this.paused = !mayRead;
      if (mayRead) this.transport.resume();
      else this.transport.pause();
    }
  }

  private handle(event: ProtocolEvent<EngineToken, Outbound>): void {
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
        this.life.inputHasEnded(event);
        return;
      case 'closing':
        this.life.closing(event);
        return;
    }
  }

  private readonly onBlockedChange = (blocked: boolean): void => {
    this.engine.setWriteBlocked(blocked);
    if (!blocked) this.pump();
  };

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
