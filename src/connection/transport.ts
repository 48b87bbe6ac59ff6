/**
 * What a connection runs over: a small interface, in three kinds, with back pressure both ways.
 *
 * - A **byte stream** (a socket, a pipe, a child's stdio, a Web `ReadableStream`/`WritableStream`
 *   pair): chunks of bytes (or text) that the connection frames and cuts with the `framing` option.
 * - A **message channel** (a WebSocket, a MessagePort posting text): each message is one JSON
 *   text; nothing is framed.
 * - A **value channel** (a MessagePort posting structured-clone objects): each message is its
 *   JSON value, sent as a fresh value the transport may post as it is, and delivered as the value
 *   that arrived (`value()`), which the connection validates as one (src/protocol/values.ts)
 *   without making or parsing text. What arrives on it as text or bytes is read as JSON text.
 *
 * Back pressure in: the connection calls `pause()` when it may not read more (its handlers and
 * queues are at their bounds) and `resume()` when it may again; a transport that cannot pause
 * (a MessagePort) ignores them, and the engine's bounds then refuse what it cannot hold.
 * Back pressure out: `write()`/`send()` return false once the transport holds more than it wants
 * to (its high-water mark); the connection then writes nothing more until `drain`.
 *
 * A transport calls the connection only through the `TransportEvents` it is given in `start()`,
 * and only from its own event callbacks (never from inside `write()`, `pause()` or `close()`).
 */

/** How a transport tells the connection what happened. Given once, by `start()`. */
export interface TransportEvents {
  /** Input: a chunk of the byte stream, or one whole message of a channel as JSON text (or its UTF-8 bytes). */
  data(chunk: Uint8Array | string): void;
  /** Input of a channel: one whole message that arrived as a value (a structured clone; anything: it is checked), read as a value. */
  value(message: unknown): void;
  /** The remote side ended its output (FIN, EOF): nothing more will come. */
  end(): void;
  /** Writable again after a `write()`/`send()` returned false. */
  drain(): void;
  /** Nothing more can be written (the output was closed under us), though input may still come. */
  writeClosed(): void;
  /** The transport failed: the connection closes. */
  error(error: Error): void;
}

interface TransportBase {
  /** Begin: deliver input to `events` (reading starts resumed). Called once. */
  start(events: TransportEvents): void;
  /** Stop delivering input for now (a chunk already on its way may still come). */
  pause(): void;
  resume(): void;
  /**
   * Let go. Graceful: what was written is flushed and the output ended (the remote side sees the
   * end); otherwise dropped at once. Resolves when the transport is released; never rejects.
   */
  close(graceful: boolean): Promise<void>;
  /** Why the remote end went away, when the transport can tell (a child's exit status). */
  describeEnd?(): Promise<string | undefined>;
}

export interface ByteStreamTransport extends TransportBase {
  readonly kind: 'bytes';
  /** Writes framed text (or bytes); false when over the high-water mark: wait for `drain`. May throw (a failure). */
  write(chunk: string | Uint8Array): boolean;
}

export interface MessageChannelTransport extends TransportBase {
  readonly kind: 'messages';
  /** Sends one message (one JSON text); false while over the high-water mark: wait for `drain`. May throw. */
  send(json: string): boolean;
}

export interface ValueChannelTransport extends TransportBase {
  readonly kind: 'values';
  /**
   * Sends one message as its JSON value (plain objects, arrays, strings, finite numbers, booleans,
   * null: made for this send, so it may be posted as it is); false while over the high-water mark:
   * wait for `drain`. May throw.
   */
  send(message: object): boolean;
}

export type Transport = ByteStreamTransport | MessageChannelTransport | ValueChannelTransport;
