/**
 * `createHttpClient(url, options)`: JSON-RPC calls as HTTP POSTs, with fetch (any runtime's, or
 * the one given). Each `request()` / `notify()` / `batch()` is one POST of one message (a batch:
 * one array).
 *
 * ```ts
 * const client = createHttpClient<Api>('https://example.com/rpc', { headers: { authorization: `Bearer ${token}` }, timeoutMs: 10_000 });
 * const sum = await client.request('add', [1, 2]);
 * ```
 *
 * Failures are the connection's classes: an error response rejects with its `JsonRpcException`;
 * `RequestTimeoutError`, `RequestAbortedError` (the call's `signal`; the POST is aborted too);
 * `JsonRpcInvalidResponseError` for an answer that is not the JSON-RPC response it should be;
 * `ConnectionClosedError` when the POST itself fails (refused, reset: `cause` says). A status
 * other than 200 / 204 rejects with `HttpStatusError` (its `status` and the start of its body).
 */
import { durationProblem, startTimer, type Timer } from '../connection/durations.js';
import { ConnectionClosedError, RequestAbortedError, RequestTimeoutError } from '../connection/errors.js';
import type { BatchEntry, CallArgs, NotifyArgs, RequestResult } from '../connection/types.js';
import type { MethodTable, UntypedMethods } from '../dispatch/types.js';
import { JsonRpcException } from '../parser/errors.js';
import { JsonRpcInvalidResponseError } from '../parser/invalid-response.js';
import {
  encodeNotification,
  encodeRequest,
  parseMessage,
  type JsonRpcId,
  type JsonRpcParams,
  type JsonRpcSingleMessage,
} from '../parser/messages.js';
import { encodeRequestV1, parseVersioned } from '../parser/v1.js';
import { positive } from '../connection/options.js';
import { readLimited } from './http-server.js';

/** The largest response body read, by default (as a connection's `maxMessageBytes`). */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** How much of an unexpected answer's body an `HttpStatusError` keeps. */
const STATUS_BODY_CHARS = 1000;

/** fetch's signature, as far as the client uses it. */
export type FetchFunction = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<Response>;

export interface HttpClientOptions {
  /** Default: the runtime's `fetch`. */
  fetch?: FetchFunction;
  /** Sent with every POST (after `content-type`); a function is called per POST (a fresh token). */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** The default per-call timeout; `Infinity` (default) for none. */
  timeoutMs?: number;
  /** The largest response body, in bytes; a longer one rejects the call. Default 64 MiB. */
  maxResponseBytes?: number;
  /**
   * `'2.0'` (default) or `'1.0'`: requests without `jsonrpc`, positional params only, a
   * notification with `"id": null`, answers read by 1.0's rules; no batches.
   */
  version?: '2.0' | '1.0';
}

export interface HttpCallOptions {
  /** Aborting rejects the call with `RequestAbortedError` and aborts its POST. */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
}

/** The server answered with a status other than 200 or 204. */
export class HttpStatusError extends Error {
  readonly code = 'ERR_JSONRPC_HTTP_STATUS';
  readonly status: number;
  /** The start of the answer's body (at most 1000 characters). */
  readonly body: string;
  constructor(status: number, body: string) {
    super(`The JSON-RPC server answered HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
    this.name = 'HttpStatusError';
    this.status = status;
    this.body = body;
  }
}

/** The `headers` function failed: the call rejects with this (its `cause`), nothing is sent. */
export class HeadersError extends Error {
  constructor(cause: unknown) {
    super('The HTTP client\'s headers() function failed', { cause });
    this.name = 'HeadersError';
  }
}

const decoder = new TextDecoder();

export class JsonRpcHttpClient<R extends MethodTable<R> = UntypedMethods> {
  private nextId = 1;
  private readonly fetch: FetchFunction;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly version: '2.0' | '1.0';

  constructor(
    readonly url: string,
    private readonly options: HttpClientOptions = {},
  ) {
    const fetchFunction = options.fetch ?? (globalThis.fetch as FetchFunction | undefined);
    if (typeof fetchFunction !== 'function') throw new TypeError('createHttpClient() needs fetch: this runtime has none, pass options.fetch');
    this.fetch = fetchFunction;
    const problem = options.timeoutMs === undefined ? null : durationProblem('timeoutMs', options.timeoutMs);
    if (problem !== null) throw problem;
    this.timeoutMs = options.timeoutMs ?? Infinity;
    this.maxResponseBytes = positive('maxResponseBytes', options.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES);
    const version: unknown = options.version ?? '2.0';
    if (version !== '2.0' && version !== '1.0') throw new RangeError(`createHttpClient(): version must be '2.0' or '1.0', got ${JSON.stringify(version) ?? String(version)}`);
    this.version = version;
  }

  /** Sends a request; resolves with its result, rejects as the module's header says. */
  request<K extends keyof R & string>(method: K, ...args: CallArgs<R, K, HttpCallOptions>): Promise<RequestResult<R, K>>;
  async request(method: string, params?: JsonRpcParams, options: HttpCallOptions = {}): Promise<unknown> {
    const id = this.nextId++;
    const text = this.version === '1.0' ? encodeRequestV1(id, method, params) : encodeRequest(id, method, params);
    const answer = await this.post(text, method, options);
    if (answer === null) throw invalid(method, id, 'the server answered 204 No Content to a request');
    return settle(single(answer, method, id, this.version), method);
  }

  /** Sends a notification; resolves once the server has taken it (its HTTP answer came). */
  notify<K extends keyof R & string>(method: K, ...args: NotifyArgs<R, K>): Promise<void>;
  async notify(method: string, params?: JsonRpcParams): Promise<void> {
    await this.post(this.version === '1.0' ? encodeRequestV1(null, method, params) : encodeNotification(method, params), method, {});
  }

  /** One POST of several calls: one promise per entry, in order (a notification's resolves with the POST). */
  batch(entries: readonly BatchEntry[], options: HttpCallOptions = {}): Promise<unknown>[] {
    if (entries.length === 0) return [];
    if (this.version === '1.0') {
      const error = new Error("Cannot send a batch: JSON-RPC 1.0 (version '1.0') has no batches");
      return entries.map(() => handled(Promise.reject(error)));
    }
    const ids = entries.map((entry) => (entry.notification === true ? undefined : this.nextId++));
    let text: string;
    try {
      text = `[${entries.map((entry, i) => (ids[i] === undefined ? encodeNotification(entry.method, entry.params) : encodeRequest(ids[i]!, entry.method, entry.params))).join(',')}]`;
    } catch (err) {
      return entries.map(() => handled(Promise.reject(err)));
    }
    const label = entries.map((entry) => entry.method).join(', ');
    const answered = this.post(text, label, options).then((answer) => byId(answer, label));
    return entries.map((entry, i) => {
      const id = ids[i];
      if (id === undefined) return handled(answered.then(() => undefined));
      return handled(
        answered.then((responses) => {
          const response = responses.get(id);
          if (response === undefined) throw invalid(entry.method, id, 'the batch answer has no response with this id');
          return settle(response, entry.method);
        }),
      );
    });
  }

  /** One POST: the answer's text, or null for 204; rejects with the call's error. */
  private async post(text: string, method: string, options: HttpCallOptions): Promise<string | null> {
    const { signal, timeoutMs = this.timeoutMs } = options;
    const problem = durationProblem('timeoutMs', timeoutMs);
    if (problem !== null) throw problem;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('signal must be an AbortSignal');
    if (signal?.aborted) throw new RequestAbortedError(method, signal.reason);
    const controller = new AbortController();
    let failure: Error | undefined;
    const giveUp = (error: Error): void => {
      failure ??= error;
      controller.abort(error);
    };
    const onAbort = (): void => giveUp(new RequestAbortedError(method, signal!.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    let timer: Timer | undefined;
    if (timeoutMs !== Infinity) timer = startTimer(timeoutMs, () => giveUp(new RequestTimeoutError(method, timeoutMs)));
    let status: number;
    let body: Uint8Array | null;
    try {
      const headers = { 'content-type': 'application/json', accept: 'application/json', ...(await this.headers()) };
      if (failure !== undefined) throw failure; // given up while the headers were being made
      const response = await this.fetch(this.url, { method: 'POST', headers, body: text, signal: controller.signal });
      status = response.status;
      body = await readLimited(response.body, this.maxResponseBytes);
    } catch (err) {
      if (failure !== undefined) throw failure;
      if (err instanceof HeadersError) throw err;
      // fetch's own message is "fetch failed"; its cause says what (ECONNREFUSED, a bad port, ...).
      const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
      const detail = String(cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : err));
      throw new ConnectionClosedError(`The HTTP request to ${this.url} failed (${detail})`, { cause: err });
    } finally {
      timer?.clear();
      signal?.removeEventListener('abort', onAbort);
    }
    // Given up (timed out, aborted) while a fetch that does not honour its signal went on: what it
    // brought back afterwards is not the call's answer.
    if (failure !== undefined) throw failure;
    if (body === null) throw invalid(method, null, `the answer is longer than maxResponseBytes (${this.maxResponseBytes})`);
    const answer = decoder.decode(body);
    if (status === 204 || (status === 200 && answer.trim() === '')) return null;
    if (status !== 200) throw new HttpStatusError(status, answer.slice(0, STATUS_BODY_CHARS));
    return answer;
  }

  private async headers(): Promise<Record<string, string>> {
    const headers = this.options.headers;
    if (typeof headers !== 'function') return headers ?? {};
    try {
      return await headers();
    } catch (err) {
      throw new HeadersError(err);
    }
  }
}

/** A client for the JSON-RPC server at `url`. `R` is its method table. */
export function createHttpClient<R extends MethodTable<R> = UntypedMethods>(url: string | URL, options?: HttpClientOptions): JsonRpcHttpClient<R> {
  return new JsonRpcHttpClient<R>(String(url), options);
}

/** The one response of a single request's answer. */
function single(answer: string, method: string, id: number, version: '2.0' | '1.0'): JsonRpcSingleMessage {
  const message = version === '1.0' ? parseVersioned(answer, '1.0').message : parseMessage(answer);
  if (message.kind === 'batch') throw invalid(method, id, 'a single request was answered with an array');
  if ((message.kind === 'response' || message.kind === 'invalidResponse') && message.id !== id && message.id !== null) {
    throw invalid(method, message.id, `the answer carries id ${JSON.stringify(message.id)}, not ${id}`);
  }
  return message;
}

/** A batch answer's responses by id (an error answer to the whole batch rejects every entry with it). */
function byId(answer: string | null, label: string): Map<JsonRpcId, JsonRpcSingleMessage> {
  if (answer === null) return new Map();
  const message = parseMessage(answer);
  if (message.kind !== 'batch') settle(message, label); // one error for the whole batch: throws it
  const responses = new Map<JsonRpcId, JsonRpcSingleMessage>();
  for (const entry of message.kind === 'batch' ? message.messages : []) {
    if (entry.kind === 'response' || entry.kind === 'invalidResponse') responses.set(entry.id, entry);
  }
  return responses;
}

/** A response's result, or its error thrown. */
function settle(message: JsonRpcSingleMessage, method: string): unknown {
  if (message.kind === 'response') {
    if (message.isSuccess) return message.result;
    throw JsonRpcException.fromError(message.error);
  }
  if (message.kind === 'invalidResponse') throw new JsonRpcInvalidResponseError(method, message);
  throw invalid(method, null, message.kind === 'invalid' ? `the answer is not JSON-RPC (${message.error.message})` : `the answer is a ${message.kind}, not a response`);
}

function invalid(method: string, id: JsonRpcId, problem: string): JsonRpcInvalidResponseError {
  return new JsonRpcInvalidResponseError(method, { kind: 'invalidResponse', id, problem, value: undefined });
}

function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
