/**
 * Two connected ends for the behaviour suite, over transports every runtime has: the library's
 * in-memory pair (bytes, and messages), a `MessageChannel`, and a `MessageChannel` each of whose
 * directions passes through a Worker (Deno, Bun, a page: the Web Worker API).
 */
import { createConnection, createTransportPair, type ConnectionOptions } from '../../src/portable.js';
import type { PairFactory } from '../connection/behaviour.js';
import { MessagePortTransport, type PortLike } from './message-port-transport.js';

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

interface Port extends PortLike {
  close(): void;
}
interface MessageChannelLike {
  readonly port1: Port;
  readonly port2: Port;
}
interface WorkerLike {
  postMessage(message: unknown, transfer: unknown[]): void;
  terminate(): void;
}
type Globals = {
  MessageChannel: new () => MessageChannelLike;
  Worker: new (url: string, options: { type: 'module' }) => WorkerLike;
};
const globals = globalThis as unknown as Globals;

function overPorts(portA: Port, portB: Port, release: () => void) {
  return (optionsA?: ConnectionOptions, optionsB?: ConnectionOptions) => {
    const ta = new MessagePortTransport(portA);
    return {
      a: createConnection(ta, optionsA),
      b: createConnection(new MessagePortTransport(portB), optionsB),
      endOutputOfA: () => ta.endOutput(),
      cleanup: () => {
        portA.close();
        portB.close();
        release();
      },
    };
  };
}

/** The two ends on the two ports of one `MessageChannel`. */
export function overMessageChannel(): PairFactory {
  return async (optionsA, optionsB) => {
    const { port1, port2 } = new globals.MessageChannel();
    return overPorts(port1, port2, () => {})(optionsA, optionsB);
  };
}

/**
 * A's port and B's port are each one end of a `MessageChannel` whose other end is in a Worker
 * (relay-worker.ts), which forwards every message from one to the other: each message crosses
 * to the worker's thread and back, structured-cloned twice. One worker per pair, terminated after.
 */
export function overWorkerRelay(workerUrl: string): PairFactory {
  return async (optionsA, optionsB) => {
    const toA = new globals.MessageChannel();
    const toB = new globals.MessageChannel();
    const worker = new globals.Worker(workerUrl, { type: 'module' });
    worker.postMessage('relay', [toA.port2, toB.port2]);
    return overPorts(toA.port1, toB.port1, () => worker.terminate())(optionsA, optionsB);
  };
}
