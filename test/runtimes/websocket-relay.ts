/**
 * A Node WebSocket server (`ws`) that joins two client sockets into one pipe: the two sockets that
 * ask for the same path are a pair; what one sends the other receives (text as text), and when
 * one closes the other is closed with the same code. For the behaviour suite over WHATWG
 * WebSockets in Deno, Bun and Chromium (pairs.ts `overWebSocketRelay`).
 */
import type { AddressInfo } from 'node:net';

import { WebSocketServer, type RawData, type WebSocket } from 'ws';

export interface WebSocketRelay {
  /** ws://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A socket's close code, as one that may be sent again (1005 and 1006 are never sent). */
const sendable = (code: number): number => (code === 1005 || code === 1006 ? 1000 : code);

export async function startWebSocketRelay(): Promise<WebSocketRelay> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  /** The first socket of a pair, and what it sent before its partner came. */
  const waiting = new Map<string, { socket: WebSocket; early: [RawData, boolean][] }>();

  server.on('connection', (socket, request) => {
    // A socket that fails is closed by ws; its partner learns by its close.
    socket.on('error', () => {});
    const path = request.url ?? '/';
    const first = waiting.get(path);
    if (first === undefined) {
      const entry = { socket, early: [] as [RawData, boolean][] };
      waiting.set(path, entry);
      socket.on('message', (data, isBinary) => entry.early.push([data, isBinary]));
      socket.once('close', () => waiting.delete(path));
      return;
    }
    waiting.delete(path);
    const partner = first.socket;
    partner.removeAllListeners('message');
    partner.removeAllListeners('close');
    for (const [data, isBinary] of first.early) socket.send(data, { binary: isBinary });
    join(partner, socket);
    join(socket, partner);
  });

  function join(from: WebSocket, to: WebSocket): void {
    from.on('message', (data, isBinary) => to.send(data, { binary: isBinary }));
    from.once('close', (code) => to.close(sendable(code)));
  }

  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
