/**
 * What the engine's two halves share: the state record and the one function that changes it, the
 * tables of calls in flight both ways, the codec, and the queue of events `next()` returns.
 * `ProtocolEngine` (engine.ts) reads input and sends; `Router` (router.ts) interprets what was read.
 */
import {
  JsonRpcInternalError,
  type JsonRpcErrorObject,
  type JsonRpcException,
} from '../parser/errors.js';
import { encodeError, type JsonRpcId, type JsonRpcMessage } from '../parser/messages.js';
import { encodeErrorV1, parseVersioned, validateSingleV1, validateVersioned, versionOf, type JsonRpcVersion } from '../parser/v1.js';
import type { IncomingBatch } from './batch.js';
import type { Conventions } from './conventions.js';
import type { IncomingRequest, ProtocolEvent } from './events.js';
import { InFlight } from './incoming.js';
import type { CheckedOptions } from './options.js';
import { Outgoing } from './outgoing.js';
import { Change, initialState, update, type ConnectionState, type EndCause, type Limits } from './state.js';
import { readValue, type ValueRead } from './values.js';
import type { Outbound, Wire } from './wire.js';

export class EngineContext<T> {
  readonly record: ConnectionState = initialState();
  readonly limits: Limits;
  readonly maxBatchSize: number;
  readonly sequential: ((method: string) => boolean) | undefined;
  readonly inFlight: InFlight;
  readonly outgoing = new Outgoing<T>();
  /** Events produced but not returned by `next()` yet, oldest first (a FIFO with a moving head). */
  private ready: ProtocolEvent<T, Outbound>[] = [];
  /**
   * The incoming messages read as JSON-RPC 1.0 (answered in 1.0's form); only under version
   * `'1.0'` or `'both'`, so under `'2.0'` asking costs one comparison.
   */
  private readonly v1Messages: WeakSet<JsonRpcMessage> | undefined;
  private readonly version: JsonRpcVersion;
  private readyHead = 0;

  constructor(
    readonly wire: Wire,
    readonly conventions: Conventions,
    options: CheckedOptions,
  ) {
    this.limits = options.limits;
    this.maxBatchSize = options.maxBatchSize;
    this.sequential = options.sequential;
    this.inFlight = new InFlight(conventions.earlyCancelMemory);
    this.version = options.version;
    this.v1Messages = options.version === '2.0' ? undefined : new WeakSet();
  }

  /** A frame's text read under version `'1.0'` or `'both'`; a 1.0 message is marked to be answered in 1.0. */
  parseVersioned(text: string): JsonRpcMessage {
    const { message, version } = parseVersioned(text, this.version);
    if (version === '1.0') this.markV1(message);
    return message;
  }

  /** A message of a value channel read (values.ts) in the version it speaks; a 1.0 message is marked. */
  readValue(value: unknown): ValueRead {
    const maxBytes = this.wire.maxMessageBytes;
    if (this.version === '2.0' || versionOf(value, this.version) === '2.0') return readValue(value, maxBytes);
    // JSON-RPC 1.0 has no batches: an array is what validateVersioned says of it.
    const read = Array.isArray(value) ? { message: validateVersioned(value, '1.0').message, bytes: 0 } : readValue(value, maxBytes, validateSingleV1);
    this.markV1(read.message);
    return read;
  }

  markV1(message: JsonRpcMessage): void {
    this.v1Messages?.add(message);
  }

  /** `message` was read as JSON-RPC 1.0. */
  isV1(message: JsonRpcMessage): boolean {
    return this.v1Messages !== undefined && this.v1Messages.has(message);
  }

  /**
   * The one way the engine changes the state: the record (state.ts's `update`), then what a new
   * phase brings. Entering `'closing'` hands back everything in flight in a `'closing'` event
   * (with `detail`, when the engine closes itself and says why in words).
   */
  apply(change: Change, bytes: number, cause?: EndCause, detail?: string): void {
    const before = this.record.phase;
    update(this.record, change, bytes, cause);
    if (this.record.phase === 'closing' && before !== 'closing') this.closingBegan(detail);
  }

  /**
   * The phase just became `'closing'`: everything in flight is handed back. (Apart from `apply`,
   * which runs several times per message: small, it is inlined by the JIT.)
   */
  private closingBegan(detail: string | undefined): void {
    const unanswered = this.outgoing.takeAll();
    const abandoned = this.inFlight.clear() as unknown as IncomingRequest[];
    const event = { kind: 'closing', cause: this.record.endCause!, unanswered, abandoned } as const;
    this.push(detail === undefined ? event : { ...event, detail });
  }

  /** Answers may still be written (also once the input has ended). */
  maySend(): boolean {
    return this.record.phase === 'open' || this.record.phase === 'inputEnded';
  }

  // ---- the event queue --------------------------------------------------------------------------

  get readyCount(): number {
    return this.ready.length - this.readyHead;
  }

  push(event: ProtocolEvent<T, Outbound>): void {
    this.ready.push(event);
  }

  /** Inserts `event` ahead of the last `after` events (the replies it caused come after it). */
  pushAhead(event: ProtocolEvent<T, Outbound>, after: number): void {
    if (after === 0) this.ready.push(event);
    else this.ready.splice(this.ready.length - after, 0, event);
  }

  take(): ProtocolEvent<T, Outbound> | undefined {
    if (this.readyHead === this.ready.length) return undefined;
    const event = this.ready[this.readyHead]!;
    this.ready[this.readyHead++] = undefined as unknown as ProtocolEvent<T, Outbound>;
    if (this.readyHead === this.ready.length) {
      this.ready = [];
      this.readyHead = 0;
    }
    return event;
  }

  // ---- answers the engine makes itself ----------------------------------------------------------

  /** Into its batch (written when that completes), or a `'reply'` now. */
  answer(batch: IncomingBatch | undefined, json: string | null, slot: number): void {
    this.reply(batch === undefined ? json : batch.answer(json, slot));
  }

  reply(json: string | null): void {
    if (json === null || !this.maySend()) return;
    const text = this.wire.frame(json);
    this.push({ kind: 'reply', text });
    // Counted in UTF-8 bytes only while the output is blocked (they wait then): off the hot path.
    this.apply(Change.Replied, this.record.writeBlocked ? this.wire.size(text) : 0);
  }

  /** Runs user code the engine calls (custom conventions); a throw is reported and undefined returned. */
  contain<R>(fn: () => R | undefined): R | undefined {
    try {
      return fn();
    } catch (error) {
      this.push({ kind: 'callbackError', callback: 'conventions', error });
      return undefined;
    }
  }
}

/**
 * An error response's JSON (in 1.0's form when `v1`); an error whose `data` has no JSON form is
 * sent as a bare -32603.
 */
export function errorJson(id: JsonRpcId, error: JsonRpcException | JsonRpcErrorObject, v1 = false): string {
  const encode = v1 ? encodeErrorV1 : encodeError;
  try {
    return encode(id, error);
  } catch {
    return encode(id, new JsonRpcInternalError());
  }
}
