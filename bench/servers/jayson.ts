/**
 * jayson's own TCP server and client (Node default socket options). Its TCP client opens a new
 * connection for every request and the server parses a stream of concatenated JSON values; that is
 * how the library ships, so that is what is measured.
 */
import jayson from 'jayson';
import { listen, type RpcClient, type RpcServer, type TcpContender } from './contender.js';

async function serve(port = 0): Promise<RpcServer> {
  const rpc = new jayson.Server({
    add: (args: [number, number], callback: (error: unknown, result?: number) => void) =>
      callback(null, args[0] + args[1]),
  });
  const server = rpc.tcp();
  const bound = await listen(server, port);
  return { port: bound, close: () => void server.close() };
}

async function connect(port: number): Promise<RpcClient> {
  const client = jayson.Client.tcp({ port, host: '127.0.0.1' });
  return {
    add: (a, b) =>
      new Promise<number>((resolve, reject) => {
        client.request('add', [a, b], (error: unknown, response: { result?: number; error?: unknown }) => {
          if (error) reject(error);
          else if (response.error) reject(new Error(JSON.stringify(response.error)));
          else resolve(response.result as number);
        });
      }),
    close: () => undefined,
  };
}

export function contender(): TcpContender {
  return { serve, connect };
}
