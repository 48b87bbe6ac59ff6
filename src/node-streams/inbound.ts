/**
 * The inbound scheduler: runs the requests, notifications and batches the remote side sends, in
 * arrival order, through the dispatcher.
 *
 * - At most `maxConcurrentHandlers` run at once; what cannot start yet waits in a FIFO queue.
 * - A batch is split into its entries, and each entry is scheduled like a single message: entries
 *   share the connection's handler slots (a batch larger than the bound runs as slots free up),
 *   a sequential method inside a batch keeps its meaning, and the batch's response is sent once
 *   every entry is answered (batch-group.ts).
 * - A sequential method waits for every handler before it and holds every message after it.
 * - The queue is bounded only while this side waits for responses (the deadlock rule in
 *   read-gate.ts keeps reading then), in messages and in bytes; past the bound a request is
 *   refused -32001 and a notification dropped. Otherwise the reader never parses more while
 *   anything is queued.
 * - `$/cancelRequest` (cancelIncoming) answers -32800 at once and aborts the handler's signal.
 * - A handler's `context.signal` is made only when the handler reads it, one per call: no signal
 *   is shared by many handlers (each listener on a shared one would count towards Node's
 *   MaxListenersExceededWarning).
 *
 * Every answer goes through the Outbox; when the stream can no longer be written, a request's
 * answer is reported as dropped instead. The connection hears about freed capacity through
 * `host.workDone()` and decides whether to read on or finish closing.
 */
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { toJsonRpcException, type ErrorPolicy } from '../dispatch/error-policy.js';
import { DEFAULT_MAX_BATCH_SIZE, oversizedBatchError } from '../dispatch/handle.js';
import type { UntypedMethods } from '../dispatch/types.js';
import {
  JsonRpcMethodNotFoundError,
  JsonRpcRequestCancelledError,
  JsonRpcServerOverloadedError,
  type JsonRpcException,
} from '../parser/errors.js';
import type { JsonRpcBatch, JsonRpcId, JsonRpcNotification, JsonRpcRequest } from '../parser/messages.js';
import { BatchGroup } from './batch-group.js';
import type { JsonRpcConnection } from './connection.js';
import type { ConnectionContext } from './connection-types.js';
import { guardedController, isThenable, reporter } from '../connection/guard.js';
import type { Outbox } from './outbox.js';
import { queueFull, type ReadGateState } from './read-gate.js';

/** What the scheduler needs from its connection. */
export interface SchedulerHost {
  readonly connection: JsonRpcConnection;
  isClosed(): boolean;
  /** Requests this side awaits: the queue bound applies only while there are some. */
  pendingOutgoing(): number;
  droppedNotification(notification: JsonRpcNotification): void;
  /** A request was handled but its answer cannot be written any more. */
  droppedResponse(request: JsonRpcRequest): void;
  /** A handler ended or a queued message left the queue: reading may resume, closing may finish. */
  workDone(): void;
}

export interface SchedulerOptions {
  readonly dispatcher: Dispatcher<UntypedMethods, ConnectionContext> | undefined;
  readonly policy: ErrorPolicy;
  /** Requests get a signal of their own, aborted by `$/cancelRequest`. */
  readonly cancellation: boolean;
  readonly isSequential: (method: string) => boolean;
}

type Work = JsonRpcRequest | JsonRpcNotification | JsonRpcBatch;

/** An incoming request or notification (alone, or an entry of a batch), as queued and run. */
interface Task {
  readonly message: JsonRpcRequest | JsonRpcNotification;
  readonly sequential: boolean;
  /** The bytes of its frame (an equal share of its batch's), charged while it is queued. */
  readonly bytes: number;
  /** The batch it is an entry of, and its position there. */
  readonly group: BatchGroup | undefined;
  readonly index: number;
  controller: AbortController | undefined;
  /** Answered (or, for a notification, done): whatever the handler returns later is dropped. */
  answered: boolean;
  /** Why it was aborted, if it was (for a signal made after the fact). */
  abortReason?: unknown;
  /** Set when the `sequential` predicate failed for it: it is answered with this, never run. */
  readonly refusal: JsonRpcException | undefined;
}

function abortTask(task: Task, reason: unknown): void {
  if (task.abortReason !== undefined) return;
  task.abortReason = reason;
  task.controller?.abort(reason);
}

/**
 * A handler's context whose AbortSignal is made only if something reads it: an AbortController
 * per call halves pipelined throughput, and most handlers never look at the signal.
 */
class CallContext implements ConnectionContext {
  constructor(
    readonly id: JsonRpcId | undefined,
    readonly method: string,
    readonly connection: JsonRpcConnection,
    private readonly task: Task,
    private readonly scheduler: InboundScheduler,
  ) {}

  get signal(): AbortSignal {
    return this.scheduler.signalOf(this.task);
  }
}

export class InboundScheduler {
  /** Requests being handled, by id, when `$/cancelRequest` is honoured. */
  private readonly running = new Map<JsonRpcId, Task>();
  /** Running tasks whose handler made a signal (aborted on close). */
  private readonly signalled = new Set<Task>();
  /** A FIFO with a moving head: shift() is O(n) on large arrays. */
  private queue: Task[] = [];
  private queueHead = 0;
  private bytesQueued = 0;
  /** Why the connection closed, once it has: a signal made after that is born aborted. */
  private closedWith: unknown;
  /** Why answers can no longer be sent, once they cannot: requests' signals abort with it. */
  private outputGoneWith: unknown;

  constructor(
    private readonly host: SchedulerHost,
    private readonly gate: ReadGateState,
    private readonly outbox: Outbox,
    private readonly options: SchedulerOptions,
  ) {}

  /** Messages waiting for a handler slot. */
  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /** The bytes of their frames. */
  get queuedBytes(): number {
    return this.bytesQueued;
  }

  /** Nothing running and nothing queued. */
  get idle(): boolean {
    return this.gate.running === 0 && this.queueHead === this.queue.length;
  }

  /** Starts `message` (`bytes` long on the wire) now if it may, else queues (or refuses) it. */
  admit(message: Work, bytes: number): void {
    if (message.kind === 'batch') this.admitBatch(message, bytes);
    else this.admitTask(this.makeTask(message, bytes, undefined, 0));
  }

  /** Starts queued messages while slots are free. */
  startQueued(): void {
    while (this.queueHead < this.queue.length) {
      const task = this.queue[this.queueHead]!;
      if (this.host.isClosed() || !this.mayStart(task)) break;
      this.queue[this.queueHead++] = undefined as unknown as Task;
      this.bytesQueued -= task.bytes;
      this.start(task);
    }
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
      this.bytesQueued = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /**
   * An incoming `$/cancelRequest`: aborts the handler and answers -32800 now. Returns false when no
   * such request is running or queued (it may not have arrived yet).
   */
  cancelIncoming(id: string | number): boolean {
    const task = this.running.get(id);
    if (task !== undefined) {
      this.running.delete(id);
      this.settle(task, this.outbox.errorJson(task.message as JsonRpcRequest, new JsonRpcRequestCancelledError()));
      abortTask(task, new JsonRpcRequestCancelledError());
      return true;
    }
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const queued = this.queue[i]!;
      if (queued.message.kind === 'request' && queued.message.id === id && !queued.answered) {
        this.queue.splice(i, 1);
        this.bytesQueued -= queued.bytes;
        this.settle(queued, this.outbox.errorJson(queued.message, new JsonRpcRequestCancelledError()));
        this.host.workDone();
        return true;
      }
    }
    return false;
  }

  /** The connection closed: every running handler's signal aborts with `why`, the queue is dropped. */
  abortAll(why: Error): void {
    this.closedWith = why;
    for (const task of this.signalled) abortTask(task, why);
    this.running.clear();
    this.signalled.clear();
    this.queue = [];
    this.queueHead = 0;
    this.bytesQueued = 0;
  }

  /**
   * The stream can no longer be written, but what was received is still handled: the signals of
   * requests abort (nobody can receive their answers), notifications run on undisturbed.
   */
  outputGone(why: Error): void {
    this.outputGoneWith = why;
    for (const task of this.signalled) if (task.message.kind === 'request') abortTask(task, why);
  }

  /** The signal of `task`'s handler, made on first use. */
  signalOf(task: Task): AbortSignal {
    let controller = task.controller;
    if (controller === undefined) {
      // The handler's listeners on it are user code: contained and reported (guard.ts).
      const message = task.message;
      const id = message.kind === 'request' ? message.id : undefined;
      controller = task.controller = guardedController(
        reporter(this.options.policy, { method: message.method, id, stage: 'abort' }),
      );
      const unanswerable = task.message.kind === 'request' ? this.outputGoneWith : undefined;
      const reason = task.abortReason ?? this.closedWith ?? unanswerable;
      if (reason !== undefined) controller.abort(reason);
      else this.signalled.add(task);
    }
    return controller.signal;
  }

  private makeTask(
    message: JsonRpcRequest | JsonRpcNotification,
    bytes: number,
    group: BatchGroup | undefined,
    index: number,
  ): Task {
    let sequential = false;
    let refusal: JsonRpcException | undefined;
    try {
      sequential = this.options.isSequential(message.method);
    } catch (err) {
      // User code: its failure answers this one message as if its handler threw (start() does),
      // never the rest of the chunk.
      const id = message.kind === 'request' ? message.id : undefined;
      refusal = toJsonRpcException(err, this.options.policy, { method: message.method, id, stage: 'sequential' });
    }
    return { message, sequential, bytes, group, index, controller: undefined, answered: false, refusal };
  }

  private admitTask(task: Task): void {
    const queued = this.queue.length - this.queueHead;
    if (queued === 0 && this.mayStart(task)) {
      this.start(task);
      return;
    }
    // The bounds matter only while reading on for responses (the deadlock rule); otherwise the
    // queue only ever holds what one parser slice yielded.
    if (queueFull(queued, this.bytesQueued, this.gate) && this.host.pendingOutgoing() > 0) {
      this.refuse(task);
      return;
    }
    this.queue.push(task);
    this.bytesQueued += task.bytes;
  }

  /** A batch's entries are scheduled one by one; its response goes out when all are answered. */
  private admitBatch(batch: JsonRpcBatch, bytes: number): void {
    const entries = batch.messages;
    if (entries.length > DEFAULT_MAX_BATCH_SIZE) {
      const error = oversizedBatchError(entries.length, DEFAULT_MAX_BATCH_SIZE);
      this.send(this.outbox.errorJson({ id: null }, error), undefined);
      return;
    }
    const group = new BatchGroup(entries.length, (answers, requests) => this.sendBatch(answers, requests));
    const share = Math.ceil(bytes / entries.length);
    for (let i = 0; i < entries.length && !this.host.isClosed(); i++) {
      const entry = entries[i]!;
      if (entry.kind === 'request' || entry.kind === 'notification') {
        group.expect();
        this.admitTask(this.makeTask(entry, share, group, i));
      } else if (entry.kind === 'invalid') {
        group.fill(i, this.outbox.errorJson(entry, entry.error));
      }
    }
    group.sealed();
  }

  private mayStart(task: Task): boolean {
    const gate = this.gate;
    if (gate.barrier || gate.writeBlocked || gate.running >= gate.maxConcurrentHandlers) return false;
    return !task.sequential || gate.running === 0;
  }

  /** The queue is full: answer a request -32001; drop a notification (reported). */
  private refuse(task: Task): void {
    const message = task.message;
    if (message.kind === 'request') {
      const gate = this.gate;
      const overloaded = new JsonRpcServerOverloadedError(undefined, {
        reason: `${gate.maxQueued} incoming messages or ${gate.maxQueuedBytes} bytes are already waiting for a handler`,
      });
      this.settle(task, this.outbox.errorJson(message, overloaded));
    } else {
      this.host.droppedNotification(message);
      this.settle(task, undefined);
    }
  }

  private start(task: Task): void {
    const gate = this.gate;
    gate.running++;
    if (task.sequential) gate.barrier = true;
    const message = task.message;
    const isRequest = message.kind === 'request';
    const connection = this.host.connection;
    const context = new CallContext(isRequest ? message.id : undefined, message.method, connection, task, this);
    if (task.refusal !== undefined) {
      this.finish(task, undefined, task.refusal, true);
      return;
    }
    const dispatcher = this.options.dispatcher;
    if (dispatcher === undefined) {
      this.finish(task, undefined, new JsonRpcMethodNotFoundError(undefined, { reason: 'This side serves no methods' }), true);
      return;
    }
    let outcome: unknown;
    let later: boolean;
    try {
      outcome = dispatcher.call(message.method, message.params, context);
      later = isThenable(outcome); // inside the try: a `then` getter may throw
    } catch (err) {
      this.finish(task, undefined, err, true);
      return;
    }
    if (!later) {
      // A synchronous handler is answered now: nothing can cancel it any more.
      this.finish(task, outcome, undefined, false);
      return;
    }
    if (isRequest && this.options.cancellation) this.running.set(message.id, task);
    try {
      Promise.resolve(outcome as PromiseLike<unknown>).then(
        (result) => this.finish(task, result, undefined, false),
        (err: unknown) => this.finish(task, undefined, err, true),
      );
    } catch (err) {
      // Both read a promise's `constructor`, which a getter may make throw; then nothing subscribed.
      this.finish(task, undefined, err, true);
    }
  }

  private finish(task: Task, result: unknown, error: unknown, failed: boolean): void {
    const message = task.message;
    if (message.kind === 'request') {
      if (this.running.get(message.id) === task) this.running.delete(message.id);
      if (!task.answered && !this.host.isClosed()) {
        if (failed) {
          const info = { method: message.method, id: message.id, stage: 'handler' as const };
          this.settle(task, this.outbox.errorJson(message, toJsonRpcException(error, this.options.policy, info)));
        } else {
          this.settle(task, this.outbox.resultJson(message, result));
        }
      }
    } else {
      if (failed) {
        // Nobody can be answered; the policy still hears about a fault (toJsonRpcException reports
        // anything but a JsonRpcException to onHandlerError, and never throws).
        toJsonRpcException(error, this.options.policy, { method: message.method, id: undefined, stage: 'handler' });
      }
      if (!this.host.isClosed()) this.settle(task, undefined);
    }
    this.taskDone(task);
  }

  /** `task`'s outcome, once: its answer (undefined for a notification) is sent, or kept for its batch. */
  private settle(task: Task, json: string | undefined): void {
    if (task.answered) return;
    task.answered = true;
    const message = task.message;
    if (task.group !== undefined) {
      task.group.settle(task.index, json, message.kind === 'request' ? message : undefined);
    } else if (json !== undefined) {
      this.send(json, message as JsonRpcRequest);
    }
  }

  private sendBatch(answers: string[], requests: JsonRpcRequest[]): void {
    if (this.host.isClosed()) return;
    if (!this.outbox.open) {
      for (const request of requests) this.host.droppedResponse(request);
      return;
    }
    // The entries are already JSON text; joining them is cheaper than re-encoding objects.
    if (answers.length > 0) this.outbox.answer(`[${answers.join(',')}]`);
  }

  private send(json: string, request: JsonRpcRequest | undefined): void {
    if (this.outbox.open) this.outbox.answer(json);
    else if (request !== undefined) this.host.droppedResponse(request);
  }

  private taskDone(task: Task): void {
    const gate = this.gate;
    gate.running--;
    if (task.sequential) gate.barrier = false;
    if (task.controller !== undefined) this.signalled.delete(task);
    if (this.host.isClosed()) return;
    this.startQueued();
    this.host.workDone();
  }
}
