/**
 * The ceiling: no library at all. Newline-delimited JSON written directly on `net`, noDelay, and
 * both ends coalesce: the server answers every message of one read with one write, the client
 * sends every request issued in one tick with one write. Still a real protocol round trip: every
 * message is JSON.parse'd and JSON.stringify'd, requests carry ids and are matched to a pending map.
 */
import net from 'node:net';
import { dial, listen, type RpcClient, type RpcServer, type TcpContender } from './contender.js';
import { readLines } from './newline.js';

const methods: Record<string, (a: number, b: number) => number> = { add: (a, b) => a + b };

async function serve(port = 0): Promise<RpcServer> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let out = '';
    readLines(
      socket,
      (line) => {
        const msg = JSON.parse(line) as { id: number; method: string; params: [number, number] };
        const fn = methods[msg.method];
        const result = fn(msg.params[0], msg.params[1]);
        out += JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) + '\n';
      },
      () => {
        if (out.length > 0) {
          socket.write(out);
          out = '';
        }
      },
    );
    socket.on('error', () => socket.destroy());
  });
  const bound = await listen(server, port);
  return { port: bound, close: () => void server.close() };
}

async function connect(port: number): Promise<RpcClient> {
  const socket = await dial(port, true);
  const pending = new Map<number, (value: number) => void>();
  let nextId = 1;
  let out = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    socket.write(out);
    out = '';
  };
  readLines(socket, (line) => {
    const msg = JSON.parse(line) as { id: number; result: number };
    const resolve = pending.get(msg.id);
    if (resolve) {
      pending.delete(msg.id);
      resolve(msg.result);
    }
  });
  return {
    add(a, b) {
      return new Promise<number>((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        out += JSON.stringify({ jsonrpc: '2.0', id, method: 'add', params: [a, b] }) + '\n';
        if (!scheduled) {
          scheduled = true;
          process.nextTick(flush);
        }
      });
    },
    close: () => void socket.destroy(),
  };
}

export function contender(): TcpContender {
  return { serve, connect };
}
