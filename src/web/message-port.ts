/**
 * `connectMessagePort(port, options)`: a connection over anything with `postMessage`: a
 * `MessagePort`, a `Worker` (and, inside one, `self`), Node's `worker_threads` `MessagePort`,
 * `parentPort` and `Worker`. One message per `postMessage`.
 *
 * ```ts
 * const worker = new Worker(new URL('./server.js', import.meta.url), { type: 'module' });
 * const connection = connectMessagePort(worker);
 * await connection.request('add', [1, 2]);
 * ```
 *
 * What is posted: by default each message as a structured-clone object (what vscode-jsonrpc's
 * browser build posts and expects), or with `messageFormat: 'json'` as its JSON text. What
 * arrives may be either (and UTF-8 JSON bytes): text is parsed, and an object is read as the
 * value it is, with no JSON text made of it (src/protocol/values.ts: it is checked to be a JSON
 * value; a Date, a BigInt, a Map, undefined or a cycle in it is refused as the spec says).
 *
 * Listening: an endpoint with `on()` (Node's EventEmitter style, which `worker_threads.Worker` has
 * and `addEventListener` lacks) is listened to with it and gets the message itself; otherwise
 * `addEventListener('message')` and the event's `data` (browsers, Deno, Bun), then `start()`.
 *
 * Back pressure: a port cannot be paused nor does it say how much it holds, so `pause()` does
 * nothing and `send()` never waits; the connection's bounds (`maxQueuedMessages`,
 * `maxQueuedBytes`) limit what it keeps of what arrives meanwhile.
 *
 * The end: Node ports and recent browsers fire `close` when either side closes; a Node `Worker`
 * fires `exit`. Either ends the input and the output. A `Worker`'s `error` (an uncaught exception
 * inside it) fails the connection. `close()` closes the endpoint only when it is a `MessagePort`
 * (a Worker is terminated by its owner; `self.close()` would end the worker itself).
 */
import { createConnection, type ConnectionOptions, type JsonRpcConnection } from '../connection/connection.js';
import type { MessageChannelTransport, TransportEvents, ValueChannelTransport } from '../connection/transport.js';
import type { MethodTable, UntypedMethods } from '../dispatch/types.js';

/** How each outgoing message is posted: a structured-clone object, or its JSON text. */
export type MessageFormat = 'object' | 'json';

/** What a `MessagePort`-like endpoint must offer: `postMessage`, and `on` or `addEventListener`. */
export interface MessageEndpoint {
  postMessage(message: unknown): void;
  /** Node's EventEmitter style: the listener gets the message (or the error, or the exit code). */
  on?(event: string, listener: (value: unknown) => void): unknown;
  off?(event: string, listener: (value: unknown) => void): unknown;
  /** The DOM style: the listener gets an event whose `data` is the message (a MessageEvent). */
  addEventListener?(type: string, listener: (event: Event) => void): void;
  removeEventListener?(type: string, listener: (event: Event) => void): void;
  /** A DOM `MessagePort` delivers nothing to `addEventListener` listeners until started. */
  start?(): void;
  close?(): void;
}

/** The part of a DOM `MessageEvent` / `ErrorEvent` read here. */
interface EndpointEvent {
  readonly data?: unknown;
  readonly error?: unknown;
  readonly message?: string;
}

export interface MessagePortOptions<L extends MethodTable<L> = UntypedMethods> extends ConnectionOptions<L> {
  /** `'object'` (default): post structured-clone objects, as vscode-jsonrpc does; `'json'`: post JSON text. */
  messageFormat?: MessageFormat;
}

type Listener = (value: unknown) => void;

/** Listening to a `MessagePort`-like endpoint, its end and its release: what both formats share. */
abstract class PortTransport {
  protected readonly endpoint: MessageEndpoint;
  private readonly listening: [event: string, listener: Listener][] = [];
  private events: TransportEvents | undefined;
  private ended = false;
  private released = false;

  constructor(endpoint: MessageEndpoint) {
    if (endpoint === null || typeof endpoint !== 'object' || typeof endpoint.postMessage !== 'function') {
      throw new TypeError('connectMessagePort() needs an object with postMessage() (a MessagePort, a Worker, parentPort)');
    }
    if (typeof endpoint.on !== 'function' && typeof endpoint.addEventListener !== 'function') {
      throw new TypeError('connectMessagePort() needs an endpoint with on() or addEventListener() to hear messages');
    }
    this.endpoint = endpoint;
  }

  start(events: TransportEvents): void {
    this.events = events;
    const viaEvents = typeof this.endpoint.on !== 'function';
    this.listen('message', viaEvents ? (event) => this.onMessage((event as EndpointEvent).data) : this.onMessage);
    this.listen('close', this.onClose);
    this.listen('exit', this.onClose);
    this.listen('error', viaEvents ? (event) => this.onError(errorOf(event as EndpointEvent)) : this.onError);
    if (viaEvents) this.endpoint.start?.();
  }

  pause(): void {}

  resume(): void {}

  close(_graceful: boolean): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    this.unlisten();
    // postMessage hands each message over at once: nothing is left to flush.
    if (typeof MessagePort === 'function' && this.endpoint instanceof MessagePort) this.endpoint.close();
    return Promise.resolve();
  }

  private listen(event: string, listener: Listener): void {
    const endpoint = this.endpoint;
    if (typeof endpoint.on === 'function') endpoint.on(event, listener);
    else endpoint.addEventListener!(event, listener as (event: Event) => void);
    this.listening.push([event, listener]);
  }

  private unlisten(): void {
    const endpoint = this.endpoint;
    for (const [event, listener] of this.listening.splice(0)) {
      if (typeof endpoint.on === 'function') endpoint.off?.(event, listener);
      else endpoint.removeEventListener?.(event, listener as (event: Event) => void);
    }
  }

  /**
   * Whatever arrives, in either format: text and UTF-8 bytes as JSON text; anything else as the
   * value it is, which the connection checks as a value (a BigInt, a Date, a cycle: refused).
   */
  private readonly onMessage = (data: unknown): void => {
    const events = this.events;
    if (this.released || this.ended || events === undefined) return;
    if (typeof data === 'string' || data instanceof Uint8Array) events.data(data);
    else if (data instanceof ArrayBuffer) events.data(new Uint8Array(data));
    else events.value(data);
  };

  private readonly onClose = (): void => {
    if (this.released || this.ended) return;
    this.ended = true;
    this.events?.end();
    this.events?.writeClosed();
  };

  private readonly onError = (error: unknown): void => {
    if (this.released) return;
    this.events?.error(error instanceof Error ? error : new Error(`The endpoint failed: ${String(error)}`));
  };
}

/** A value channel over a `MessagePort`-like endpoint (`messageFormat: 'object'`): each message posted as its JSON value. */
export class MessagePortTransport extends PortTransport implements ValueChannelTransport {
  readonly kind = 'values';

  send(message: object): boolean {
    // Made for this send (a fresh JSON value): posted as it is. Posting to a closed port drops it silently.
    this.endpoint.postMessage(message);
    return true;
  }
}

/** A message channel over a `MessagePort`-like endpoint (`messageFormat: 'json'`): each message posted as its JSON text. */
export class MessagePortTextTransport extends PortTransport implements MessageChannelTransport {
  readonly kind = 'messages';

  send(json: string): boolean {
    this.endpoint.postMessage(json);
    return true;
  }
}

function errorOf(event: EndpointEvent): unknown {
  if (event.error !== undefined && event.error !== null) return event.error;
  return new Error(`The worker failed${event.message ? `: ${event.message}` : ''}`);
}

/** Runs a connection over a `MessagePort`-like endpoint. `R` is the remote side's method table, `L` this side's. */
export function connectMessagePort<R extends MethodTable<R> = UntypedMethods, L extends MethodTable<L> = UntypedMethods>(
  endpoint: MessageEndpoint,
  options: MessagePortOptions<L> = {},
): JsonRpcConnection<R> {
  const { messageFormat = 'object', ...rest } = options;
  if (messageFormat !== 'object' && messageFormat !== 'json') {
    throw new RangeError(`messageFormat must be 'object' or 'json', got ${String(messageFormat)}`);
  }
  const transport = messageFormat === 'json' ? new MessagePortTextTransport(endpoint) : new MessagePortTransport(endpoint);
  return createConnection<R, L>(transport, rest);
}
