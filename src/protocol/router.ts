/**
 * The incoming half of the engine: what each frame means, and what is done with it.
 *
 * - A response settles the request of ours it answers (a malformed one too, never answered).
 * - A request or notification is started when a handler may start, else queued (or, past the
 *   queue's bounds while reading on for responses, refused: -32001 / dropped). A request whose id
 *   is already in flight is refused -32600, never run twice.
 * - The conventions' cancel and progress notifications are interpreted here, never run.
 * - A batch's entries are routed one by one, tied to a batch record that assembles its response.
 * - Invalid input is answered with its error, except garbage (another protocol's bytes).
 */
import type { FrameEvent } from '../framing/types.js';
import {
  JsonRpcInvalidRequestError,
  JsonRpcRequestCancelledError,
  JsonRpcServerOverloadedError,
} from '../parser/errors.js';
import type {
  JsonRpcBatch,
  JsonRpcId,
  JsonRpcInvalidMessage,
  JsonRpcMessage,
  JsonRpcInvalidResponse,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResponse,
  JsonRpcSingleMessage,
} from '../parser/messages.js';
import { IncomingBatch } from './batch.js';
import { errorJson, type EngineContext } from './context.js';
import { LSP_CONVENTIONS } from './conventions.js';
import type { CancelEvent, IncomingNotification, IncomingRequest, ProtocolEvent, RefusalReason, SequentialFailure } from './events.js';
import { Work } from './incoming.js';
import { Change, mayStartHandler } from './state.js';
import type { Outbound } from './wire.js';

type Call = JsonRpcRequest | JsonRpcNotification;
type Handout = IncomingRequest | IncomingNotification;

export class Router<T> {
  constructor(private readonly ctx: EngineContext<T>) {}

  /**
   * Routes one message of `bytes`; returns the event it yields (replies it causes follow it in the
   * queue). `overflow`: it arrived past the bounds of what may be held (a channel that cannot
   * pause), so its calls are refused (-32001, notifications dropped); responses, cancels and
   * progress still count.
   */
  route(message: JsonRpcMessage, bytes: number, overflow = false): ProtocolEvent<T> | undefined {
    switch (message.kind) {
      case 'request':
        return this.admit(message, bytes, undefined, overflow);
      case 'notification':
        return this.intercept(message) ?? this.admit(message, bytes, undefined, overflow);
      case 'batch':
        this.routeBatch(message, bytes, overflow);
        return undefined;
      default:
        return this.answerOrInvalid(message, undefined);
    }
  }

  /** A channel's message past what may be held: routed now, its calls refused; its event goes in the queue. */
  routeOverflow(message: JsonRpcMessage, bytes: number): void {
    const before = this.ctx.readyCount;
    const event = this.route(message, bytes, true);
    if (event !== undefined) this.ctx.pushAhead(event, this.ctx.readyCount - before);
  }

  /** The end of input, after every frame: an error if it was cut mid-message (never answered). */
  routeEnd(cut: readonly FrameEvent[]): void {
    for (const frame of cut) this.ctx.push({ kind: 'invalid', message: invalidFrame(frame) });
    const unanswered = this.ctx.outgoing.takeAll();
    const cause = cut.length > 0 ? 'remote-ended-mid-message' : 'remote-ended';
    this.ctx.push({ kind: 'inputEnded', cause, unanswered });
    this.ctx.apply(Change.InputEnded, 0, cause);
  }

  /** The oldest queued work, started, if it may start now. */
  startQueued(): Handout | undefined {
    const ctx = this.ctx;
    const work = ctx.inFlight.peek();
    if (work === undefined || !mayStartHandler(ctx.record, ctx.limits, work.bytes, work.sequential)) return undefined;
    ctx.inFlight.dequeue();
    // Started before it leaves the queue: in between, nothing would be in flight, and after the
    // input ended that is the moment the connection closes.
    const handout = this.start(work);
    ctx.apply(Change.Unqueued, work.bytes);
    return handout;
  }

  /** A handler ended; `json` is its answer (null for none; a value on a value channel). Returns what to write, if any. */
  finish(work: Work, json: string | object | null): Outbound | null {
    const ctx = this.ctx;
    // The answer is made before the state changes: the last answer after the input ended moves
    // the phase to 'closing', and must still go out.
    const text = json !== null && ctx.maySend() ? this.frameAnswer(work, json) : null;
    work.running = false;
    work.answered = true;
    ctx.inFlight.untrack(work);
    ctx.apply(work.sequential ? Change.FinishedSequential : Change.Finished, work.bytes);
    return text;
  }

  /** What carries `json` out: itself, or its batch's response when it completes it. */
  private frameAnswer(work: Work, json: string | object): Outbound | null {
    const batch = work.batch;
    if (batch === undefined) return this.ctx.wire.frame(json);
    // A batch entry's answer is always JSON text (engine.respond), joined into the batch's.
    const whole = batch.answer(json as string, work.slot);
    return whole === null ? null : this.ctx.wire.frame(whole);
  }

  /**
   * Cancels the incoming request `id`: a queued one is dropped, a running one marked answered; the
   * conventions say whether it is answered -32800. Unknown ids are remembered when `remember`.
   */
  cancel(id: string | number, reason: string | undefined, remember: boolean): CancelEvent {
    const ctx = this.ctx;
    const work = ctx.inFlight.find(id);
    if (work === undefined) {
      if (remember) ctx.inFlight.rememberCancel(id);
      return { kind: 'cancel', id, request: undefined, running: false, reason };
    }
    const running = work.running;
    const queued = !running && ctx.inFlight.unqueue(work);
    work.answered = true;
    ctx.inFlight.untrack(work);
    const json = ctx.conventions.answerCancelled ? errorJson(work.id as JsonRpcId, new JsonRpcRequestCancelledError(), work.v1) : null;
    ctx.answer(work.batch, json, work.slot);
    // After the answer: leaving the queue may leave nothing in flight, and closing then begins.
    if (queued) ctx.apply(Change.Unqueued, work.bytes);
    return { kind: 'cancel', id, request: work as unknown as IncomingRequest, running, reason };
  }

  // ---- what each message means ------------------------------------------------------------------

  private answerOrInvalid(message: JsonRpcResponse | JsonRpcInvalidResponse | JsonRpcInvalidMessage, batch: IncomingBatch | undefined): ProtocolEvent<T> {
    if (message.kind === 'invalid') return this.invalid(message, batch);
    const request = this.ctx.outgoing.take(message.id);
    if (request !== undefined) this.ctx.apply(Change.RequestSettled, 0);
    if (message.kind === 'invalidResponse') return { kind: 'invalidResponse', message, request };
    return request === undefined ? { kind: 'unknownResponse', response: message } : { kind: 'response', response: message, request };
  }

  /** Invalid input is answered with its error (in its batch's response, for an entry), unless garbage. */
  private invalid(message: JsonRpcInvalidMessage, batch: IncomingBatch | undefined): ProtocolEvent<T> {
    const problem = (message.error.data as { problem?: unknown } | undefined)?.problem;
    if (problem !== 'garbage') this.ctx.answer(batch, errorJson(message.id, message.error, this.ctx.isV1(message)), -1);
    return { kind: 'invalid', message };
  }

  private routeBatch(message: JsonRpcBatch, bytes: number, overflow: boolean): void {
    const ctx = this.ctx;
    const entries = message.messages;
    let calls = 0;
    for (const entry of entries) if (entry.kind === 'request' || entry.kind === 'notification') calls++;
    const tooLarge = calls > ctx.maxBatchSize;
    const batch = new IncomingBatch();
    // Each entry is charged an equal share of the frame.
    const size = Math.ceil(bytes / entries.length);
    for (const entry of entries) {
      const before = ctx.readyCount;
      const event = tooLarge ? this.refuseWhole(entry) : this.routeEntry(entry, size, batch, overflow);
      if (event !== undefined) ctx.pushAhead(event, ctx.readyCount - before);
    }
    if (tooLarge) {
      const reason = `A batch may hold at most ${ctx.maxBatchSize} calls; this one has ${calls}. Split it into smaller batches.`;
      ctx.reply(errorJson(null, new JsonRpcInvalidRequestError(undefined, { reason })));
    }
    ctx.reply(batch.routingDone());
  }

  private routeEntry(entry: JsonRpcSingleMessage, size: number, batch: IncomingBatch, overflow: boolean): ProtocolEvent<T> | undefined {
    if (entry.kind === 'request') return this.admit(entry, size, batch, overflow);
    if (entry.kind === 'notification') return this.intercept(entry) ?? this.admit(entry, size, batch, overflow);
    return this.answerOrInvalid(entry, batch);
  }

  /** In a batch too large to run, calls are refused (answered once, together); responses still count. */
  private refuseWhole(entry: JsonRpcSingleMessage): ProtocolEvent<T> | undefined {
    if (entry.kind === 'request' || entry.kind === 'notification') return { kind: 'refused', message: entry, reason: 'batch-too-large' };
    return entry.kind === 'invalid' ? { kind: 'invalid', message: entry } : this.answerOrInvalid(entry, undefined);
  }

  /** An incoming call: refused, started now (and returned), or queued. A batch's entries always queue. */
  private admit(message: Call, bytes: number, batch: IncomingBatch | undefined, overflow: boolean): ProtocolEvent<T> | undefined {
    const ctx = this.ctx;
    const isRequest = message.kind === 'request';
    const id = isRequest ? message.id : undefined;
    if (isRequest && id !== null) {
      if (ctx.inFlight.find(id!) !== undefined) return this.refuse(message, 'duplicate-id', batch);
      if (ctx.inFlight.takeEarlyCancel(id!)) return this.refuse(message, 'cancelled', batch);
    }
    if (overflow) return this.refuse(message, 'overloaded', batch);
    const verdict = ctx.sequential === undefined ? false : this.sequentialVerdict(message.method);
    const sequential = verdict === true;
    const state = ctx.record;
    if (batch === undefined && state.queued === 0 && mayStartHandler(state, ctx.limits, bytes, sequential)) {
      const work = new Work(message.kind, id, message.method, message.params, undefined, bytes, sequential);
      if (verdict !== false && verdict !== true) work.sequentialFailure = verdict;
      if (ctx.isV1(message)) work.v1 = true;
      return this.start(work);
    }
    if (state.pendingOutgoing > 0 && this.queueWouldOverflow(bytes)) return this.refuse(message, 'overloaded', batch);
    const work = new Work(message.kind, id, message.method, message.params, batch, bytes, sequential);
    if (verdict !== false && verdict !== true) work.sequentialFailure = verdict;
    if (ctx.isV1(message)) work.v1 = true;
    if (isRequest && batch !== undefined) work.slot = batch.expect();
    ctx.inFlight.enqueue(work);
    ctx.apply(Change.Queued, bytes);
    return undefined;
  }

  /** One message larger than the byte bound is still queued alone, so it is not refused forever. */
  private queueWouldOverflow(bytes: number): boolean {
    const { record, limits } = this.ctx;
    if (record.queued >= limits.maxQueuedMessages) return true;
    return record.queued > 0 && record.queuedBytes + bytes > limits.maxQueuedBytes;
  }

  private start(work: Work): Handout {
    work.running = true;
    this.ctx.apply(work.sequential ? Change.StartedSequential : Change.Started, work.bytes);
    this.ctx.inFlight.handOut(work);
    return work as unknown as Handout;
  }

  private refuse(message: Call, reason: RefusalReason, batch: IncomingBatch | undefined): ProtocolEvent<T> {
    if (message.kind === 'request') {
      const ctx = this.ctx;
      const v1 = ctx.isV1(message);
      if (reason === 'duplicate-id') {
        // Answered with id null, as Go's jsonrpc2 does: under its id it would settle the request in flight.
        const why = `request id ${JSON.stringify(message.id)} is already in use by a request in flight`;
        ctx.answer(batch, errorJson(null, new JsonRpcInvalidRequestError(undefined, { reason: why }), v1), -1);
      } else if (reason === 'overloaded') {
        const { maxQueuedMessages, maxQueuedBytes } = ctx.limits;
        const why = `${maxQueuedMessages} incoming messages or ${maxQueuedBytes} bytes are already waiting for a handler`;
        ctx.answer(batch, errorJson(message.id, new JsonRpcServerOverloadedError(undefined, { reason: why }), v1), -1);
      } else if (ctx.conventions.answerCancelled) {
        ctx.answer(batch, errorJson(message.id, new JsonRpcRequestCancelledError(), v1), -1);
      }
    }
    return { kind: 'refused', message, reason };
  }

  /** The conventions' cancel and progress notifications are handled here, never run. */
  private intercept(message: JsonRpcNotification): ProtocolEvent<T> | undefined {
    const ctx = this.ctx;
    const cancel = ctx.conventions.cancel;
    // Without a progress convention, tokens watched with watchProgress() hear LSP's `$/progress`
    // (what the connection's sendProgress() sends then).
    const progress = ctx.conventions.progress ?? LSP_CONVENTIONS.progress!;
    if (cancel !== undefined && message.method === cancel.method) {
      const target = ctx.contain(() => cancel.read(message.params));
      return target === undefined ? undefined : this.cancel(target.id, target.reason, true);
    }
    if (message.method === progress.method) {
      const report = ctx.contain(() => progress.read(message.params));
      const target = report === undefined ? undefined : ctx.outgoing.progressTarget(report.token);
      if (target === undefined) return undefined; // nobody listens: the handlers get it
      return { kind: 'progress', progressToken: report!.token, value: report!.value, token: target.token, request: target.request };
    }
    return undefined;
  }

  /**
   * What the `sequential` predicate says of `method`. It is user code: what it throws, or a promise
   * it returns (the answer is needed now), is that message's failure, handed out with it for the
   * connection to answer as if its handler had thrown it (never run); the messages around it are
   * unaffected.
   */
  private sequentialVerdict(method: string): boolean | SequentialFailure {
    let verdict: unknown;
    try {
      verdict = this.ctx.sequential!(method);
    } catch (error) {
      return { error };
    }
    if (!isThenable(verdict)) return verdict === true;
    verdict.then(undefined, ignore); // the failure reported is the TypeError, not its rejection
    return { error: new TypeError(`The sequential predicate returned a promise for '${method}'; it must return true or false at once`) };
  }
}

const ignore = (): void => {};

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

export function invalidFrame(frame: FrameEvent): JsonRpcInvalidMessage {
  return { kind: 'invalid', id: null, error: (frame as Extract<FrameEvent, { kind: 'error' }>).error };
}
