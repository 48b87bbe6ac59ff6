/**
 * jsonrpc-wire itself, as a TCP contender ('ours-newline', 'ours-content-length') and as a flood
 * receiver, used the way its README shows: `listenTcp()` / `connectTcp()` (which set noDelay: the
 * connection coalesces each tick's messages into one write) with a `Dispatcher`, all defaults
 * (the writable's high-water mark; the flood receiver takes the handler bounds its run gives, the
 * defaults unless told).
 *
 * Loaded only by the child processes that measure ours (dynamic import in contender.ts and
 * flood-receiver.ts), so the other contenders' processes never load it.
 */
import { Dispatcher } from '../../src/dispatch/index.js';
import { connectTcp, listenTcp, type JsonRpcConnection } from '../../src/node-streams/index.js';
import type { FramingName } from '../../src/framing/types.js';
import type { SchedulingOptions } from '../../src/protocol/options.js';
import type { RpcClient, RpcServer, TcpContender } from './contender.js';

export type Framing = Extract<FramingName, 'newline' | 'content-length'>;

export function framingOf(id: string): Framing {
  return id.endsWith('content-length') ? 'content-length' : 'newline';
}

export function contender(id: string): TcpContender {
  const framing = framingOf(id);
  return {
    async serve(port = 0): Promise<RpcServer> {
      const dispatcher = new Dispatcher({ add: (a: number, b: number) => a + b });
      const server = await listenTcp({ host: '127.0.0.1', port }, undefined, { framing, dispatcher });
      const address = server.address as { port: number };
      return { port: address.port, close: () => server.close() };
    },
    async connect(port: number): Promise<RpcClient> {
      const connection = await connectTcp({ host: '127.0.0.1', port }, { framing });
      return {
        add: (a, b) => connection.request('add', [a, b]) as Promise<number>,
        close: () => connection.close(),
      };
    },
  };
}

/**
 * Flood receiver: listens, and for each connection calls `onConnection` then serves `log`
 * notifications with `handler`, its running handlers within `bounds`.
 */
export async function listenFloodReceiver(
  id: string,
  handler: (params: unknown) => Promise<void>,
  onConnection: () => void,
  bounds: Pick<SchedulingOptions, 'maxConcurrentHandlers' | 'maxConcurrentHandlerBytes'> = {},
): Promise<{ port: number; connections: Set<JsonRpcConnection> }> {
  const dispatcher = new Dispatcher({ log: handler });
  const server = await listenTcp({ host: '127.0.0.1', port: 0 }, () => onConnection(), {
    framing: framingOf(id),
    dispatcher,
    ...bounds,
  });
  return { port: (server.address as { port: number }).port, connections: server.connections };
}
