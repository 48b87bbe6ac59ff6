/**
 * JSON-RPC over HTTP, the part every server binding shares: from a request's method, headers and
 * body to the status, headers and body to answer, built on `handle()`. The bindings
 * (`createFetchHandler`, `createNodeHttpHandler`) only read the request and write the answer.
 *
 * | status | when |
 * | --- | --- |
 * | 200 | the response (or batch of responses) as `application/json`; JSON-RPC errors too (-32700, -32600, -32601, ...) |
 * | 204 | nothing to answer: a notification, or a batch of notifications |
 * | 400 | the body could not be read (the client went away mid-body) |
 * | 405 | not POST (with `Allow: POST`) |
 * | 413 | a body over `maxBodyBytes` (by its Content-Length, or counted while reading) |
 * | 415 | a Content-Type other than `application/json` (a charset other than UTF-8 too) |
 * | 500 | `onRequest` threw (nothing more is said; `onHandlerError` hears of it) |
 * | any | what `onRequest` returned to refuse the request (401, 403, 429, ...) |
 */
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { reportHandlerError, type ErrorPolicy } from '../dispatch/error-policy.js';
import { handle, type HandleOptions } from '../dispatch/handle.js';
import type { DispatchContext, MethodTable } from '../dispatch/types.js';
import type { JsonRpcVersion } from '../parser/v1.js';
import { positive } from '../connection/options.js';

/** The largest request body read, by default. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** What `onRequest` returns to answer a request itself instead (an authentication failure, say). */
export interface HttpRefusal {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Plain text. Default: the status's reason phrase. */
  readonly body?: string;
}

/** An answer to send: status, headers, and the body (null for none). */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
}

interface BaseHttpOptions<Req> extends Pick<HandleOptions, 'maxBatchSize' | 'maxConcurrency'> {
  /** The largest request body, in bytes; a larger one is answered 413 without being read further. Default 1 MiB. */
  maxBodyBytes?: number;
  /** `'2.0'` (default), `'1.0'` or `'both'`, as `handle()`'s. */
  version?: JsonRpcVersion;
  /** `true` puts a fault's name and message in the -32603 error's `data` (never its stack). Default false. */
  exposeErrors?: boolean;
  onHandlerError?: ErrorPolicy['onHandlerError'];
  /**
   * Runs for every POST before its body is read: authenticate, rate-limit. Return an `HttpRefusal`
   * to answer with it instead; anything else lets the request through. What it throws (or rejects
   * with) is answered 500 and reported to `onHandlerError` (stage `'setup'`).
   */
  onRequest?: (request: Req) => HttpRefusal | void | Promise<HttpRefusal | void>;
}

/**
 * The options of an HTTP handler for requests of type `Req`. `createContext` (the handlers'
 * context, per request) is required when the dispatcher's context `C` has more than
 * `DispatchContext`'s members.
 */
export type HttpHandlerOptions<C extends DispatchContext, Req> = BaseHttpOptions<Req> &
  (DispatchContext extends C
    ? { createContext?: (base: DispatchContext, request: Req) => C }
    : { createContext: (base: DispatchContext, request: Req) => C });

/** The argument list of a handler factory: options optional unless `createContext` is required. */
export type HttpOptionsArgument<C extends DispatchContext, Req> = DispatchContext extends C
  ? [options?: HttpHandlerOptions<C, Req>]
  : [options: HttpHandlerOptions<C, Req>];

/** What a binding tells about one request. */
export interface HttpRequestParts<Req> {
  readonly request: Req;
  readonly method: string;
  readonly contentType: string | null;
  readonly contentLength: string | null;
  /** Reads the body, at most `limit` bytes: the bytes, or null once it is longer (reading stops). */
  readBody(limit: number): Promise<Uint8Array | null>;
  /** Aborts when the client goes away (handlers' `context.signal` aborts too). */
  readonly signal?: AbortSignal;
}

const REASONS: Record<number, string> = {
  405: 'Method Not Allowed: JSON-RPC requests are POSTed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type: send application/json',
  500: 'Internal Server Error',
};

/** The checked options of one handler, made once. */
export class HttpResponder<M extends MethodTable<M>, C extends DispatchContext, Req> {
  private readonly maxBodyBytes: number;
  private readonly options: BaseHttpOptions<Req> & { createContext?: (base: DispatchContext, request: Req) => C };

  constructor(
    private readonly dispatcher: Dispatcher<M, C>,
    options: HttpHandlerOptions<C, Req> | undefined,
  ) {
    this.options = options ?? {};
    this.maxBodyBytes = positive('maxBodyBytes', this.options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES);
    // handle() checks these per call; checking them here makes a bad value fail at once, not per request.
    positive('maxBatchSize', this.options.maxBatchSize, 1);
    positive('maxConcurrency', this.options.maxConcurrency, 1);
  }

  /** The answer to one request. Never rejects. */
  async answer(parts: HttpRequestParts<Req>): Promise<HttpAnswer> {
    if (parts.method.toUpperCase() !== 'POST') return plain(405, { allow: 'POST' });
    const refusal = await this.runHook(parts.request);
    if (refusal !== undefined) return refusal;
    if (!isJson(parts.contentType)) return plain(415);
    const declared = parts.contentLength === null ? NaN : Number(parts.contentLength);
    if (declared > this.maxBodyBytes) return plain(413, { connection: 'close' });
    let body: Uint8Array | null;
    try {
      body = await parts.readBody(this.maxBodyBytes);
    } catch {
      return plain(400, {}, 'Bad Request: the body could not be read');
    }
    if (body === null) return plain(413, { connection: 'close' });
    const text = await handle(body, this.dispatcher as Dispatcher<M, DispatchContext>, this.handleOptions(parts));
    if (text === null) return { status: 204, headers: {}, body: null };
    return { status: 200, headers: { 'content-type': 'application/json' }, body: text };
  }

  private handleOptions(parts: HttpRequestParts<Req>): HandleOptions {
    const { maxBatchSize, maxConcurrency, version, onHandlerError, createContext } = this.options;
    const request = parts.request;
    return {
      maxBatchSize,
      maxConcurrency,
      version,
      onHandlerError,
      // Never 'with-stack' over HTTP, whatever a caller passes: the name and message at most.
      exposeErrors: Boolean(this.options.exposeErrors),
      signal: parts.signal,
      createContext: createContext === undefined ? undefined : (base) => createContext(base, request),
    } as HandleOptions;
  }

  private async runHook(request: Req): Promise<HttpAnswer | undefined> {
    const hook = this.options.onRequest;
    if (hook === undefined) return undefined;
    let result: unknown;
    try {
      result = await hook(request);
    } catch (err) {
      reportHandlerError(err, this.options, { method: '', id: undefined, stage: 'setup' });
      return plain(500);
    }
    if (result === undefined || result === null || typeof result !== 'object') return undefined;
    const { status, headers, body } = result as HttpRefusal;
    if (!(Number.isInteger(status) && status >= 200 && status <= 599)) {
      reportHandlerError(new TypeError(`onRequest returned a refusal with status ${String(status)}`), this.options, { method: '', id: undefined, stage: 'setup' });
      return plain(500);
    }
    return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: typeof body === 'string' ? body : (REASONS[status] ?? '') };
  }
}

/** `application/json`, with no charset or UTF-8 (JSON is UTF-8, RFC 8259). */
function isJson(contentType: string | null): boolean {
  if (contentType === null) return false;
  const [type, ...params] = contentType.split(';');
  if (type!.trim().toLowerCase() !== 'application/json') return false;
  for (const param of params) {
    const [name, value] = param.split('=');
    if (name!.trim().toLowerCase() === 'charset' && value?.trim().replace(/^"|"$/g, '').toLowerCase() !== 'utf-8') return false;
  }
  return true;
}

function plain(status: number, headers: Record<string, string> = {}, body = REASONS[status] ?? ''): HttpAnswer {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body };
}

/** Reads a Web `ReadableStream` body, at most `limit` bytes (null once longer: the rest is cancelled). */
export async function readLimited(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array | null> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > limit) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return join(chunks, length);
}

/** The chunks as one array (the one chunk itself when there is one). */
export function join(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
