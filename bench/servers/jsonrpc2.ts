/**
 * json-rpc-2.0 (transport-agnostic) over the minimal newline framing of ./newline.ts on `net`:
 * one socket.write per message, Node's default socket options, the way its README wires a transport.
 */
import net from 'node:net';
import { JSONRPCClient, JSONRPCServer } from 'json-rpc-2.0';
import { dial, listen, type RpcClient, type RpcServer, type TcpContender } from './contender.js';
import { readLines } from './newline.js';

async function serve(port = 0): Promise<RpcServer> {
  const rpc = new JSONRPCServer();
  rpc.addMethod('add', (params: [number, number]) => params[0] + params[1]);
  const server = net.createServer((socket) => {
    readLines(socket, (line) => {
      void rpc.receive(JSON.parse(line)).then((response) => {
        if (response) socket.write(JSON.stringify(response) + '\n');
      });
    });
    socket.on('error', () => socket.destroy());
  });
  const bound = await listen(server, port);
  return { port: bound, close: () => void server.close() };
}

async function connect(port: number): Promise<RpcClient> {
  const socket = await dial(port);
  const client = new JSONRPCClient((request) => {
    socket.write(JSON.stringify(request) + '\n');
  });
  readLines(socket, (line) => client.receive(JSON.parse(line)));
  return {
    add: (a, b) => client.request('add', [a, b]) as Promise<number>,
    close: () => void socket.destroy(),
  };
}

export function contender(): TcpContender {
  return { serve, connect };
}
