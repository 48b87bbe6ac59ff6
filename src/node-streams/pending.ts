/**
 * The table of requests this side sent and is waiting on: each settles exactly once, by its
 * response (an invalid one included), its timeout, its AbortSignal or the connection closing. A
 * timer exists only for a request given a finite `timeoutMs`; an abort listener only for one given
 * a signal. The caller checks both options first (see `callOptions` in connection.ts).
 */
import { JsonRpcException } from '../parser/errors.js';
import { JsonRpcInvalidResponseError } from '../parser/invalid-response.js';
import type { JsonRpcInvalidResponse, JsonRpcResponse } from '../parser/messages.js';
import { startTimer, type Timer } from '../connection/durations.js';
import { RequestAbortedError, RequestTimeoutError } from '../connection/errors.js';

export interface PendingEntry {
  readonly id: number;
  readonly method: string;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  timer: Timer | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class PendingRequests {
  private readonly entries = new Map<number, PendingEntry>();

  /**
   * @param onGiveUp called when a request stops waiting without a response (timeout, abort), with
   *   why; the connection forgets the id in the peer and may send `$/cancelRequest`.
   */
  constructor(private readonly onGiveUp: (entry: PendingEntry, why: 'timeout' | 'abort') => void) {}

  get size(): number {
    return this.entries.size;
  }

  add(
    id: number,
    method: string,
    resolve: (value: unknown) => void,
    reject: (err: unknown) => void,
    timeoutMs: number | undefined,
    signal: AbortSignal | undefined,
  ): PendingEntry {
    const entry: PendingEntry = { id, method, resolve, reject, timer: undefined, signal: undefined, onAbort: undefined };
    this.entries.set(id, entry);
    if (timeoutMs !== undefined && timeoutMs !== Infinity) {
      entry.timer = startTimer(timeoutMs, () => {
        entry.timer = undefined;
        if (this.take(id) === undefined) return;
        entry.reject(new RequestTimeoutError(method, timeoutMs));
        this.onGiveUp(entry, 'timeout');
      });
    }
    if (signal !== undefined) {
      entry.signal = signal;
      entry.onAbort = () => {
        if (this.take(id) === undefined) return;
        entry.reject(new RequestAbortedError(method, signal.reason));
        this.onGiveUp(entry, 'abort');
      };
      signal.addEventListener('abort', entry.onAbort, { once: true });
    }
    return entry;
  }

  /**
   * Settles the request `response` answers: an invalid response rejects it with
   * `JsonRpcInvalidResponseError`. False when no request with that id is waiting.
   */
  settle(response: JsonRpcResponse | JsonRpcInvalidResponse): boolean {
    const id = response.id;
    if (typeof id !== 'number') return false;
    const entry = this.take(id);
    if (entry === undefined) return false;
    if (response.kind === 'invalidResponse') entry.reject(new JsonRpcInvalidResponseError(entry.method, response));
    else if (response.isSuccess) entry.resolve(response.result);
    else entry.reject(JsonRpcException.fromError(response.error));
    return true;
  }

  has(id: number): boolean {
    return this.entries.has(id);
  }

  /** Rejects every waiting request with `err` (the connection closed). */
  rejectAll(err: Error): void {
    if (this.entries.size === 0) return;
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const entry of entries) {
      cleanup(entry);
      entry.reject(err);
    }
  }

  /** Removes the entry for `id`, clearing its timer and abort listener. */
  private take(id: number): PendingEntry | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    this.entries.delete(id);
    cleanup(entry);
    return entry;
  }
}

function cleanup(entry: PendingEntry): void {
  if (entry.timer !== undefined) {
    entry.timer.clear();
    entry.timer = undefined;
  }
  if (entry.onAbort !== undefined) {
    entry.signal!.removeEventListener('abort', entry.onAbort);
    entry.onAbort = undefined;
  }
}
