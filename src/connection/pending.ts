/**
 * One request this side sent and waits on: its promise and its timers, nothing else (the engine
 * keeps the ids; an entry is the engine's token for its request and comes back with the response).
 *
 * It settles exactly once: by its response, its timeout, its AbortSignal, or the connection
 * closing. A timer exists only for a request given a finite `timeoutMs` (and one more for
 * `maxTotalTimeoutMs`); an abort listener only for one given a signal. Giving up (timeout, abort)
 * goes through `GiveUp`, which tells the engine (and the remote side, by the conventions' cancel).
 */
import { JsonRpcException } from '../parser/errors.js';
import { JsonRpcInvalidResponseError } from '../parser/invalid-response.js';
import type { JsonRpcInvalidResponse, JsonRpcParams, JsonRpcResponse } from '../parser/messages.js';
import { requestSpan, type OpenSpan, type RequestSpan } from './call-tracing.js';
import { startTimer, type Timer } from './durations.js';
import { RequestAbortedError, RequestTimeoutError } from './errors.js';
import { callGuarded, describeThrown, type Report } from './guard.js';
import type { CheckedCallOptions } from './options.js';

/** The connection stops waiting for `entry` (its reason goes into the conventions' cancel). */
export type GiveUp = (entry: PendingRequest, error: Error, reason: string) => void;

/** What every waiting request of one connection shares (one object, not two fields per request). */
export interface PendingHost {
  readonly giveUp: GiveUp;
  /** Where a failing `onProgress` listener is reported. */
  readonly progressFault: Report;
}

/** A listener on progress for a token no request of ours carries (`connection.onProgress`). */
export class ProgressWatcher {
  readonly kind = 'watcher';
  constructor(
    readonly listener: (value: unknown) => void,
    readonly fault: Report,
  ) {}
}

/** The timers and abort listener of a request given options (most have none: not a field each). */
interface Deadlines {
  timer: Timer | undefined;
  totalTimer: Timer | undefined;
  onAbort: (() => void) | undefined;
}

export class PendingRequest {
  /** Set once the engine gave the request its id. */
  id = 0;
  private resolve!: (value: unknown) => void;
  private reject!: (error: unknown) => void;
  /** Made by `arm()` for a request given options. */
  private deadlines: Deadlines | undefined;
  private settled = false;
  /** Its tracing span, while anyone listens (call-tracing.ts). */
  private span: OpenSpan<RequestSpan> | undefined;
  readonly promise: Promise<unknown>;

  constructor(
    readonly method: string,
    private readonly options: CheckedCallOptions | undefined,
    private readonly host: PendingHost,
  ) {
    this.promise = new Promise<unknown>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Tells a request from a progress watcher, as engine tokens (on the prototype: no field per request). */
  get kind(): 'request' {
    return 'request';
  }

  /** True when progress reports should reach this request (it has a listener). */
  get wantsProgress(): boolean {
    return this.options?.onProgress !== undefined;
  }

  /** The request went out: its timers and signal start counting (and its span, when traced). */
  arm(params?: JsonRpcParams): void {
    if (this.settled) return;
    this.span = requestSpan(this.method, this.id, params);
    const options = this.options;
    if (options === undefined) return;
    const deadlines: Deadlines = (this.deadlines = { timer: undefined, totalTimer: undefined, onAbort: undefined });
    this.startTimeout(deadlines);
    const total = options.maxTotalTimeoutMs;
    if (total !== undefined && total !== Infinity) {
      deadlines.totalTimer = startTimer(total, () => this.timedOut(total));
    }
    const signal = options.signal;
    if (signal !== undefined) {
      const onAbort = (): void => {
        const why = describeThrown(signal.reason);
        this.host.giveUp(this, new RequestAbortedError(this.method, signal.reason), why);
      };
      deadlines.onAbort = onAbort;
      signal.addEventListener('abort', onAbort, { once: true });
    }
  }

  /** Its response came: resolve with the result, reject with the error's exception. */
  settle(response: JsonRpcResponse): void {
    if (!this.finish()) return;
    if (response.isSuccess) {
      this.span?.settle(undefined);
      this.resolve(response.result);
    } else {
      this.rejectWith(JsonRpcException.fromError(response.error));
    }
  }

  /** A message shaped like its response broke the specification. */
  settleInvalid(message: JsonRpcInvalidResponse): void {
    if (this.finish()) this.rejectWith(new JsonRpcInvalidResponseError(this.method, message));
  }

  /** It can never be answered (closed, given up on). */
  fail(error: unknown): void {
    if (this.finish()) this.rejectWith(error);
  }

  private rejectWith(error: unknown): void {
    this.span?.settle({ error });
    this.reject(error);
  }

  /** The remote side reported progress on it. */
  progress(value: unknown): void {
    const options = this.options;
    if (options === undefined || this.settled) return;
    const deadlines = this.deadlines;
    if (options.resetTimeoutOnProgress && deadlines?.timer !== undefined) {
      deadlines.timer.clear();
      this.startTimeout(deadlines);
    }
    if (options.onProgress !== undefined) callGuarded(options.onProgress, [value], this.host.progressFault);
  }

  private startTimeout(deadlines: Deadlines): void {
    const timeoutMs = this.options?.timeoutMs;
    if (timeoutMs !== undefined && timeoutMs !== Infinity) deadlines.timer = startTimer(timeoutMs, () => this.timedOut(timeoutMs));
  }

  private timedOut(ms: number): void {
    this.host.giveUp(this, new RequestTimeoutError(this.method, ms), `Timed out after ${ms} ms`);
  }

  /** Marks it settled and stops its timers and listener; false when it was settled already. */
  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    const deadlines = this.deadlines;
    if (deadlines !== undefined) {
      this.deadlines = undefined;
      deadlines.timer?.clear();
      deadlines.totalTimer?.clear();
      if (deadlines.onAbort !== undefined) this.options!.signal!.removeEventListener('abort', deadlines.onAbort);
    }
    return true;
  }
}

/** What the engine's tokens are: a request of ours, or a progress watcher. */
export type EngineToken = PendingRequest | ProgressWatcher;
