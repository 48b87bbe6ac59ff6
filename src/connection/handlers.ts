/**
 * Running the work the engine hands out through the dispatcher, and answering it.
 *
 * - A synchronous handler is answered at once (no promise, no microtask); an asynchronous one when
 *   it settles. Either way the answer is the engine's (`respond` / `respondError`), which knows
 *   whether anything is to be sent (a cancelled or abandoned request's result is dropped) and
 *   assembles batches.
 * - A handler's `context.signal` is made only when the handler reads it, one per call: an
 *   AbortController per call costs throughput, and most handlers never look at it. It aborts on
 *   the conventions' cancel (or `cancelIncoming`), when the connection closes, and, for a request,
 *   when its answer can no longer be written.
 * - Whatever a handler throws or returns is contained: a result with no JSON form, a rejection, a
 *   throwing `then` getter all become error answers (reported to `onHandlerError`).
 */
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { toJsonRpcException, type ErrorPolicy } from '../dispatch/error-policy.js';
import type { UntypedMethods } from '../dispatch/types.js';
import { JsonRpcMethodNotFoundError } from '../parser/errors.js';
import type { JsonRpcId, JsonRpcRequest } from '../parser/messages.js';
import type { Outbound, ProtocolEngine } from '../protocol/engine.js';
import type { IncomingNotification, IncomingRequest } from '../protocol/events.js';
import { callTraced } from './call-tracing.js';
import { guardedController, isThenable, reporter } from './guard.js';
import type { EngineToken } from './pending.js';
import type { HandlerContext } from './types.js';

type Work = IncomingRequest | IncomingNotification;

/** What a running call keeps (in `work.attachment`): its signal's controller, or why it was aborted first. */
interface CallState {
  controller: AbortController | undefined;
  abortReason: unknown;
}

/** What the runner needs from its connection. */
export interface HandlerHost {
  /** The connection (the context's `connection`). */
  readonly connection: unknown;
  readonly engine: ProtocolEngine<EngineToken, Outbound>;
  /** Writes an answer (framed text); false when it can no longer be written. */
  write(text: Outbound): boolean;
  /** Writes progress; resolves once written. */
  writeAndWait(text: Outbound): Promise<void>;
  /** A request's answer could not be sent. */
  droppedResponse(request: JsonRpcRequest): void;
  /** An asynchronous handler ended: a slot is free, closing may finish. */
  workDone(): void;
}

class CallContext implements HandlerContext {
  constructor(
    readonly id: JsonRpcId | undefined,
    readonly method: string,
    readonly connection: unknown,
    private readonly work: Work,
    private readonly runner: HandlerRunner,
  ) {}

  get signal(): AbortSignal {
    return this.runner.signalOf(this.work);
  }

  progress(value: unknown): Promise<void> {
    return this.runner.progress(this.work, value);
  }
}

export class HandlerRunner {
  /** Running calls whose handler made a signal (aborted on close). */
  private readonly signalled = new Set<Work>();
  /** Why the connection closed, once it has: a signal made after that is born aborted. */
  private closedWith: unknown;
  /** Why answers can no longer be sent, once they cannot: requests' signals abort with it. */
  private outputGoneWith: unknown;

  constructor(
    private readonly host: HandlerHost,
    private readonly dispatcher: Dispatcher<UntypedMethods, HandlerContext> | undefined,
    private readonly policy: ErrorPolicy,
  ) {}

  /** Runs `work`'s handler; a synchronous one is answered before this returns. */
  run(work: Work): void {
    const failure = work.sequentialFailure;
    if (failure !== undefined) {
      this.failed(work, failure.error, 'sequential');
      return;
    }
    const dispatcher = this.dispatcher;
    if (dispatcher === undefined) {
      this.failed(work, new JsonRpcMethodNotFoundError(undefined, { reason: 'This side serves no methods' }));
      return;
    }
    const context = new CallContext(work.id, work.method, this.host.connection, work, this);
    let outcome: unknown;
    let later: boolean;
    try {
      outcome = callTraced(dispatcher, work.method, work.params, context);
      later = isThenable(outcome); // inside the try: a `then` getter may throw
    } catch (err) {
      this.failed(work, err);
      return;
    }
    if (!later) {
      this.succeeded(work, outcome);
      return;
    }
    try {
      Promise.resolve(outcome as PromiseLike<unknown>).then(
        (result) => {
          this.succeeded(work, result);
          this.host.workDone();
        },
        (err: unknown) => {
          this.failed(work, err);
          this.host.workDone();
        },
      );
    } catch (err) {
      // Both read a promise's `constructor`, which a getter may make throw; then nothing subscribed.
      this.failed(work, err);
    }
  }

  /** The conventions' cancel (or `cancelIncoming`) for a running request: abort its signal. */
  cancel(work: IncomingRequest, reason: unknown): void {
    abort(work, reason);
  }

  /** The connection closed: every running handler's signal aborts with `why`. */
  closeAll(why: Error, abandoned: readonly IncomingRequest[]): void {
    this.closedWith = why;
    for (const work of abandoned) abort(work, why);
    for (const work of this.signalled) abort(work, why);
    this.signalled.clear();
  }

  /** Answers can no longer be written: the signals of requests abort (nobody can receive their answers). */
  outputGone(why: Error): void {
    this.outputGoneWith = why;
    for (const work of this.signalled) if (work.kind === 'request') abort(work, why);
  }

  /** The signal of `work`'s handler, made on first use. */
  signalOf(work: Work): AbortSignal {
    let state = work.attachment as CallState | undefined;
    if (state?.controller !== undefined) return state.controller.signal;
    // Its listeners are user code: contained and reported (guard.ts).
    const controller = guardedController(reporter(this.policy, { method: work.method, id: work.id, stage: 'abort' }));
    if (state === undefined) work.attachment = state = { controller, abortReason: undefined };
    else state.controller = controller;
    const reason = state.abortReason ?? this.closedWith ?? (work.kind === 'request' ? this.outputGoneWith : undefined);
    if (reason !== undefined) controller.abort(reason);
    else this.signalled.add(work);
    return controller.signal;
  }

  progress(work: Work, value: unknown): Promise<void> {
    if (work.kind !== 'request') return Promise.resolve();
    const text = this.host.engine.progress(work, value);
    return text === null ? Promise.resolve() : this.host.writeAndWait(text);
  }

  private succeeded(work: Work, result: unknown): void {
    let text: Outbound | null;
    try {
      text = this.host.engine.respond(work, result);
    } catch (err) {
      // The result has no JSON form (a BigInt, a function, a cycle): the caller gets an error.
      const info = { method: work.method, id: work.id, stage: 'encode' as const };
      text = this.host.engine.respondError(work, toJsonRpcException(err, this.policy, info));
    }
    this.answered(work, text);
  }

  private failed(work: Work, error: unknown, stage: 'handler' | 'sequential' = 'handler'): void {
    const engine = this.host.engine;
    const info = { method: work.method, id: work.id, stage };
    if (work.kind === 'request') {
      this.answered(work, engine.respondError(work, toJsonRpcException(error, this.policy, info)));
      return;
    }
    // Nobody can be answered; the policy still hears about a fault (toJsonRpcException reports
    // anything but a JsonRpcException to onHandlerError, and never throws).
    toJsonRpcException(error, this.policy, info);
    this.answered(work, engine.respond(work));
  }

  private answered(work: Work, text: Outbound | null): void {
    if (work.attachment !== undefined) this.signalled.delete(work);
    if (text === null || this.host.write(text)) return;
    if (work.kind === 'request') this.host.droppedResponse({ kind: 'request', id: work.id, method: work.method, params: work.params });
  }
}

function abort(work: Work, reason: unknown): void {
  const state = work.attachment as CallState | undefined;
  if (state === undefined) {
    work.attachment = { controller: undefined, abortReason: reason };
    return;
  }
  if (state.abortReason !== undefined) return;
  state.abortReason = reason;
  state.controller?.abort(reason);
}
