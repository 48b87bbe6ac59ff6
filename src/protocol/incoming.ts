/**
 * The incoming calls this side has accepted and not answered yet: queued ones (in arrival order)
 * and running ones, findable by id (to refuse a duplicate id, and to cancel), plus the bounded
 * memory of cancels that arrived before their request.
 *
 * The hot path allocates nothing here: the request handed out last is held in one slot, and only
 * moves into the id map when another is handed out while it still runs. A synchronous handler is
 * answered before the next message is read, so its id never touches the map.
 */
import type { JsonRpcId, JsonRpcParams } from '../parser/messages.js';
import type { IncomingBatch } from './batch.js';
import type { SequentialFailure } from './events.js';

/** One incoming request or notification, from the moment it is accepted until it is answered. */
export class Work {
  /** Counted as running (a handler was handed out for it). */
  running = false;
  /** Answered (or, for a notification, finished), cancelled or abandoned: nothing more is sent for it. */
  answered = false;
  /** In the id map. */
  tracked = false;
  attachment: unknown = undefined;
  /** Where its answer goes in its batch's response (-1: not in a batch, or a notification). */
  slot = -1;
  /** The `sequential` predicate failed for it (see IncomingWork). */
  sequentialFailure: SequentialFailure | undefined = undefined;
  /** Read as JSON-RPC 1.0: answered in 1.0's form. */
  v1 = false;

  constructor(
    readonly kind: 'request' | 'notification',
    /** undefined for a notification */
    readonly id: JsonRpcId | undefined,
    readonly method: string,
    readonly params: JsonRpcParams | undefined,
    readonly batch: IncomingBatch | undefined,
    /** Its size: the frame's length (a batch's entries share their frame's). */
    readonly bytes: number,
    readonly sequential: boolean,
  ) {}

  get inBatch(): boolean {
    return this.batch !== undefined;
  }
}

/** Ids a request can be found by (null ids cannot be cancelled or told apart: never tracked). */
type Key = string | number;

export class InFlight {
  /** The request handed out last, while not yet in the map. */
  private current: Work | undefined;
  private readonly byId = new Map<Key, Work>();
  /** A FIFO with a moving head (shift() is O(n) on long arrays). */
  private queue: Work[] = [];
  private queueHead = 0;
  private readonly earlyCancels = new Set<Key>();

  constructor(private readonly earlyCancelMemory: number) {}

  /** The unanswered request with this id, queued or running. */
  find(id: JsonRpcId): Work | undefined {
    if (id === null) return undefined;
    const current = this.current;
    if (current !== undefined && current.id === id && !current.answered) return current;
    return this.byId.size === 0 ? undefined : this.byId.get(id);
  }

  /** `work` is handed out to run; the one handed out before it, if still running, moves to the map. */
  handOut(work: Work): void {
    const previous = this.current;
    if (previous !== undefined && !previous.answered) this.track(previous);
    if (work.kind === 'request' && !work.tracked && work.id !== null) this.current = work;
    else this.current = undefined;
  }

  /** `work` is answered: its id may be used again. */
  untrack(work: Work): void {
    if (this.current === work) this.current = undefined;
    if (work.tracked) {
      work.tracked = false;
      if (this.byId.get(work.id as Key) === work) this.byId.delete(work.id as Key);
    }
  }

  // ---- the queue ---------------------------------------------------------------------------------

  enqueue(work: Work): void {
    if (work.kind === 'request') this.track(work);
    this.queue.push(work);
  }

  /** The oldest queued work, not removed. */
  peek(): Work | undefined {
    return this.queueHead < this.queue.length ? this.queue[this.queueHead] : undefined;
  }

  /** Removes the oldest queued work. */
  dequeue(): void {
    this.queue[this.queueHead++] = undefined as unknown as Work;
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /** Removes `work` from anywhere in the queue (a cancel); false if it is not queued. */
  unqueue(work: Work): boolean {
    const at = this.queue.indexOf(work, this.queueHead);
    if (at < 0) return false;
    this.queue.splice(at, 1);
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    }
    return true;
  }

  // ---- cancels that came first ------------------------------------------------------------------

  rememberCancel(id: Key): void {
    if (this.earlyCancelMemory <= 0 || this.earlyCancels.has(id)) return;
    if (this.earlyCancels.size >= this.earlyCancelMemory) {
      const oldest = this.earlyCancels.values().next();
      if (oldest.done !== true) this.earlyCancels.delete(oldest.value);
    }
    this.earlyCancels.add(id);
  }

  /** True (and forgotten) when `id` was cancelled before it arrived. */
  takeEarlyCancel(id: JsonRpcId): boolean {
    return id !== null && this.earlyCancels.size > 0 && this.earlyCancels.delete(id);
  }

  // ---- closing ----------------------------------------------------------------------------------

  /** Forgets everything; returns the requests whose handlers still run (abandoned). */
  clear(): Work[] {
    const running: Work[] = [];
    const current = this.current;
    if (current !== undefined && current.running && !current.answered) running.push(current);
    for (const work of this.byId.values()) if (work.running && !work.answered) running.push(work);
    for (const work of running) work.answered = true;
    for (let i = this.queueHead; i < this.queue.length; i++) this.queue[i]!.answered = true;
    this.current = undefined;
    this.byId.clear();
    this.queue = [];
    this.queueHead = 0;
    this.earlyCancels.clear();
    return running;
  }

  private track(work: Work): void {
    if (work.tracked || work.id === null || work.id === undefined) return;
    work.tracked = true;
    this.byId.set(work.id, work);
  }
}
