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
 * arrives may be either (and UTF-8 JSON bytes): an object is turned back into JSON text for the
 * connection, which parses and checks every message the same way, whatever carried it.
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
import type { MessageChannelTransport, TransportEvents } from '../connection/transport.js';
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

export class MessagePortTransport implements MessageChannelTransport {
  readonly kind = 'messages';
  private readonly endpoint: MessageEndpoint;
  private readonly asText: boolean;
  private readonly listening: [event: string, listener: Listener][] = [];
  private events: TransportEvents | undefined;
  private ended = false;
  private released = false;

  constructor(endpoint: MessageEndpoint, messageFormat: MessageFormat = 'object') {
    if (endpoint === null || typeof endpoint !== 'object' || typeof endpoint.postMessage !== 'function') {
      throw new TypeError('connectMessagePort() needs an object with postMessage() (a MessagePort, a Worker, parentPort)');
    }
    if (typeof endpoint.on !== 'function' && typeof endpoint.addEventListener !== 'function') {
      throw new TypeError('connectMessagePort() needs an endpoint with on() or addEventListener() to hear messages');
    }
    if (messageFormat !== 'object' && messageFormat !== 'json') {
      throw new RangeError(`messageFormat must be 'object' or 'json', got ${String(messageFormat)}`);
    }
    this.endpoint = endpoint;
    this.asText = messageFormat === 'json';
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

  send(json: string): boolean {
    // JSON.parse of our own text cannot fail; posting to a closed port drops the message silently.
    this.endpoint.postMessage(this.asText ? json : JSON.parse(json));
    return true;
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

  private readonly onMessage = (data: unknown): void => {
    if (this.released || this.ended) return;
    this.events?.data(messageText(data));
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

/**
 * An incoming message as the connection reads it: text and bytes as they are, anything else as
 * its JSON text. A value with no JSON form (a BigInt, a cycle: structured clone carries them)
 * becomes text that is not JSON, which the connection rejects (-32700) like any unreadable message.
 */
function messageText(data: unknown): string | Uint8Array {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  try {
    const text = JSON.stringify(data);
    if (text !== undefined) return text;
    return `(a message with no JSON form: ${typeof data})`;
  } catch (err) {
    return `(a message with no JSON form: ${err instanceof Error ? err.message : String(err)})`;
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
  const { messageFormat, ...rest } = options;
  return createConnection<R, L>(new MessagePortTransport(endpoint, messageFormat), rest);
}
