/**
 * The inbound scheduler: runs the requests, notifications and batches the remote side sends, in
 * arrival order, through the dispatcher.
 *
 * - At most `maxConcurrentHandlers` run at once; what cannot start yet waits in a FIFO queue.
 * - A sequential method waits for every handler before it and holds every message after it.
 * - The queue is bounded only while this side waits for responses (the deadlock rule in
 *   read-gate.ts keeps reading then); past the bound a request is refused -32001 and a
 *   notification dropped. Otherwise the reader never parses more while anything is queued.
 * - `$/cancelRequest` (cancelIncoming) answers -32800 at once and aborts the handler's signal.
 *
 * Every answer goes through the Outbox; the connection hears about freed capacity through
 * `host.workDone()` and decides whether to read on or finish closing.
 */
import { Dispatcher } from '../dispatch/dispatcher.js';
import { toJsonRpcException, type ErrorPolicy } from '../dispatch/error-policy.js';
import { respondBatch } from '../dispatch/handle.js';
import type { DispatchContext, UntypedMethods } from '../dispatch/types.js';
import {
  JsonRpcMethodNotFoundError,
  JsonRpcRequestCancelledError,
  JsonRpcServerOverloadedError,
} from '../parser/errors.js';
import type {
  JsonRpcBatch,
  JsonRpcId,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResponse,
} from '../parser/messages.js';
import type { JsonRpcConnection } from './connection.js';
import type { ConnectionContext } from './connection-types.js';
import type { Outbox } from './outbox.js';
import type { ReadGateState } from './read-gate.js';

/** What the scheduler needs from its connection. */
export interface SchedulerHost {
  readonly connection: JsonRpcConnection;
  isClosed(): boolean;
  /** Requests this side awaits: the queue bound applies only while there are some. */
  pendingOutgoing(): number;
  droppedNotification(notification: JsonRpcNotification): void;
  /** A handler ended or a queued message left the queue: reading may resume, closing may finish. */
  workDone(): void;
}

export interface SchedulerOptions {
  readonly dispatcher: Dispatcher<UntypedMethods, ConnectionContext> | undefined;
  readonly policy: ErrorPolicy;
  /** Requests get a signal of their own, aborted by `$/cancelRequest`. */
  readonly cancellation: boolean;
  readonly isSequential: (method: string) => boolean;
  readonly maxQueued: number;
}

type Work = JsonRpcRequest | JsonRpcNotification | JsonRpcBatch;

/** An incoming request, notification or batch, as queued and run. */
interface Task {
  readonly message: Work;
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

/**
 * A handler's context whose AbortSignal is made only if something reads it: an AbortController
 * per call halves pipelined throughput, and most handlers never look at the signal.
 */
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

export class InboundScheduler {
  /** Requests being handled, by id, when `$/cancelRequest` is honoured. */
  private readonly running = new Map<JsonRpcId, Task>();
  /** Running batches (aborted on close). */
  private readonly runningBatches = new Set<Task>();
  /** A FIFO with a moving head: shift() is O(n) on large arrays. */
  private queue: Task[] = [];
  private queueHead = 0;
  /** Aborted when the connection closes: the signal of handlers that cannot be cancelled one by one. */
  private readonly lifetime = new AbortController();

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

  /** Nothing running and nothing queued. */
  get idle(): boolean {
    return this.gate.running === 0 && this.queueHead === this.queue.length;
  }

  /** Starts `message` now if a slot is free and nothing is queued before it, else queues it. */
  admit(message: Work): void {
    const sequential = message.kind !== 'batch' && this.options.isSequential(message.method);
    const task: Task = { message, sequential, controller: undefined, answered: false };
    const queued = this.queue.length - this.queueHead;
    if (queued === 0 && this.mayStart(task)) {
      this.start(task);
      return;
    }
    // The bound matters only while reading on for responses (the deadlock rule); otherwise the
    // queue only ever holds what one parser slice yielded.
    if (queued >= this.options.maxQueued && this.host.pendingOutgoing() > 0) {
      this.refuse(task);
      return;
    }
    this.queue.push(task);
  }

  /** Starts queued messages while slots are free. */
  startQueued(): void {
    while (this.queueHead < this.queue.length) {
      const task = this.queue[this.queueHead]!;
      if (this.host.isClosed() || !this.mayStart(task)) break;
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

  /**
   * An incoming `$/cancelRequest`: aborts the handler and answers -32800 now. Returns false when no
   * such request is running or queued (it may not have arrived yet).
   */
  cancelIncoming(id: string | number): boolean {
    const task = this.running.get(id);
    if (task !== undefined) {
      this.running.delete(id);
      if (!task.answered) {
        task.answered = true;
        this.outbox.error(task.message as JsonRpcRequest, new JsonRpcRequestCancelledError());
      }
      abortTask(task, new JsonRpcRequestCancelledError());
      return true;
    }
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const queued = this.queue[i]!;
      if (queued.message.kind === 'request' && queued.message.id === id && !queued.answered) {
        queued.answered = true;
        this.queue.splice(i, 1);
        this.outbox.error(queued.message, new JsonRpcRequestCancelledError());
        this.host.workDone();
        return true;
      }
    }
    return false;
  }

  /** The connection closed: every running handler's signal aborts with `why`, the queue is dropped. */
  abortAll(why: Error): void {
    for (const task of this.running.values()) abortTask(task, why);
    for (const task of this.runningBatches) abortTask(task, why);
    this.lifetime.abort(why);
    this.running.clear();
    this.runningBatches.clear();
    this.queue = [];
    this.queueHead = 0;
  }

  private mayStart(task: Task): boolean {
    const gate = this.gate;
    if (gate.barrier || gate.writeBlocked || gate.running >= gate.maxConcurrentHandlers) return false;
    return !task.sequential || gate.running === 0;
  }

  /** The queue is full: answer a request -32001; drop a notification (reported). */
  private refuse(task: Task): void {
    const message = task.message;
    const overloaded = new JsonRpcServerOverloadedError(undefined, {
      reason: `more than ${this.options.maxQueued} incoming messages are waiting for a handler`,
    });
    if (message.kind === 'request') {
      this.outbox.error(message, overloaded);
    } else if (message.kind === 'notification') {
      this.host.droppedNotification(message);
    } else {
      const answers: JsonRpcResponse[] = [];
      for (const entry of message.messages) {
        if (entry.kind === 'request' || entry.kind === 'invalid') {
          answers.push({ kind: 'response', id: entry.id, isSuccess: false, error: overloaded.toJSON() });
        } else if (entry.kind === 'notification') {
          this.host.droppedNotification(entry);
        }
      }
      if (answers.length > 0) this.outbox.message({ kind: 'batch', messages: answers });
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
    // A signal of its own only when something can abort this one call ($/cancelRequest);
    // otherwise the connection's, which aborts on close.
    const isRequest = message.kind === 'request';
    const cancellable = isRequest && this.options.cancellation;
    const connection = this.host.connection;
    const context: ConnectionContext = cancellable
      ? new CallContext(message.id, message.method, connection, task)
      : { id: isRequest ? message.id : undefined, method: message.method, signal: this.lifetime.signal, connection };
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
    if (cancellable) this.running.set(message.id, task);
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

  private startBatch(task: Task, batch: JsonRpcBatch): void {
    // Batches are rare: a controller each is affordable, and respondBatch wants one signal.
    const controller = new AbortController();
    task.controller = controller;
    this.runningBatches.add(task);
    // Without a dispatcher every entry is answered -32601, as a single request would be.
    const dispatcher = this.options.dispatcher ?? new Dispatcher<UntypedMethods, ConnectionContext>();
    const connection = this.host.connection;
    const options = {
      ...this.options.policy,
      signal: controller.signal,
      createContext: (base: DispatchContext): ConnectionContext => ({ ...base, connection }),
    };
    // One batch in, one batch response out (nothing for an all-notification batch).
    respondBatch(batch, dispatcher, options).then(
      (text) => {
        this.runningBatches.delete(task);
        if (text !== null && !task.answered && !this.host.isClosed()) this.outbox.text(text);
        this.taskDone(task);
      },
      (err: unknown) => {
        // respondBatch() never rejects for what the remote side sent; this guards against bugs.
        this.runningBatches.delete(task);
        toJsonRpcException(err, this.options.policy, { method: '', id: undefined, stage: 'handler' });
        this.taskDone(task);
      },
    );
  }

  private finish(task: Task, result: unknown, error: unknown, failed: boolean): void {
    const message = task.message as JsonRpcRequest | JsonRpcNotification;
    if (message.kind === 'request') {
      if (this.running.get(message.id) === task) this.running.delete(message.id);
      if (!task.answered && !this.host.isClosed()) {
        task.answered = true;
        if (failed) {
          const info = { method: message.method, id: message.id, stage: 'handler' as const };
          this.outbox.error(message, toJsonRpcException(error, this.options.policy, info));
        } else {
          this.outbox.result(message, result);
        }
      }
    } else if (failed) {
      // Nobody can be answered; the policy still hears about a fault (toJsonRpcException reports
      // anything but a JsonRpcException to onHandlerError, and never throws).
      toJsonRpcException(error, this.options.policy, { method: message.method, id: undefined, stage: 'handler' });
    }
    this.taskDone(task);
  }

  private taskDone(task: Task): void {
    const gate = this.gate;
    gate.running--;
    if (task.sequential) gate.barrier = false;
    if (this.host.isClosed()) return;
    this.startQueued();
    this.host.workDone();
  }
}

/** A promise or promise-like result: awaited (as `await` would) before it is answered. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
