/**
 * `connectWebSocket(socket, options)`: a connection over a WHATWG `WebSocket` (browsers, Deno,
 * Bun, Node 22+) or the `ws` package's `WebSocket` (Node), through the standard interface
 * (`send`, `close`, `bufferedAmount`, `addEventListener`) and, where `ws` offers more, its
 * `pause()` / `resume()` and send callback. One JSON text per WebSocket message; a batch is one
 * message.
 *
 * ```ts
 * const connection = connectWebSocket(new WebSocket('wss://example.com/rpc'));
 * await connection.request('eth_blockNumber'); // sent once the socket is open
 * ```
 *
 * Writing: a message sent before the socket opens waits for `open` (and writing stops until
 * then). Once `bufferedAmount` (what the socket has not yet put on the network) reaches
 * `highWaterMark`, `send()` reports false; `drain` comes when it is below again, told by `ws`'s
 * send callback or, on a WHATWG socket (which has no event for it), found by polling. `ws` writes
 * each message to its TCP socket at once, one system call each; given that socket (`tcpSocket`),
 * the transport corks it at the first message of a turn and uncorks it in a microtask, once the
 * connection has sent all it had (the write queue sends a turn's messages together), so they
 * leave in one write.
 *
 * Reading: `ws` is paused while the connection may not read (the kernel's buffer then fills and
 * the sender's TCP slows). A WHATWG socket cannot be paused: the connection's bounds limit what
 * it keeps of what arrives meanwhile.
 *
 * The end: the socket's `close` ends the input and the output (a WebSocket has no half-close);
 * its code and reason are given as the reason. An `error` fails the connection. `close()` closes
 * the socket with 1000 after what was sent (graceful, waiting at most 2 s for the closing
 * handshake), or at once (`ws`'s `terminate()`, else `close()`).
 */
import { createConnection, type JsonRpcConnection } from '../connection/connection.js';
import { runSoon } from '../connection/soon.js';
import { positive } from '../connection/options.js';
import type { MessageChannelTransport, TransportEvents } from '../connection/transport.js';
import type { ConnectionOptions } from '../connection/connection.js';
import type { MethodTable, UntypedMethods } from '../dispatch/types.js';
import { CLOSE_FLUSH_TIMEOUT_MS, settleWithin } from './settle.js';

/** Bytes the socket may hold unsent (`bufferedAmount`) before writing waits. */
export const DEFAULT_WEBSOCKET_HIGH_WATER_MARK = 256 * 1024;
/** How often a WHATWG socket's `bufferedAmount` is looked at while writing waits for it. */
const DRAIN_POLL_MS = 4;

const CONNECTING = 0;
const OPEN = 1;

/** The part of a WebSocket event read here (MessageEvent, CloseEvent, ErrorEvent). */
export interface WebSocketEventLike {
  readonly type: string;
  readonly data?: unknown;
  readonly code?: number;
  readonly reason?: string;
  readonly error?: unknown;
  readonly message?: string;
}

/** What a WebSocket must offer: the WHATWG interface, plus `ws`'s extras where present. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType?: string;
  /** `ws` calls `callback` once the message is written out; a WHATWG socket takes one argument. */
  send(data: string, callback?: (error?: Error) => void): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: WebSocketEventLike) => void): void;
  /** `ws`: stop / restart reading from the network. */
  pause?(): void;
  resume?(): void;
  /** `ws`: drop the connection at once. */
  terminate?(): void;
}

/** The part of a Node `net.Socket` that corking uses. */
export interface CorkableSocket {
  cork(): void;
  uncork(): void;
}

export interface WebSocketOptions<L extends MethodTable<L> = UntypedMethods> extends ConnectionOptions<L> {
  /** `bufferedAmount` in bytes at which writing waits. Default 256 KiB. */
  highWaterMark?: number;
  /**
   * The TCP socket under a `ws` WebSocket: on a server, the `'connection'` event's
   * `request.socket`; on a client, the `'upgrade'` event's `response.socket`. Given, the messages
   * sent in one turn go out in one socket write instead of one each (see the module comment).
   */
  tcpSocket?: CorkableSocket;
}

export class WebSocketTransport implements MessageChannelTransport {
  readonly kind = 'messages';
  private readonly socket: WebSocketLike;
  private readonly highWaterMark: number;
  /** `ws`: it has a send callback and can pause. */
  private readonly isWs: boolean;
  private events: TransportEvents | undefined;
  /** Messages sent before the socket opened (at most one, plus what a closing flush forces). */
  private early: string[] = [];
  private blocked = false;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private ended = false;
  private failed = false;
  private released = false;
  private closeDetail: string | undefined;
  /** The TCP socket to cork while a turn's messages are sent, and whether it is corked now. */
  private readonly tcpSocket: CorkableSocket | undefined;
  private corked = false;
  private resolveClosed!: () => void;
  private readonly socketClosed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  constructor(socket: WebSocketLike, highWaterMark?: number, tcpSocket?: CorkableSocket) {
    if (socket === null || typeof socket !== 'object' || typeof socket.send !== 'function' || typeof socket.addEventListener !== 'function') {
      throw new TypeError('connectWebSocket() needs a WebSocket (send() and addEventListener())');
    }
    if (tcpSocket !== undefined && (tcpSocket === null || typeof tcpSocket.cork !== 'function' || typeof tcpSocket.uncork !== 'function')) {
      throw new TypeError('tcpSocket must be the socket under the WebSocket (with cork() and uncork())');
    }
    this.tcpSocket = tcpSocket;
    this.socket = socket;
    this.highWaterMark = positive('highWaterMark', highWaterMark, DEFAULT_WEBSOCKET_HIGH_WATER_MARK);
    this.isWs = typeof socket.pause === 'function' && typeof socket.resume === 'function';
  }

  start(events: TransportEvents): void {
    this.events = events;
    const socket = this.socket;
    // Binary messages as ArrayBuffers: a browser's default Blob could only be read asynchronously, out of order.
    if ('binaryType' in socket) socket.binaryType = 'arraybuffer';
    // The listeners stay for the socket's life: `ws` throws an 'error' that nobody listens to.
    socket.addEventListener('open', this.onOpen);
    socket.addEventListener('message', this.onMessage);
    socket.addEventListener('close', this.onClose);
    socket.addEventListener('error', this.onError);
    if (socket.readyState > OPEN) runSoon(() => this.onClose({ type: 'close' }));
  }

  send(json: string): boolean {
    const socket = this.socket;
    if (socket.readyState === CONNECTING) {
      this.early.push(json);
      this.blocked = true;
      return false;
    }
    // Sending on a closing socket throws nothing in `ws` and drops the message (the close tells).
    if (socket.readyState !== OPEN) return true;
    if (this.tcpSocket !== undefined && !this.corked) this.cork(this.tcpSocket);
    const full = socket.bufferedAmount + json.length >= this.highWaterMark;
    if (full && this.isWs) {
      socket.send(json, this.onWritten);
    } else {
      socket.send(json);
    }
    if (!full) return true;
    this.blocked = true;
    if (!this.isWs) this.poll();
    return false;
  }

  pause(): void {
    if (this.isWs && this.socket.readyState === OPEN) this.socket.pause!();
  }

  resume(): void {
    if (this.isWs && !this.released && this.socket.readyState === OPEN) this.socket.resume!();
  }

  describeEnd(): Promise<string | undefined> {
    return Promise.resolve(this.closeDetail);
  }

  close(graceful: boolean): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    clearTimeout(this.pollTimer);
    const socket = this.socket;
    if (socket.readyState > OPEN) return Promise.resolve();
    if (!graceful && typeof socket.terminate === 'function') {
      socket.terminate();
      return Promise.resolve();
    }
    if (graceful && socket.readyState === OPEN) for (const json of this.early.splice(0)) socket.send(json);
    this.early = [];
    // What was sent goes out before the close frame; the close completes with the other side's.
    socket.close(1000);
    if (!graceful) return Promise.resolve();
    return settleWithin(this.socketClosed, CLOSE_FLUSH_TIMEOUT_MS).then((closed) => {
      if (!closed) socket.terminate?.();
    });
  }

  private readonly onOpen = (): void => {
    if (this.released) return;
    const early = this.early;
    this.early = [];
    for (const json of early) this.socket.send(json);
    this.afterWrite();
  };

  private readonly onMessage = (event: WebSocketEventLike): void => {
    if (this.released || this.ended) return;
    const data = event.data;
    if (typeof data === 'string' || data instanceof Uint8Array) this.events?.data(data);
    else if (data instanceof ArrayBuffer) this.events?.data(new Uint8Array(data));
    // Anything else (a Blob where binaryType could not be set) is not a message the connection can read.
    else this.events?.data(`(a WebSocket message of a kind that cannot be read: ${typeof data})`);
  };

  private readonly onClose = (event: WebSocketEventLike): void => {
    this.resolveClosed();
    clearTimeout(this.pollTimer);
    if (this.released || this.ended) return;
    this.ended = true;
    // After an error (which a WebSocket always follows with its close) the connection is failing already.
    if (this.failed) return;
    if (event.code !== undefined) this.closeDetail = `WebSocket close code ${event.code}${event.reason ? `: ${event.reason}` : ''}`;
    this.events?.end();
    this.events?.writeClosed();
  };

  private readonly onError = (event: WebSocketEventLike): void => {
    if (this.released || this.ended || this.failed) return;
    this.failed = true;
    const error = event.error instanceof Error ? event.error : new Error(`WebSocket error${event.message ? `: ${event.message}` : ''}`);
    this.events?.error(error);
  };

  /** Holds this turn's writes until a microtask after the connection's flush (which is synchronous). */
  private cork(tcpSocket: CorkableSocket): void {
    tcpSocket.cork();
    this.corked = true;
    runSoon(this.uncork);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    try {
      this.tcpSocket!.uncork();
    } catch (error) {
      this.onError({ type: 'error', error });
    }
  };

  /** `ws` wrote out the message sent when the buffer was full: everything before it is out too. */
  private readonly onWritten = (): void => this.afterWrite();

  /** Drain once the socket's buffer is below the mark; otherwise look again soon. */
  private afterWrite(): void {
    if (!this.blocked || this.released || this.socket.readyState !== OPEN) return;
    if (this.socket.bufferedAmount < this.highWaterMark) {
      this.blocked = false;
      this.events?.drain();
    } else {
      this.poll();
    }
  }

  private poll(): void {
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => this.afterWrite(), DRAIN_POLL_MS);
  }
}

/** Runs a connection over a WebSocket. `R` is the remote side's method table, `L` this side's. */
export function connectWebSocket<R extends MethodTable<R> = UntypedMethods, L extends MethodTable<L> = UntypedMethods>(
  socket: WebSocketLike,
  options: WebSocketOptions<L> = {},
): JsonRpcConnection<R> {
  const { highWaterMark, tcpSocket, ...rest } = options;
  return createConnection<R, L>(new WebSocketTransport(socket, highWaterMark, tcpSocket), rest);
}
