/**
 * jsonrpc-wire itself, as a TCP contender ('ours-newline', 'ours-content-length') and as a flood
 * receiver. Written against the connection layer's API:
 *
 *   connect(stream, { framing, dispatcher, maxConcurrentHandlers? }) -> JsonRpcConnection
 *   connection.request(method, params) / notify(method, params) / close()
 *
 * The connection layer (src/node-streams/) is loaded with a dynamic import, so bench/ still
 * compiles and the other contenders still run while it does not exist yet: this module then throws
 * "not available" and the runner skips ours with a note.
 */
import net from 'node:net';
import { listen, dial, type RpcClient, type RpcServer, type TcpContender } from './contender.js';

export type Framing = 'newline' | 'content-length';

interface OursConnection {
  request(method: string, params?: unknown): Promise<unknown>;
  close(): unknown;
}

interface OursApi {
  connect(
    stream: net.Socket,
    options: { framing: Framing; dispatcher?: unknown; maxConcurrentHandlers?: number },
  ): OursConnection;
  Dispatcher: new (mapping?: Record<string, (...args: never[]) => unknown>) => unknown;
}

// Variables, not literals, so tsc does not need the modules to exist (yet).
const NODE_STREAMS: string = '../../src/node-streams/index.js';
const DISPATCH: string = '../../src/dispatch/index.js';

let api: Promise<OursApi> | undefined;

export function loadOurs(): Promise<OursApi> {
  api ??= (async () => {
    let streams: Partial<OursApi>;
    let dispatch: Partial<OursApi>;
    try {
      streams = (await import(NODE_STREAMS)) as Partial<OursApi>;
      dispatch = (await import(DISPATCH)) as Partial<OursApi>;
    } catch (error) {
      throw new Error(`jsonrpc-wire connection layer not available: ${(error as Error).message.split('\n')[0]}`);
    }
    if (typeof streams.connect !== 'function') throw new Error('jsonrpc-wire: src/node-streams exports no connect()');
    if (typeof dispatch.Dispatcher !== 'function') throw new Error('jsonrpc-wire: src/dispatch exports no Dispatcher');
    return { connect: streams.connect, Dispatcher: dispatch.Dispatcher };
  })();
  return api;
}

export function framingOf(id: string): Framing {
  return id.endsWith('content-length') ? 'content-length' : 'newline';
}

export async function contender(id: string): Promise<TcpContender> {
  const ours = await loadOurs();
  const framing = framingOf(id);
  return {
    async serve(port = 0): Promise<RpcServer> {
      const dispatcher = new ours.Dispatcher({ add: (a: number, b: number) => a + b });
      const server = net.createServer((socket) => {
        socket.setNoDelay(true);
        socket.on('error', () => socket.destroy());
        ours.connect(socket, { framing, dispatcher });
      });
      const bound = await listen(server, port);
      return { port: bound, close: () => void server.close() };
    },
    async connect(port: number): Promise<RpcClient> {
      const socket = await dial(port, true);
      const connection = ours.connect(socket, { framing });
      return {
        add: (a, b) => connection.request('add', [a, b]) as Promise<number>,
        close: async () => {
          await connection.close();
          socket.destroy();
        },
      };
    },
  };
}
