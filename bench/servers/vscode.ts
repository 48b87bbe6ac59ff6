/**
 * vscode-jsonrpc over TCP: Content-Length framing with its SocketMessageReader/Writer and
 * createMessageConnection. Two variants:
 * - 'vscode-jsonrpc': Node's default sockets (Nagle on). Its writer writes the header and the body
 *   with two writes, so one-at-a-time requests wait for delayed ACKs.
 * - 'vscode-jsonrpc-nodelay': both sockets setNoDelay(true).
 */
import net from 'node:net';
import {
  createMessageConnection,
  SocketMessageReader,
  SocketMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { dial, listen, type RpcClient, type RpcServer, type TcpContender } from './contender.js';

function over(socket: net.Socket): MessageConnection {
  return createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
}

export function contender(id: string): TcpContender {
  const noDelay = id === 'vscode-jsonrpc-nodelay';
  return {
    async serve(port = 0): Promise<RpcServer> {
      const server = net.createServer((socket) => {
        if (noDelay) socket.setNoDelay(true);
        const connection = over(socket);
        connection.onRequest('add', (a: number, b: number) => a + b);
        connection.onError(() => socket.destroy());
        connection.onClose(() => connection.dispose());
        socket.on('error', () => socket.destroy());
        connection.listen();
      });
      const bound = await listen(server, port);
      return { port: bound, close: () => void server.close() };
    },
    async connect(port: number): Promise<RpcClient> {
      const socket = await dial(port, noDelay ? true : undefined);
      const connection = over(socket);
      connection.listen();
      return {
        add: (a, b) => connection.sendRequest<number>('add', a, b),
        close: () => {
          connection.dispose();
          socket.destroy();
        },
      };
    },
  };
}
