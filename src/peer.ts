/**
 * JsonRpcPeer: the whole protocol for one connection, with no I/O.
 *
 * A peer is both client and server. It turns outgoing calls into bytes and incoming bytes into
 * messages; it never touches a socket, a timer or a promise. Whoever owns the connection (the
 * node-streams layer, a browser WebSocket, a test) moves the bytes:
 *
 * ```ts
 * const peer = new JsonRpcPeer({ framing: 'content-length' });
 * const { id, bytes } = peer.request('initialize', { capabilities: {} });
 * socket.write(bytes);
 * socket.on('data', (chunk) => {
 *   for (const message of peer.parse(chunk)) {
 *     if (message.kind === 'response' && message.id === id) console.log(message);
 *   }
 * });
 * ```
 *
 * Every outgoing call also has a text variant (`requestText()`, `notifyText()`, ...) that returns the
 * framed message as a string instead of bytes: a transport that can write strings (Node's sockets
 * encode UTF-8 natively) joins them and encodes once, instead of once per message.
 *
 * What `parse()` returns is every message the chunk completes, in order, as plain objects
 * discriminated by `kind`. A malformed message comes back in place as `{ kind: 'invalid' }`: answer
 * it with `respondWithError(message, message.error)` and carry on. A malformed response comes back
 * as `{ kind: 'invalidResponse' }`: never answer it; fail the request waiting under its `id`.
 *
 * The peer routes nothing. `ProtocolEngine` (src/protocol) is the layer above it: responses matched
 * to requests, incoming ids in flight, batches assembled, scheduling under bounds, the LSP and MCP
 * cancel and progress conventions; connections are built on the engine.
 */
import { createFramer } from './framing/index.js';
import { DEFAULT_MAX_MESSAGE_BYTES, type Framer, type FramingName, type FramerNatives } from './framing/types.js';
import type { JsonRpcErrorObject, JsonRpcException } from './parser/errors.js';
import {
  encodeError,
  encodeMessage,
  encodeNotification,
  encodeRequest,
  encodeResult,
  parseMessage,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcParams,
} from './parser/messages.js';
import {
  checkVersion,
  encodeErrorV1,
  encodeRequestV1,
  encodeResultV1,
  parseVersioned,
  type JsonRpcVersion,
} from './parser/v1.js';

export interface JsonRpcPeerOptions {
  /** How messages are delimited on the byte stream. Default `'newline'`. */
  framing?: FramingName;
  /** The largest incoming message, in bytes; larger ones become `'invalid'` messages. Default 64 MiB. */
  maxMessageBytes?: number;
  /**
   * The UTF-8 byte length of a string, for Content-Length headers of framed text. Default: a pure
   * function; a host with a native one (Node's `Buffer.byteLength`) should pass it.
   */
  utf8Length?: (text: string) => number;
  /**
   * UTF-8 decoding of incoming bytes. Default: `TextDecoder`; a host with faster natives should
   * pass them (the Node layer passes ones built on `Buffer`). See `FramerOptions.natives`.
   */
  natives?: FramerNatives;
  /**
   * Keep the set of unanswered request ids (`pendingCount`, `isPending`). Default true. A host that
   * tracks its requests itself (the node-streams connection) passes false and saves a set insert
   * and delete per request; `pendingCount` is then 0 and `isPending` false.
   */
  trackPending?: boolean;
  /**
   * Which JSON-RPC to speak (see parser/v1.ts): `'2.0'` (default); `'1.0'` (messages read by 1.0's
   * rules, everything sent in 1.0's form, no batches); or `'both'` (each message read in the
   * version it speaks, and `respondWith*()` answer a message `parse()` returned in its own version;
   * requests and notifications go out as 2.0).
   */
  version?: JsonRpcVersion;
}

/** One entry of an outgoing batch: a request unless `notification` is true. */
export interface BatchCall {
  method: string;
  params?: JsonRpcParams;
  notification?: boolean;
}

const textEncoder = new TextEncoder();

export class JsonRpcPeer {
  readonly framing: FramingName;
  readonly maxMessageBytes: number;
  private readonly framer: Framer;
  private nextId = 1;
  /** Ids of the requests this peer sent that have not been answered yet. */
  private readonly pending = new Set<JsonRpcId>();
  private readonly trackPending: boolean;
  readonly version: JsonRpcVersion;
  /** The messages `parse()` read as 1.0 (under `'both'`: answered in 1.0's form). */
  private readonly v1Messages: WeakSet<object> | undefined;

  constructor(options: JsonRpcPeerOptions = {}) {
    this.framing = options.framing ?? 'newline';
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.framer = createFramer(this.framing, {
      maxMessageBytes: this.maxMessageBytes,
      utf8Length: options.utf8Length,
      natives: options.natives,
    });
    this.trackPending = options.trackPending !== false;
    this.version = checkVersion(options.version, 'JsonRpcPeer');
    this.v1Messages = this.version === 'both' ? new WeakSet() : undefined;
  }

  // ---- outgoing ---------------------------------------------------------------------------------

  /** A request with a fresh id (unique for this peer), and its bytes. */
  request(method: string, params?: JsonRpcParams): { id: number; bytes: Uint8Array } {
    const id = this.nextId++;
    if (this.trackPending) this.pending.add(id);
    return { id, bytes: this.framer.encode(this.requestJson(id, method, params)) };
  }

  /** A notification's bytes. No response will come. */
  notify(method: string, params?: JsonRpcParams): Uint8Array {
    return this.framer.encode(this.notificationJson(method, params));
  }

  /**
   * Several calls in one batch frame. `ids` has the id of each request, in order (notifications
   * have none). The remote side answers with one batch of responses, in any order.
   */
  batch(calls: readonly BatchCall[]): { ids: number[]; bytes: Uint8Array } {
    const { ids, json } = this.batchJson(calls);
    return { ids, bytes: this.framer.encode(json) };
  }

  /** `request()`, framed as text. */
  requestText(method: string, params?: JsonRpcParams): { id: number; text: string } {
    const id = this.nextId++;
    const text = this.framer.encodeText(this.requestJson(id, method, params));
    if (this.trackPending) this.pending.add(id);
    return { id, text };
  }

  /** `notify()`, framed as text. */
  notifyText(method: string, params?: JsonRpcParams): string {
    return this.framer.encodeText(this.notificationJson(method, params));
  }

  /** `batch()`, framed as text. */
  batchText(calls: readonly BatchCall[]): { ids: number[]; text: string } {
    const { ids, json } = this.batchJson(calls);
    return { ids, text: this.framer.encodeText(json) };
  }

  /** `respondWithResult()`, framed as text. */
  respondWithResultText(request: { readonly id: JsonRpcId }, result: unknown): string {
    return this.framer.encodeText(this.resultJson(request, result));
  }

  /** `respondWithError()`, framed as text. */
  respondWithErrorText(request: { readonly id: JsonRpcId } | null, error: JsonRpcException | JsonRpcErrorObject): string {
    return this.framer.encodeText(this.errorJson(request, error));
  }

  /** `encode()`, framed as text. */
  encodeText(message: JsonRpcMessage): string {
    return this.framer.encodeText(encodeMessage(message));
  }

  /** JSON text encoded elsewhere (a dispatcher's batch response), framed as text. */
  frameText(json: string): string {
    return this.framer.encodeText(json);
  }

  /** Answers `request` with `result` (`undefined` is sent as `null`). */
  respondWithResult(request: { readonly id: JsonRpcId }, result: unknown): Uint8Array {
    return this.framer.encode(this.resultJson(request, result));
  }

  /**
   * Answers `request` with an error. Pass `null` when the request's id is unknown (the response then
   * carries `"id": null`), or an `'invalid'` message, whose `id` is already the right one.
   */
  respondWithError(
    request: { readonly id: JsonRpcId } | null,
    error: JsonRpcException | JsonRpcErrorObject,
  ): Uint8Array {
    return this.framer.encode(this.errorJson(request, error));
  }

  /** The bytes of any message or batch, framed. For relaying and for responses built by hand. */
  encode(message: JsonRpcMessage): Uint8Array {
    return this.framer.encode(encodeMessage(message));
  }

  // ---- incoming ---------------------------------------------------------------------------------

  /**
   * Feeds the next chunk of the incoming stream. Returns the messages it completes, in order; an
   * unfinished message is kept for the next call. Never throws for anything the remote side sent.
   * `frameLengths`, when given, receives the length of each message's JSON text (0 for what the
   * framer rejected), in the same order: a host that bounds queued work in bytes weighs the
   * bytes a chunk completed (`bufferedBytes` before, plus the chunk, minus after) by them.
   */
  parse(chunk: Uint8Array | string, frameLengths?: number[]): JsonRpcMessage[] {
    const bytes = typeof chunk === 'string' ? textEncoder.encode(chunk) : chunk;
    return this.toMessages(this.framer.push(bytes), frameLengths);
  }

  /**
   * The incoming stream has ended. Returns an `'invalid'` message if it ended in the middle of a
   * message (the remote side disconnected mid-write), else nothing.
   */
  end(): JsonRpcMessage[] {
    return this.toMessages(this.framer.end());
  }

  /** Bytes held for an incoming message that is not complete yet. */
  get bufferedBytes(): number {
    return this.framer.bufferedBytes;
  }

  // ---- request state ----------------------------------------------------------------------------

  /** How many requests this peer sent that have no response yet. */
  get pendingCount(): number {
    return this.pending.size;
  }

  isPending(id: JsonRpcId): boolean {
    return this.pending.has(id);
  }

  /**
   * Stops waiting for a response to `id` (it timed out, was cancelled, or the connection closed).
   * A response that still arrives is returned by `parse()` as usual but no longer counts as pending.
   */
  forget(id: JsonRpcId): boolean {
    return this.pending.delete(id);
  }

  // ---- the version's forms (under '2.0', one comparison each) -----------------------------------

  private requestJson(id: number, method: string, params: JsonRpcParams | undefined): string {
    return this.version === '1.0' ? encodeRequestV1(id, method, params) : encodeRequest(id, method, params);
  }

  private notificationJson(method: string, params: JsonRpcParams | undefined): string {
    return this.version === '1.0' ? encodeRequestV1(null, method, params) : encodeNotification(method, params);
  }

  /** Answers go in 1.0's form under '1.0', and under 'both' to a message `parse()` read as 1.0. */
  private answersV1(request: object | null): boolean {
    if (this.version === '2.0') return false;
    return this.version === '1.0' || (request !== null && this.v1Messages!.has(request));
  }

  private resultJson(request: { readonly id: JsonRpcId }, result: unknown): string {
    return this.answersV1(request) ? encodeResultV1(request.id, result) : encodeResult(request.id, result);
  }

  private errorJson(request: { readonly id: JsonRpcId } | null, error: JsonRpcException | JsonRpcErrorObject): string {
    const id = request === null ? null : request.id;
    return this.answersV1(request) ? encodeErrorV1(id, error) : encodeError(id, error);
  }

  private parseVersioned(text: string): JsonRpcMessage {
    const { message, version } = parseVersioned(text, this.version);
    if (version === '1.0') this.v1Messages?.add(message);
    return message;
  }

  private batchJson(calls: readonly BatchCall[]): { ids: number[]; json: string } {
    if (this.version === '1.0') throw new Error("Cannot send a batch: JSON-RPC 1.0 (version '1.0') has no batches");
    if (calls.length === 0) throw new RangeError('A batch needs at least one call: the spec makes [] invalid');
    const ids: number[] = [];
    const texts = calls.map((call) => {
      if (call.notification === true) return encodeNotification(call.method, call.params);
      const id = this.nextId++;
      ids.push(id);
      return encodeRequest(id, call.method, call.params);
    });
    if (this.trackPending) for (const id of ids) this.pending.add(id);
    return { ids, json: `[${texts.join(',')}]` };
  }

  private toMessages(events: ReturnType<Framer['push']>, frameLengths?: number[]): JsonRpcMessage[] {
    const messages: JsonRpcMessage[] = [];
    const track = this.trackPending && this.pending.size > 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      if (event.kind === 'error') {
        messages.push({ kind: 'invalid', id: null, error: event.error });
        frameLengths?.push(0);
        continue;
      }
      frameLengths?.push(event.text.length);
      const message = this.version === '2.0' ? parseMessage(event.text) : this.parseVersioned(event.text);
      if (track) this.settle(message);
      messages.push(message);
    }
    return messages;
  }

  /** A response (or a batch of them) ends the wait for its id; so does an invalid one carrying it. */
  private settle(message: JsonRpcMessage): void {
    if (message.kind === 'response' || message.kind === 'invalidResponse') {
      this.pending.delete(message.id);
    } else if (message.kind === 'batch') {
      for (const entry of message.messages) {
        if (entry.kind === 'response' || entry.kind === 'invalidResponse') this.pending.delete(entry.id);
      }
    }
  }
}
