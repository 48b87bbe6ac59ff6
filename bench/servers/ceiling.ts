/**
 * The ceilings: no library at all, one per framing (`ceiling`: newline-delimited, as MCP's stdio;
 * `ceiling-content-length`: LSP's base protocol). JSON written directly on `net`, noDelay, and
 * both ends coalesce: the server answers every message of one read with one write, the client
 * sends every request issued in one tick with one write. Still a real protocol round trip: every
 * message is JSON.parse'd and JSON.stringify'd, requests carry ids and are matched to a pending map.
 */
import net from 'node:net';
import { dial, listen, type RpcClient, type RpcServer, type TcpContender } from './contender.js';
import { frameContentLength, readContentLength } from './content-length.js';
import { readLines } from './newline.js';

const methods: Record<string, (a: number, b: number) => number> = { add: (a, b) => a + b };

/** A framing as the ceiling needs it: read whole messages off a socket, frame one for writing. */
interface Framing {
  read(socket: net.Socket, onMessage: (text: string) => void, afterRead?: () => void): void;
  frame(json: string): string;
}

const NEWLINE: Framing = { read: readLines, frame: (json) => json + '\n' };
const CONTENT_LENGTH: Framing = { read: readContentLength, frame: frameContentLength };

async function serve(framing: Framing, port = 0): Promise<RpcServer> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let out = '';
    framing.read(
      socket,
      (text) => {
        const msg = JSON.parse(text) as { id: number; method: string; params: [number, number] };
        const fn = methods[msg.method];
        const result = fn(msg.params[0], msg.params[1]);
        out += framing.frame(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
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

async function connect(framing: Framing, port: number): Promise<RpcClient> {
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
  framing.read(socket, (text) => {
    const msg = JSON.parse(text) as { id: number; result: number };
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
        out += framing.frame(JSON.stringify({ jsonrpc: '2.0', id, method: 'add', params: [a, b] }));
        if (!scheduled) {
          scheduled = true;
          process.nextTick(flush);
        }
      });
    },
    close: () => void socket.destroy(),
  };
}

export function contender(id: string): TcpContender {
  const framing = id === 'ceiling-content-length' ? CONTENT_LENGTH : NEWLINE;
  return { serve: (port) => serve(framing, port), connect: (port) => connect(framing, port) };
}
