/**
 * ProtocolEngine: the JSON-RPC protocol of one connection, pure (no I/O, no timers, no promises).
 *
 * Bytes (or whole messages) go in with `receive()`; interpreted events come out of `next()`, one
 * at a time, until it returns undefined ("nothing to do now"). Outgoing calls give framed text.
 * The connection around it adds only promises, timers and the transport:
 *
 * ```ts
 * engine.receive(chunk);
 * for (let event = engine.next(); event !== undefined; event = engine.next()) {
 *   if (event.kind === 'request') write(engine.respond(event, handlers[event.method](event.params)));
 *   else if (event.kind === 'reply') write(event.text);
 *   // ... settle responses, report the rest (see events.ts)
 * }
 * if (engine.mayRead) transport.resume(); else transport.pause();
 * ```
 *
 * Scheduling is decided here (state.ts has the rules): `next()` hands out work only when a handler
 * may start, parses input only when it may be handled, and reads on past busy handlers only while
 * a request of ours waits for its response. A message's size, which the byte bounds count, is
 * the length of its JSON text on every transport (for ASCII text, its bytes without the framing):
 * the frames a byte stream is cut into do not depend on the cuts, so neither do the decisions.
 */
import type { FrameEvent } from '../framing/types.js';
import type { JsonRpcErrorObject, JsonRpcException } from '../parser/errors.js';
import { encodeResultV1, type JsonRpcVersion } from '../parser/v1.js';
import {
  encodeResult,
  parseMessage,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcParams,
} from '../parser/messages.js';
import { EngineContext, errorJson } from './context.js';
import type { Conventions, ProgressToken } from './conventions.js';
import type { IncomingNotification, IncomingRequest, ProtocolEvent } from './events.js';
import type { Work } from './incoming.js';
import { checkedOptions, conventionsFor, type ProtocolEngineOptions } from './options.js';
import { Inbox } from './inbox.js';
import { invalidFrame, Router } from './router.js';
import { Change, handlersHaveRoom, idle, mayHold, mayParse, refusalsFull, type ConnectionState, type EndCause } from './state.js';
import { Sender, type EngineBatchCall } from './sender.js';
import { resultValue } from './values.js';
import { Wire, type EngineFraming, type Outbound } from './wire.js';

export type { ProtocolEngineOptions };

export type { EngineBatchCall, Outbound };

/** The parser is fed at most this much at a time, so it never runs far ahead of the decisions. */
const SLICE_BYTES = 16 * 1024;
const textEncoder = new TextEncoder();

/**
 * `T`: the token a request of ours carries back with its response. `O`: what the engine writes,
 * framed text (`string`), or under framing `'value'` each message's JSON value (`object`); a
 * connection, which runs over either, uses `Outbound` (both).
 */
export class ProtocolEngine<T = unknown, O extends Outbound = string> {
  readonly framing: EngineFraming;
  readonly conventions: Conventions;
  /** Which JSON-RPC this side speaks (see ProtocolEngineOptions.version). */
  readonly version: JsonRpcVersion;
  private readonly ctx: EngineContext<T>;
  private readonly router: Router<T>;
  private readonly wire: Wire;
  private readonly sender: Sender<T>;

  // Input not parsed yet (byte streams), and messages parsed but not routed yet with their sizes.
  private readonly inbox: Inbox;
  private parsed: JsonRpcMessage[] = [];
  private sizes: number[] = [];
  private parsedIndex = 0;
  /** The sizes of the messages in `parsed` past `parsedIndex`. */
  private heldBytes = 0;
  private inputDone = false;
  private endRouted = false;
  /** What the framer said of the end of input, once asked: errors (a message cut off), if any. */
  private endErrors: FrameEvent[] | undefined;

  constructor(options: ProtocolEngineOptions = {}) {
    const checked = checkedOptions(options);
    this.framing = checked.framing;
    this.wire = new Wire(checked.framing, {
      maxMessageBytes: options.maxMessageBytes,
      utf8Length: options.utf8Length,
      natives: options.natives,
    });
    this.version = checked.version;
    this.conventions = conventionsFor(options.conventions, checked);
    this.ctx = new EngineContext<T>(this.wire, this.conventions, checked);
    this.router = new Router(this.ctx);
    this.sender = new Sender(this.ctx, this.wire, this.conventions, this.version);
    this.inbox = new Inbox(checked.limits.maxQueuedBytes + this.wire.maxMessageBytes);
    this.resetParsed();
  }

  // ---- the state and what follows from it -------------------------------------------------------

  /** The connection's state record (read-only: it changes only through the engine). */
  get state(): Readonly<ConnectionState> {
    return this.ctx.record;
  }

  /** The transport may deliver more input now (else it should pause reading). */
  get mayRead(): boolean {
    if (this.inputDone || this.inbox.bytes > 0 || this.parsedIndex < this.parsed.length) return false;
    return mayParse(this.ctx.record, this.ctx.limits);
  }

  /** Handlers have room for one more now (in count and bytes; whether a given message fits depends on its size). */
  get mayStartHandler(): boolean {
    return handlersHaveRoom(this.ctx.record, this.ctx.limits);
  }

  /** Nothing in flight: no handler running, no work queued, no request of ours unanswered. */
  get idle(): boolean {
    return idle(this.ctx.record);
  }

  /** Messages parsed and not routed yet (read ahead of a slot freeing up), and their sizes. */
  get heldMessages(): { readonly count: number; readonly bytes: number } {
    return { count: this.parsed.length - this.parsedIndex, bytes: this.heldBytes };
  }

  /** Input held but not parsed yet, in bytes (what the transport delivered ahead of the decisions). */
  get bufferedBytes(): number {
    return this.wire.bufferedBytes + this.inbox.bytes;
  }

  /** The most input a byte stream may hold unparsed (`maxQueuedBytes + maxMessageBytes`; see inbox.ts). */
  get maxUnparsedBytes(): number {
    return this.inbox.maxBytes;
  }

  // ---- input ------------------------------------------------------------------------------------

  /**
   * The next chunk of input (a whole message on a `'message'` channel), kept until `next()` reads
   * it. For a transport that does not pause when `mayRead` is false, within bounds: a channel's
   * message past what may be held (state.ts `mayHold`) is routed at once with its calls refused
   * (-32001, notifications dropped), and a byte stream past `maxUnparsedBytes` closes the engine
   * (`'input-overflow'`: it cannot refuse part of a frame), as does a channel once those refusals
   * pile up unread (`refusalsFull`).
   */
  receive(chunk: Uint8Array | string): void {
    if (this.inputDone || this.ctx.record.phase !== 'open') return;
    if (this.framing === 'message' || this.framing === 'value') {
      if (this.parsedIndex >= this.parsed.length) this.resetParsed();
      const frame = this.wire.message(chunk);
      const { record, limits } = this.ctx;
      const held = this.parsed.length - this.parsedIndex;
      const size = frame.kind === 'frame' ? frame.text.length : 0;
      if ((held === 0 && mayParse(record, limits)) || mayHold(record, limits, held, this.heldBytes, size)) this.parseFrame(frame);
      else if (!refusalsFull(record, limits)) this.router.routeOverflow(frame.kind === 'frame' ? parseMessage(frame.text) : invalidFrame(frame), size);
      else this.overflowed(overflowOfChannel(limits.maxWriteQueueBytes));
      return;
    }
    const bytes = typeof chunk === 'string' ? textEncoder.encode(chunk) : chunk;
    if (bytes.byteLength > 0 && !this.inbox.push(bytes)) {
      this.overflowed(`the transport delivered more than ${this.maxUnparsedBytes} bytes of input while reading was paused (it does not pause)`);
    }
  }

  /**
   * One whole message of a value channel (framing `'value'`) as the value it arrived as (a
   * structured clone): validated as a value (values.ts), never parsed, then held or refused as
   * `receive()` holds a message, its size the estimate of its JSON text's length.
   */
  receiveValue(value: unknown): void {
    if (this.inputDone || this.ctx.record.phase !== 'open') return;
    if (this.parsedIndex >= this.parsed.length) this.resetParsed();
    const { message, bytes } = this.ctx.readValue(value);
    const { record, limits } = this.ctx;
    const held = this.parsed.length - this.parsedIndex;
    if ((held === 0 && mayParse(record, limits)) || mayHold(record, limits, held, this.heldBytes, bytes)) {
      this.parsed.push(message);
      this.sizes.push(bytes);
      this.heldBytes += bytes;
    } else if (!refusalsFull(record, limits)) {
      this.router.routeOverflow(message, bytes);
    } else {
      this.overflowed(overflowOfChannel(limits.maxWriteQueueBytes));
    }
  }

  /** The input has ended (the remote side will send nothing more); what is held is still read. */
  end(): void {
    this.inputDone = true;
  }

  /**
   * The next thing to do, or undefined when there is nothing to do now (call again after input,
   * an answer, or a change of the write side).
   */
  next(): ProtocolEvent<T, O> | undefined {
    const ctx = this.ctx;
    for (;;) {
      const ready = ctx.take() as ProtocolEvent<T, O> | undefined;
      if (ready !== undefined) return ready;
      if (ctx.record.queued > 0) {
        const work = this.router.startQueued();
        if (work !== undefined) return work;
      }
      const at = this.parsedIndex;
      if (at < this.parsed.length) {
        if (!mayParse(ctx.record, ctx.limits)) return undefined;
        this.parsedIndex = at + 1;
        this.heldBytes -= this.sizes[at]!;
        const event = this.router.route(this.parsed[at]!, this.sizes[at]!) as ProtocolEvent<T, O> | undefined;
        if (event !== undefined) return event;
      } else if (!this.readMore()) {
        return undefined;
      }
    }
  }

  // ---- answering incoming work ------------------------------------------------------------------

  /**
   * A handler ended with `result`: the text to write (null when nothing is to be sent: a
   * notification, a cancelled or abandoned request, a batch entry that does not complete its
   * batch). Throws a TypeError, changing nothing, when `result` has no JSON form.
   */
  respond(work: IncomingRequest | IncomingNotification, result?: unknown): O | null {
    const w = work as unknown as Work;
    if (!w.running) return null;
    if (w.kind !== 'request' || w.answered) return this.router.finish(w, null) as O | null;
    const id = w.id as JsonRpcId;
    // On a value channel an answer is built as its value, but a batch's are joined as text (wire.ts).
    const answer = w.v1 ? encodeResultV1(id, result) : this.wire.values && w.batch === undefined ? resultValue(id, result) : encodeResult(id, result);
    return this.router.finish(w, answer) as O | null;
  }

  /** A handler failed with `error`: the text to write (null as for `respond()`). Never throws. */
  respondError(work: IncomingRequest | IncomingNotification, error: JsonRpcException | JsonRpcErrorObject): O | null {
    const w = work as unknown as Work;
    if (!w.running) return null;
    return this.router.finish(w, w.kind === 'request' && !w.answered ? errorJson(w.id as JsonRpcId, error, w.v1) : null) as O | null;
  }

  /**
   * A progress notification for a running request, per the conventions, to the token the request
   * carries; null when it carries none, is answered already, or the conventions have no progress.
   */
  progress(work: IncomingRequest, value: unknown): O | null {
    const w = work as unknown as Work;
    const convention = this.conventions.progress;
    if (convention === undefined || w.kind !== 'request' || w.answered || !this.ctx.maySend()) return null;
    const token = this.ctx.contain(() => convention.tokenOf(w.params));
    return token === undefined ? null : this.notify(convention.method, convention.write(token, value));
  }

  /**
   * Cancels the incoming request `id` as if the conventions' cancel had arrived: queued, it is
   * dropped; running, it is marked answered (the `'cancel'` event tells the connection to abort
   * it). Answered -32800 unless the conventions say cancelled requests are not answered. The
   * events follow from `next()`. False when no such request is in flight.
   */
  cancelIncoming(id: string | number, reason?: string): boolean {
    const before = this.ctx.readyCount;
    const event = this.router.cancel(id, reason, false);
    if (event.request === undefined) return false;
    this.ctx.pushAhead(event, this.ctx.readyCount - before);
    return true;
  }

  // ---- outgoing ---------------------------------------------------------------------------------

  /**
   * A request with a fresh id, framed. `token` comes back with its response. `withProgress` adds a
   * progress token (its id) to params where the conventions carry one, when params have none.
   * Throws a TypeError for params with no JSON form, and an Error once input has ended or closing
   * began (no response could be read).
   */
  request(method: string, params?: JsonRpcParams, token?: T, withProgress = false): { id: number; text: O } {
    return this.sender.request(method, params, token, withProgress) as { id: number; text: O };
  }

  /** A notification, framed. Throws a TypeError for params with no JSON form, an Error once closing. */
  notify(method: string, params?: JsonRpcParams): O {
    return this.sender.notify(method, params) as O;
  }

  /** Several calls as one batch frame; `ids` has each request's id, in order. */
  batch(calls: readonly EngineBatchCall<T>[]): { ids: number[]; text: O } {
    return this.sender.batch(calls) as { ids: number[]; text: O };
  }

  /**
   * Stops waiting for request `id` (timed out, aborted). Returns the conventions' cancel
   * notification to send, or null (no such request, or the conventions have no cancel).
   */
  cancel(id: number, reason?: string): O | null {
    return this.sender.cancel(id, reason) as O | null;
  }

  /** Progress notifications for `progressToken` come out as `'progress'` events with `token`. */
  watchProgress(progressToken: ProgressToken, token: T): void {
    this.ctx.outgoing.watch(progressToken, token);
  }

  unwatchProgress(progressToken: ProgressToken): boolean {
    return this.ctx.outgoing.unwatch(progressToken);
  }

  /** Text as UTF-8 bytes, for transports that write bytes (framed text encodes to the framed bytes). */
  encode(text: string): Uint8Array {
    return textEncoder.encode(text);
  }

  // ---- the write side and the life cycle --------------------------------------------------------

  /** The transport is over its high-water mark (true) or drained (false). */
  setWriteBlocked(blocked: boolean): void {
    if (blocked !== this.ctx.record.writeBlocked) this.ctx.apply(blocked ? Change.WriteBlocked : Change.WriteUnblocked, 0);
  }

  /**
   * Stops the protocol: nothing more is parsed, started or sent; a `'closing'` event hands back
   * what was in flight. `cause` says why (default: closed locally). Idempotent.
   */
  close(cause: EndCause = 'closed-locally'): void {
    this.ctx.apply(Change.Close, 0, cause);
    this.inbox.clear();
    this.resetParsed();
  }

  /** The transport is released: the phase becomes `'closed'`. */
  released(): void {
    this.ctx.apply(Change.Released, 0);
  }

  // ---- internals --------------------------------------------------------------------------------

  /** Parses one frame into `parsed`, its size its text's length. */
  private parseFrame(frame: FrameEvent): void {
    if (frame.kind === 'frame') {
      this.parsed.push(this.version === '2.0' ? parseMessage(frame.text) : this.ctx.parseVersioned(frame.text));
      this.sizes.push(frame.text.length);
      this.heldBytes += frame.text.length;
      return;
    }
    const invalid = invalidFrame(frame);
    if (this.version === '1.0') this.ctx.markV1(invalid);
    this.parsed.push(invalid);
    this.sizes.push(0);
  }

  private resetParsed(): void {
    this.parsed = [];
    this.sizes = [];
    this.parsedIndex = 0;
    this.heldBytes = 0;
  }

  /** More input than may be held: the engine closes, saying why. */
  private overflowed(why: string): void {
    this.ctx.apply(Change.Close, 0, 'input-overflow', `Input overflow: ${why}`);
    this.inbox.clear();
    this.resetParsed();
  }

  /** Feeds the framer one more slice, or routes the end of input. False when there is nothing to read. */
  private readMore(): boolean {
    if (this.inbox.bytes > 0) {
      if (!mayParse(this.ctx.record, this.ctx.limits)) return false;
      const slice = this.inbox.take(SLICE_BYTES);
      // A slice's frames are all parsed at once, then routed one by one: JSON.parse run over many
      // messages in a row, apart from the encoding of answers, costs less per message.
      const frames = this.wire.push(slice);
      if (frames.length === 0) return true;
      this.resetParsed();
      for (let i = 0; i < frames.length; i++) this.parseFrame(frames[i]!);
      return true;
    }
    if (!this.inputDone || this.endRouted || this.ctx.record.phase !== 'open') return false;
    if (this.endErrors === undefined) {
      // The end of input may complete a frame (a top-level number in json-stream): it is routed
      // like any other, before the end itself.
      const tail = this.wire.end();
      this.endErrors = tail.filter((event) => event.kind === 'error');
      if (this.endErrors.length < tail.length) {
        this.resetParsed();
        for (const event of tail) if (event.kind === 'frame') this.parseFrame(event);
        return true;
      }
    }
    this.endRouted = true;
    this.router.routeEnd(this.endErrors);
    return true;
  }
}

function overflowOfChannel(maxWriteQueueBytes: number): string {
  return `the remote side kept sending past the queue's bounds, reading none of ${maxWriteQueueBytes} bytes of answers (the channel does not pause)`;
}
