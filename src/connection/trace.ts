/**
 * The `trace` connection option: every message the connection reads or writes, as it crosses the
 * transport, handed to a callback with its direction, time and size, and for a response the method
 * and latency of the request it answers (`redact` first rewrites what the callback sees).
 *
 * It watches the transport, not the protocol: `traceTransport()` puts a transport of the same kind
 * in front of the real one that copies each chunk to a `WireTrace` on its way. A `WireTrace` has a
 * framer per direction (the connection's framing, read the same way) and parses each frame again,
 * so what is traced is exactly what crossed, garbage included (with the framer's explanation);
 * nothing of it costs anything when the option is not given. Events are delivered in the order the
 * bytes crossed, in a microtask after they did, so a callback never runs inside a write of the
 * connection's and can call the connection freely.
 */
import { AutoFramer, createFramer } from '../framing/index.js';
import type { Framer, FramingName } from '../framing/types.js';
import { utf8ByteLength } from '../framing/utf8.js';
import {
  parseErrorMessage,
  validateMessage,
  type JsonRpcId,
  type JsonRpcInvalidMessage,
  type JsonRpcMessage,
  type JsonRpcSingleMessage,
} from '../parser/messages.js';
import { validateSingleV1, validateVersioned, versionOf, type JsonRpcVersion } from '../parser/v1.js';
import { readValue } from '../protocol/values.js';
import { callGuarded, type Report } from './guard.js';
import { latencySince, SeenRequests } from './seen-requests.js';
import { runSoon } from './soon.js';
import type { Transport, TransportEvents } from './transport.js';

/** `'in'`: read from the transport; `'out'`: written to it. */
export type TraceDirection = 'in' | 'out';

/** What a trace event, and a line of tap's log (src/cli/log-format.ts), say of one message. */
export interface MessageFacts {
  readonly id?: JsonRpcId;
  /** A request's or notification's method; on a response, the method of the request it answers. */
  readonly method?: string;
  /** On a response: milliseconds between its request crossing and it crossing. */
  readonly latencyMs?: number;
  /** On an error response: its code. */
  readonly errorCode?: number;
  /** On a response whose id matches no request seen (or one forgotten past MAX_SEEN_REQUESTS). */
  readonly unmatched?: true;
  /** Position of an entry in a batch of `of` messages. */
  readonly batch?: { readonly index: number; readonly of: number };
  /** On `invalid` and `unreadable`: why. */
  readonly problem?: string;
  /** On `invalid`: its text, cut at MAX_INVALID_TEXT characters (absent when redacting). */
  readonly text?: string;
  /** The message's JSON value (redacted when asked to; absent on `invalid` and `unreadable`). */
  readonly message?: unknown;
}

/** One message that crossed the transport (a batch gives one event per entry). */
export interface TraceEvent extends MessageFacts {
  readonly direction: TraceDirection;
  /** When the bytes that completed it crossed: milliseconds since the epoch, with a fraction. */
  readonly timestamp: number;
  /**
   * `'invalid'`: JSON that is not a JSON-RPC message, or not JSON; `'unreadable'`: bytes the framer
   * could not cut into messages (another framing, stray output, a message cut off at the end).
   */
  readonly kind: 'request' | 'notification' | 'response' | 'invalid' | 'unreadable';
  /** Bytes of the message's JSON text in UTF-8, framing excluded (a batch's whole text on its first entry, 0 on the rest). */
  readonly bytes: number;
  /** The framing it was read in (with `'auto'`, the one detected; `'message'` on a message channel). */
  readonly framing: FramingName | 'message';
}

/** What `traceTransport()` needs of the connection's options. */
export interface TraceOptions {
  /** Called with every message in and out. What it throws (or rejects with) is reported, never raised. */
  readonly trace?: (event: TraceEvent) => void;
  /**
   * Called with each message's JSON value (each entry of a batch) before anything is traced; what
   * it returns is traced instead. When it throws, the event carries no message (reported too).
   */
  readonly redact?: (message: unknown) => unknown;
  readonly framing?: FramingName;
  readonly maxMessageBytes?: number;
  readonly utf8Length?: (text: string) => number;
  readonly version?: JsonRpcVersion;
}

/** Characters of an invalid message's text kept in its event. */
export const MAX_INVALID_TEXT = 1024;

/**
 * `transport`, or when `options.trace` is given a transport in front of it that traces. `report`
 * hears about a failing `trace` or `redact` callback (with the callback's name).
 */
export function traceTransport(transport: Transport, options: TraceOptions, report: (error: unknown, callback: string) => void): Transport {
  const { trace, redact } = options;
  if (trace === undefined) return transport;
  if (typeof trace !== 'function') throw new TypeError(`trace must be a function, got ${typeof trace}`);
  if (redact !== undefined && typeof redact !== 'function') throw new TypeError(`redact must be a function, got ${typeof redact}`);
  const wire = new WireTrace(transport.kind === 'bytes' ? (options.framing ?? 'newline') : 'message', {
    deliver: (event) => callGuarded(trace, [event], (error) => report(error, 'trace')),
    redact,
    redactFailed: (error) => report(error, 'redact'),
    maxMessageBytes: options.maxMessageBytes,
    utf8Length: options.utf8Length,
    version: options.version,
  });
  const watch = (events: TransportEvents): TransportEvents => ({
    ...events,
    data: (chunk) => {
      wire.observe('in', chunk);
      events.data(chunk);
    },
    value: (message) => {
      wire.observeValue('in', message);
      events.value(message);
    },
    end: () => {
      wire.end('in');
      events.end();
    },
  });
  // The real transport's members, called on it (it keeps its own state).
  const common = {
    start: (events: TransportEvents) => transport.start(watch(events)),
    pause: () => transport.pause(),
    resume: () => transport.resume(),
    close: (graceful: boolean) => transport.close(graceful),
    ...(transport.describeEnd === undefined ? {} : { describeEnd: () => transport.describeEnd!() }),
  };
  if (transport.kind === 'messages') {
    // Traced once handed over: a send or write that throws sent nothing.
    const send = (json: string): boolean => {
      const ok = transport.send(json);
      wire.observe('out', json);
      return ok;
    };
    return { kind: 'messages', ...common, send };
  }
  if (transport.kind === 'values') {
    const send = (message: object): boolean => {
      const ok = transport.send(message);
      wire.observeValue('out', message);
      return ok;
    };
    return { kind: 'values', ...common, send };
  }
  const write = (chunk: string | Uint8Array): boolean => {
    const ok = transport.write(chunk);
    wire.observe('out', chunk);
    return ok;
  };
  return { kind: 'bytes', ...common, write };
}

interface WireTraceHooks {
  deliver(event: TraceEvent): void;
  redact: ((value: unknown) => unknown) | undefined;
  redactFailed(error: unknown): void;
  maxMessageBytes: number | undefined;
  utf8Length: ((text: string) => number) | undefined;
  /** The connection's JSON-RPC version: 1.0 messages are traced as what they are, not as invalid 2.0. */
  version?: JsonRpcVersion;
}

/** An event being filled in. */
type Draft = { -readonly [K in keyof TraceEvent]: TraceEvent[K] };

/** `chunk` null: the direction ended; `value`: a value channel's message (chunk then unused). */
type Crossing = { dir: TraceDirection; chunk: string | Uint8Array | null; time: number; value?: { readonly message: unknown } };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Chunks of a wire in both directions in, `TraceEvent`s out (in crossing order, a microtask later). */
export class WireTrace {
  private readonly framers: Record<TraceDirection, Framer> | undefined;
  /** Requests seen by the direction they went. */
  private readonly seen: Record<TraceDirection, SeenRequests> = { in: new SeenRequests(), out: new SeenRequests() };
  private readonly utf8Length: (text: string) => number;
  /** Chunks crossed since the last delivery (null: the direction ended). */
  private crossed: Crossing[] = [];
  private readonly deliverNow = (): void => this.deliverCrossed();

  constructor(
    framing: FramingName | 'message',
    private readonly hooks: WireTraceHooks,
  ) {
    const limits = { maxMessageBytes: hooks.maxMessageBytes };
    this.framers = framing === 'message' ? undefined : { in: createFramer(framing, limits), out: createFramer(framing, limits) };
    this.utf8Length = hooks.utf8Length ?? utf8ByteLength;
  }

  /** A chunk (a message, on a channel) crossed in `dir` now. */
  observe(dir: TraceDirection, chunk: string | Uint8Array): void {
    this.cross({ dir, chunk, time: performance.timeOrigin + performance.now() });
  }

  /** A value channel's message crossed in `dir` now (read as the connection reads it: values.ts). */
  observeValue(dir: TraceDirection, message: unknown): void {
    this.cross({ dir, chunk: null, time: performance.timeOrigin + performance.now(), value: { message } });
  }

  /** Nothing more will cross in `dir`. */
  end(dir: TraceDirection): void {
    this.cross({ dir, chunk: null, time: performance.timeOrigin + performance.now() });
  }

  private cross(crossing: Crossing): void {
    if (this.crossed.push(crossing) === 1) runSoon(this.deliverNow);
  }

  private deliverCrossed(): void {
    const crossed = this.crossed;
    this.crossed = [];
    for (const { dir, chunk, time, value } of crossed) {
      if (value !== undefined) {
        this.value(dir, value.message, time);
        continue;
      }
      const framer = this.framers?.[dir];
      if (framer === undefined) {
        if (chunk !== null) this.frame(dir, typeof chunk === 'string' ? chunk : decoder.decode(chunk), time, 'message');
        continue;
      }
      const events = chunk === null ? framer.end() : framer.push(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      const framing = framer instanceof AutoFramer ? (framer.detected ?? 'auto') : framer.name;
      for (const event of events) {
        if (event.kind === 'frame') this.frame(dir, event.text, time, framing);
        else this.hooks.deliver({ direction: dir, timestamp: time, kind: 'unreadable', bytes: 0, framing, problem: event.error.message });
      }
    }
  }

  private frame(dir: TraceDirection, text: string, time: number, framing: FramingName | 'message'): void {
    // Parsed once: the value is both what is validated and what is traced.
    let value: unknown;
    let message: JsonRpcMessage;
    try {
      value = JSON.parse(text);
      const version = this.hooks.version;
      message = version === undefined || version === '2.0' ? validateMessage(value) : validateVersioned(value, version).message;
    } catch (err) {
      message = parseErrorMessage(err instanceof Error ? err.message : String(err));
    }
    this.deliverMessage(dir, time, framing, message, value, text, this.utf8Length(text));
  }

  /** A value channel's message: its size the estimate of its JSON text's length. */
  private value(dir: TraceDirection, value: unknown, time: number): void {
    const version = this.hooks.version ?? '2.0';
    const maxBytes = this.hooks.maxMessageBytes ?? Infinity;
    const v1 = version !== '2.0' && versionOf(value, version) === '1.0' && !Array.isArray(value);
    const { message, bytes } = readValue(value, maxBytes, v1 ? validateSingleV1 : undefined);
    // Text is shown only for an invalid message (a batch's entries get theirs in deliverMessage).
    const invalid = message.kind === 'invalid' || message.kind === 'invalidResponse';
    this.deliverMessage(dir, time, 'message', message, value, invalid ? textOf(value) : '', bytes);
  }

  /** Delivers the events of one message (one per entry of a batch), `text` and `value` its JSON text and value. */
  private deliverMessage(
    dir: TraceDirection,
    time: number,
    framing: FramingName | 'message',
    message: JsonRpcMessage,
    value: unknown,
    text: string,
    bytes: number,
  ): void {
    if (message.kind !== 'batch') {
      this.hooks.deliver(this.event({ direction: dir, timestamp: time, kind: 'invalid', bytes, framing }, message, text, value));
      return;
    }
    const entries = value as unknown[];
    message.messages.forEach((entry, index) => {
      const event: Draft = { direction: dir, timestamp: time, kind: 'invalid', bytes: index === 0 ? bytes : 0, framing, batch: { index, of: entries.length } };
      const invalid = entry.kind === 'invalid' || entry.kind === 'invalidResponse';
      this.hooks.deliver(this.event(event, entry, invalid ? textOf(entries[index]) : '', entries[index]));
    });
  }

  /** Completes `event` (direction, time, size and framing set) for `message`, whose text and value these are. */
  private event(event: Draft, message: JsonRpcSingleMessage, text: string, value: unknown): TraceEvent {
    event.kind = message.kind === 'invalidResponse' ? 'invalid' : message.kind;
    switch (message.kind) {
      case 'request':
        this.seen[event.direction].add(message.id, message.method, event.timestamp);
        event.id = message.id;
        event.method = message.method;
        event.message = this.shown(value);
        break;
      case 'notification':
        event.method = message.method;
        event.message = this.shown(value);
        break;
      case 'response':
        event.id = message.id;
        this.pair(event, message.id);
        if (!message.isSuccess) event.errorCode = message.error.code;
        event.message = this.shown(value);
        break;
      case 'invalidResponse':
        // Shaped like a response: it settles the request with its id, so it is paired like one.
        event.id = message.id;
        this.pair(event, message.id);
        event.problem = `Invalid response: ${message.problem}`;
        if (this.hooks.redact === undefined) event.text = invalidText(text);
        break;
      case 'invalid':
        if (message.id !== null) event.id = message.id;
        event.problem = invalidProblem(message);
        // Its text could hold anything: none with `redact`.
        if (this.hooks.redact === undefined) event.text = invalidText(text);
        break;
    }
    return event;
  }

  /** Tells a response's event which request it answers (its method and latency), or that there was none. */
  private pair(event: Draft, id: JsonRpcId): void {
    const request = id === null ? undefined : this.seen[event.direction === 'in' ? 'out' : 'in'].take(id);
    if (request === undefined) {
      event.unmatched = true;
      return;
    }
    event.method = request.method;
    event.latencyMs = latencySince(request, event.timestamp);
  }

  /** The message as traced: its value, through `redact` when given (undefined when that throws). */
  private shown(value: unknown): unknown {
    const redact = this.hooks.redact;
    if (redact === undefined) return value;
    try {
      return redact(value);
    } catch (error) {
      this.hooks.redactFailed(error);
      return undefined;
    }
  }
}

/** A value's JSON text, for an invalid message's event ('' when it has none). */
function textOf(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/** Why an invalid message is not a JSON-RPC message: the error's message, and its reason when it has one. */
export function invalidProblem(message: JsonRpcInvalidMessage): string {
  const reason = (message.error.data as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' ? `${message.error.message}: ${reason}` : message.error.message;
}

/** An invalid message's text as an event (or a tap log line) keeps it: at most MAX_INVALID_TEXT characters. */
export function invalidText(text: string): string {
  return text.length > MAX_INVALID_TEXT ? `${text.slice(0, MAX_INVALID_TEXT)}...` : text;
}
