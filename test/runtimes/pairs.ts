/**
 * Two connected ends for the behaviour suite, over transports every runtime has (Node's run,
 * Deno, Bun, a Chromium page): the in-memory pair (bytes, and messages), `connectWebStreams` over
 * TransformStream pairs, `connectMessagePort` over a `MessageChannel`; and where the runtime has
 * them, a `MessageChannel` whose directions pass through a Web Worker, and two WHATWG WebSockets
 * joined by a Node server (websocket-relay.ts).
 */
import {
  connectMessagePort,
  connectWebSocket,
  connectWebStreams,
  createConnection,
  createTransportPair,
  type ConnectionOptions,
  type MessageEndpoint,
  type MessageFormat,
  type WebSocketLike,
} from '../../src/portable.js';
import type { ConnectedPair, PairFactory, TransportLimits } from '../connection/behaviour.js';

/** For `describeConnection`: the message transports close both ways at once. */
export const NO_HALF_CLOSE: TransportLimits = { noHalfClose: 'a MessagePort or WebSocket has no half-close: it closes both ways at once' };

const noHalfClose = (): never => {
  throw new Error(NO_HALF_CLOSE.noHalfClose);
};

export function overMemory(kind: 'bytes' | 'messages'): PairFactory {
  return async (optionsA?: ConnectionOptions, optionsB?: ConnectionOptions) => {
    const [ta, tb] = kind === 'messages' ? createTransportPair(undefined, 'messages') : createTransportPair();
    return {
      a: createConnection(ta, optionsA),
      b: createConnection(tb, optionsB),
      endOutputOfA: () => ta.endOutput(),
      cleanup: () => {},
    };
  };
}

/**
 * One direction of a byte stream: what is written to `writable` comes out of `readable`. The
 * connection's writable forwards to a writer kept here, so that `end()` can end the output (a
 * half-close) while the connection holds its own lock.
 */
function direction(): { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array>; end: () => void } {
  const pipe = new TransformStream<Uint8Array, Uint8Array>();
  const inner = pipe.writable.getWriter();
  const writable = new WritableStream<Uint8Array>({
    write: (chunk) => inner.write(chunk),
    close: () => inner.close(),
    abort: (reason) => inner.abort(reason),
  });
  return { readable: pipe.readable, writable, end: () => void inner.close().catch(() => {}) };
}

/** `connectWebStreams` on both ends, over two TransformStreams. */
export function overWebStreams(): PairFactory {
  return async (optionsA, optionsB) => {
    const ab = direction();
    const ba = direction();
    return {
      a: connectWebStreams({ readable: ba.readable, writable: ab.writable }, optionsA),
      b: connectWebStreams({ readable: ab.readable, writable: ba.writable }, optionsB),
      endOutputOfA: ab.end,
      cleanup: () => {},
    };
  };
}

interface Port extends MessageEndpoint {
  close(): void;
}
type Globals = {
  MessageChannel: new () => { readonly port1: Port; readonly port2: Port };
  Worker: new (url: string, options: { type: 'module' }) => { postMessage(message: unknown, transfer: unknown[]): void; terminate(): void };
  WebSocket: new (url: string) => WebSocketLike;
};
const globals = globalThis as unknown as Globals;

function overPorts(portA: Port, portB: Port, messageFormat: MessageFormat, release: () => void) {
  return (optionsA?: ConnectionOptions, optionsB?: ConnectionOptions): ConnectedPair => ({
    a: connectMessagePort(portA, { messageFormat, ...optionsA }),
    b: connectMessagePort(portB, { messageFormat, ...optionsB }),
    endOutputOfA: noHalfClose,
    cleanup: () => {
      portA.close();
      portB.close();
      release();
    },
  });
}

/** `connectMessagePort` on the two ports of one `MessageChannel`. */
export function overMessagePort(messageFormat: MessageFormat): PairFactory {
  return async (optionsA, optionsB) => {
    const { port1, port2 } = new globals.MessageChannel();
    return overPorts(port1, port2, messageFormat, () => {})(optionsA, optionsB);
  };
}

/**
 * A's port and B's port are each one end of a `MessageChannel` whose other end is in a Worker
 * (relay-worker.ts), which forwards every message from one to the other: each message crosses to
 * the worker's thread and back, structured-cloned twice. One worker per pair, terminated after.
 */
export function overWorkerRelay(workerUrl: string): PairFactory {
  return async (optionsA, optionsB) => {
    const toA = new globals.MessageChannel();
    const toB = new globals.MessageChannel();
    const worker = new globals.Worker(workerUrl, { type: 'module' });
    worker.postMessage('relay', [toA.port2, toB.port2]);
    return overPorts(toA.port1, toB.port1, 'object', () => worker.terminate())(optionsA, optionsB);
  };
}

let relayed = 0;

function opened(socket: WebSocketLike): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.addEventListener('open', () => resolve());
    socket.addEventListener('error', () => reject(new Error('the WebSocket to the relay did not open')));
  });
}

/**
 * `connectWebSocket` on two WHATWG WebSockets to a Node server (websocket-relay.ts at `relayUrl`)
 * that joins the two sockets of one pair by the path they ask for: every message goes out of
 * this runtime to Node and back in.
 */
export function overWebSocketRelay(relayUrl: string): PairFactory {
  return async (optionsA, optionsB) => {
    const pair = `${relayUrl}/pair-${relayed++}`;
    const socketA = new globals.WebSocket(pair);
    const socketB = new globals.WebSocket(pair);
    // Open before the suite starts: what happens to a socket still connecting is websocket.test.ts's.
    await Promise.all([opened(socketA), opened(socketB)]);
    return {
      a: connectWebSocket(socketA, optionsA),
      b: connectWebSocket(socketB, optionsB),
      endOutputOfA: noHalfClose,
      cleanup: () => {},
    };
  };
}
