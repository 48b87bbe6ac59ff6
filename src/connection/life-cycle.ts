/**
 * How a connection ends: why (the reason every refused call and the `closed` promise carry), and
 * the steps of letting go, driven by the engine's `'inputEnded'` and `'closing'` events and by
 * what the transport reports (a failure, its output closed under us).
 *
 * - The remote side's input ended: our requests can never be answered and reject now; what was
 *   received is still handled and answered, and the engine moves to closing with the last answer.
 * - The output went away after the input ended (a half-close that Node ends, say): answers that
 *   cannot be sent are reported through `'droppedResponse'`, requests' signals abort, and the
 *   connection closes once the work received is done.
 * - A failure (or the output gone while input may still come): the connection closes at once.
 * - Reasons are explained with what the transport can tell of the remote end (a child's exit
 *   status), and the release waits for that, so every caller hears the final reason.
 */
import type { Outbound, ProtocolEngine } from '../protocol/engine.js';
import type { ClosingEvent, InputEndedEvent } from '../protocol/events.js';
import type { EndCause } from '../protocol/state.js';
import { withEndDetail } from './end-detail.js';
import { ConnectionClosedError } from './errors.js';
import type { ConnectionListeners } from './events.js';
import type { HandlerRunner } from './handlers.js';
import type { EngineToken, PendingRequest } from './pending.js';
import type { Transport } from './transport.js';
import type { ConnectionEvents } from './types.js';
import type { WriteQueue } from './write-queue.js';

/** What the life cycle acts on: the connection's parts. */
export interface LifeCycleParts {
  readonly engine: ProtocolEngine<EngineToken, Outbound>;
  readonly transport: Transport;
  readonly writer: WriteQueue;
  readonly runner: HandlerRunner;
  readonly listeners: ConnectionListeners<ConnectionEvents>;
  /** Runs the connection's loop (asks the engine what to do now). */
  pump(): void;
}

export class LifeCycle {
  /** Resolves (never rejects) once the connection is closed, with why. */
  readonly closed: Promise<ConnectionClosedError>;
  /** The remote side's input ended. */
  inputEnded = false;
  private resolveClosed!: (reason: ConnectionClosedError) => void;
  private closeReason: ConnectionClosedError | undefined;
  private graceful = true;
  /** A failure is being explained (a child's exit status): calls wait for the final reason. */
  private failing = false;
  /** Reasons being explained; the release waits for them. */
  private explaining = 0;
  private readonly afterExplained: (() => void)[] = [];

  constructor(private readonly parts: LifeCycleParts) {
    this.closed = new Promise<ConnectionClosedError>((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  /** Open, and not failing. */
  get isOpen(): boolean {
    return this.parts.engine.state.phase === 'open' && !this.failing;
  }

  /** A rejection for a call that cannot be sent now, or undefined when it can. */
  refusal(kind: 'request' | 'notification'): Promise<never> | undefined {
    if (this.failing && this.closeReason === undefined) return this.closed.then((reason) => Promise.reject(copyReason(reason)));
    const phase = this.parts.engine.state.phase;
    if (phase === 'open' || (phase === 'inputEnded' && kind === 'notification')) return undefined;
    const reason = this.closeReason;
    return Promise.reject(reason === undefined ? new ConnectionClosedError('The connection is closed') : copyReason(reason));
  }

  /** Stops: the engine closes (`cause`), and its `'closing'` event lets go. Once only. */
  shutdown(reason: ConnectionClosedError, cause: EndCause, graceful: boolean): void {
    const engine = this.parts.engine;
    const phase = engine.state.phase;
    if (phase === 'closing' || phase === 'closed') return;
    this.closeReason ??= reason;
    this.graceful = graceful;
    engine.close(cause);
    this.parts.pump();
  }

  /** The engine's `'inputEnded'`: our requests that can no longer be answered reject. */
  inputHasEnded(event: InputEndedEvent<EngineToken>): void {
    if (this.failing) {
      // The failure came first and is being explained: its reason is the one they hear.
      this.afterExplained.push(() => {
        for (const request of event.unanswered) (request.token as PendingRequest).fail(copyReason(this.closeReason ?? new ConnectionClosedError('The connection is closed')));
      });
      return;
    }
    const base =
      event.cause === 'remote-ended-mid-message'
        ? 'The remote side closed the connection in the middle of a message'
        : 'The remote side closed the connection';
    this.explain(base, undefined, (reason) => {
      this.closeReason ??= reason;
      for (const request of event.unanswered) (request.token as PendingRequest).fail(copyReason(this.closeReason));
    });
  }

  /** The engine's `'closing'`: let go, once every reason being explained is known. */
  closing(event: ClosingEvent<EngineToken>): void {
    // The engine closed itself (an input overflow): it says why.
    if (event.detail !== undefined) this.closeReason ??= new ConnectionClosedError(event.detail);
    if (this.explaining > 0) this.afterExplained.push(() => this.release(event));
    else this.release(event);
  }

  /** The transport failed (or a write threw): close at once. */
  readonly transportFailed = (error: unknown): void => {
    const phase = this.parts.engine.state.phase;
    if (phase === 'closing' || phase === 'closed' || this.failing) return;
    const err = error instanceof Error ? error : new Error(String(error));
    this.failing = true;
    this.parts.listeners.emit('error', err);
    const detail = (err as { code?: unknown }).code ?? err.message;
    const base = `The connection was lost (${String(detail)})`;
    this.parts.writer.fail(new ConnectionClosedError(base, { cause: err }));
    this.explain(base, err, (reason) => {
      // First cause wins: the input may have ended meanwhile, and the engine be closing already.
      this.closeReason ??= reason;
      this.shutdown(reason, 'read-failed', false);
    });
  };

  /** The transport's output went away. */
  readonly writeClosed = (): void => {
    const { engine, writer, runner } = this.parts;
    const phase = engine.state.phase;
    if (phase === 'closing' || phase === 'closed' || this.failing) return;
    const base = 'The stream was closed; nothing more can be written';
    if (this.inputEnded) {
      // A half-close: what was received is still handled (answers that cannot be sent are
      // reported through 'droppedResponse', requests' signals abort), then the connection closes.
      const why = new ConnectionClosedError(base);
      writer.fail(why);
      runner.outputGone(why);
      this.parts.pump();
      return;
    }
    this.failing = true;
    writer.fail(new ConnectionClosedError(base));
    this.explain(base, undefined, (reason) => {
      this.closeReason ??= reason; // (first cause wins, as for a failure)
      this.shutdown(reason, 'write-failed', false);
    });
  };

  /** The protocol is done: reject, abort, flush, let go of the transport. */
  private release(event: ClosingEvent<EngineToken>): void {
    const { engine, writer, runner, listeners, transport } = this.parts;
    const why = (this.closeReason ??= new ConnectionClosedError('The connection is closed'));
    for (const request of event.unanswered) (request.token as PendingRequest).fail(copyReason(why));
    runner.closeAll(why, event.abandoned);
    const graceful = this.graceful && !writer.failed;
    if (graceful) writer.flush(true);
    writer.fail(why);
    const done = (): void => {
      engine.released();
      listeners.emit('close', why);
      this.resolveClosed(why);
    };
    let closing: Promise<void>;
    try {
      closing = Promise.resolve(transport.close(graceful));
    } catch {
      closing = Promise.resolve();
    }
    closing.then(done, done);
  }

  /** `then` gets the reason for `base`, with what the transport can say about the remote end. */
  private explain(base: string, cause: Error | undefined, then: (reason: ConnectionClosedError) => void): void {
    this.explaining++;
    const transport = this.parts.transport;
    const describeEnd = transport.describeEnd?.bind(transport);
    withEndDetail(describeEnd, base, (message) => {
      then(new ConnectionClosedError(message, cause === undefined ? undefined : { cause }));
      if (--this.explaining === 0) for (const after of this.afterExplained.splice(0)) after();
    });
  }
}

/** A fresh error per refused call (each caller gets its own stack), with the close's message and cause. */
function copyReason(reason: ConnectionClosedError): ConnectionClosedError {
  return new ConnectionClosedError(reason.message, reason.cause !== undefined ? { cause: reason.cause } : undefined);
}
