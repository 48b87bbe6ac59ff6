/**
 * The contenders of the message-channel bench (bench/channels.ts): each serves and calls
 * `add(a, b)` over a MessagePort, or over a loopback WebSocket (`ws`). One contender per worker
 * thread, so no heap holds two libraries.
 *
 * - `ceiling-*`: no library. The same JSON-RPC objects, ids matched through a Map, a promise per
 *   request; `ceiling-port` posts the objects (structured clone), `ceiling-port-json` and
 *   `ceiling-ws` carry their JSON text (JSON.stringify / JSON.parse on both sides).
 * - `ours-port` / `ours-port-json`: connectMessagePort, default options (objects) / messageFormat 'json'.
 * - `vscode-port`: vscode-jsonrpc's browser BrowserMessageReader / BrowserMessageWriter.
 * - `ours-ws`: connectWebSocket over `ws`, default options; `ours-ws-cork` with `tcpSocket` on
 *   both sides (a turn's messages in one socket write), `ceiling-ws-cork` the raw echo corked the
 *   same way (the socket corked at the first send of a turn, uncorked in a microtask).
 * - `rpc-websockets`: its Server and Client.
 */
import { createRequire } from 'node:module';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import type { MessagePort } from 'node:worker_threads';

import { WebSocket, WebSocketServer } from 'ws';

export type Add = (a: number, b: number) => Promise<number>;

export interface ChannelContender {
  /** Serves add(a, b) on `port` (MessagePort contenders) or on a fresh loopback WebSocket server (its URL). */
  serve(port?: MessagePort): Promise<string | undefined>;
  /** A client calling add over `port`, or to `url`. */
  connect(target: MessagePort | string): Promise<Add>;
}

const require = createRequire(import.meta.url);

interface Rpc {
  jsonrpc: '2.0';
  id: number;
  method?: string;
  params?: [number, number];
  result?: number;
}

/** The no-library client: a Map of pending ids, `send` posts each request. */
function rawClient(send: (request: Rpc) => void): { add: Add; answer: (response: Rpc) => void } {
  const pending = new Map<number, (value: number) => void>();
  let nextId = 1;
  return {
    add: (a, b) =>
      new Promise<number>((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        send({ jsonrpc: '2.0', id, method: 'add', params: [a, b] });
      }),
    answer: (response) => {
      const resolve = pending.get(response.id);
      pending.delete(response.id);
      resolve?.(response.result!);
    },
  };
}

function answerOf(request: Rpc): Rpc {
  return { jsonrpc: '2.0', id: request.id, result: request.params![0] + request.params![1] };
}

async function wsServer(onSocket: (socket: WebSocket, tcp: Socket) => void): Promise<string> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  server.on('connection', (socket: WebSocket, request: IncomingMessage) => onSocket(socket, request.socket));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function opened(socket: WebSocket): Promise<WebSocket> {
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** A client socket once open, and the TCP socket under it (from its `'upgrade'` response). */
async function openedWithTcp(url: string): Promise<{ socket: WebSocket; tcp: Socket }> {
  const socket = new WebSocket(url);
  let tcp: Socket | undefined;
  socket.once('upgrade', (response: IncomingMessage) => (tcp = response.socket));
  await opened(socket);
  return { socket, tcp: tcp! };
}

/** Corks `tcp` at the first send of a turn, uncorks it in a microtask: the turn's frames in one write. */
function corker(tcp: Socket): () => void {
  let corked = false;
  const uncork = (): void => {
    corked = false;
    tcp.uncork();
  };
  return () => {
    if (corked) return;
    corked = true;
    tcp.cork();
    queueMicrotask(uncork);
  };
}

/** Ours as a browser would load it: the portable entry. */
async function ours(): Promise<typeof import('../../src/portable.js')> {
  return import('../../src/portable.js');
}

export const CHANNEL_CONTENDERS: Record<string, ChannelContender> = {
  'ceiling-port': {
    async serve(port) {
      port!.on('message', (request: Rpc) => port!.postMessage(answerOf(request)));
      return undefined;
    },
    async connect(target) {
      const port = target as MessagePort;
      const client = rawClient((request) => port.postMessage(request));
      port.on('message', client.answer);
      return client.add;
    },
  },
  'ceiling-port-json': {
    async serve(port) {
      port!.on('message', (text: string) => port!.postMessage(JSON.stringify(answerOf(JSON.parse(text) as Rpc))));
      return undefined;
    },
    async connect(target) {
      const port = target as MessagePort;
      const client = rawClient((request) => port.postMessage(JSON.stringify(request)));
      port.on('message', (text: string) => client.answer(JSON.parse(text) as Rpc));
      return client.add;
    },
  },
  'ours-port': oursOnPort('object'),
  'ours-port-json': oursOnPort('json'),
  'vscode-port': {
    async serve(port) {
      const connection = vscodeOn(port!);
      connection.onRequest('add', (a: number, b: number) => a + b);
      return undefined;
    },
    async connect(target) {
      const connection = vscodeOn(target as MessagePort);
      return (a, b) => connection.sendRequest<number>('add', a, b);
    },
  },
  'ceiling-ws': {
    serve: () =>
      wsServer((socket) => socket.on('message', (data) => socket.send(JSON.stringify(answerOf(JSON.parse(String(data)) as Rpc))))),
    async connect(target) {
      const socket = await opened(new WebSocket(target as string));
      const client = rawClient((request) => socket.send(JSON.stringify(request)));
      socket.on('message', (data) => client.answer(JSON.parse(String(data)) as Rpc));
      return client.add;
    },
  },
  'ceiling-ws-cork': {
    serve: () =>
      wsServer((socket, tcp) => {
        const cork = corker(tcp);
        socket.on('message', (data) => {
          cork();
          socket.send(JSON.stringify(answerOf(JSON.parse(String(data)) as Rpc)));
        });
      }),
    async connect(target) {
      const { socket, tcp } = await openedWithTcp(target as string);
      const cork = corker(tcp);
      const client = rawClient((request) => {
        cork();
        socket.send(JSON.stringify(request));
      });
      socket.on('message', (data) => client.answer(JSON.parse(String(data)) as Rpc));
      return client.add;
    },
  },
  'ours-ws-cork': {
    async serve() {
      const { connectWebSocket, Dispatcher } = await ours();
      const dispatcher = new Dispatcher().add('add', (a: number, b: number) => a + b);
      return wsServer((socket, tcpSocket) => void connectWebSocket(socket, { dispatcher, tcpSocket }));
    },
    async connect(target) {
      const { connectWebSocket } = await ours();
      const { socket, tcp } = await openedWithTcp(target as string);
      const connection = connectWebSocket(socket, { tcpSocket: tcp });
      return (a, b) => connection.request('add', [a, b]) as Promise<number>;
    },
  },
  'ours-ws': {
    async serve() {
      const { connectWebSocket, Dispatcher } = await ours();
      const dispatcher = new Dispatcher().add('add', (a: number, b: number) => a + b);
      return wsServer((socket) => void connectWebSocket(socket, { dispatcher }));
    },
    async connect(target) {
      const { connectWebSocket } = await ours();
      const connection = connectWebSocket(await opened(new WebSocket(target as string)));
      return (a, b) => connection.request('add', [a, b]) as Promise<number>;
    },
  },
  'rpc-websockets': {
    async serve() {
      const { Server } = await import('rpc-websockets');
      const server = new Server({ host: '127.0.0.1', port: 0 });
      await new Promise<void>((resolve) => server.once('listening', resolve));
      server.register('add', (params) => (params as number[])[0]! + (params as number[])[1]!);
      return `ws://127.0.0.1:${(server.wss.address() as AddressInfo).port}`;
    },
    async connect(target) {
      const { Client } = await import('rpc-websockets');
      const client = new Client(target as string);
      await new Promise<void>((resolve) => client.once('open', resolve));
      return (a, b) => client.call('add', [a, b]) as Promise<number>;
    },
  },
};

function oursOnPort(messageFormat: 'object' | 'json'): ChannelContender {
  return {
    async serve(port) {
      const { connectMessagePort, Dispatcher } = await ours();
      connectMessagePort(port!, { dispatcher: new Dispatcher().add('add', (a: number, b: number) => a + b), messageFormat });
      return undefined;
    },
    async connect(target) {
      const { connectMessagePort } = await ours();
      const connection = connectMessagePort(target as MessagePort, { messageFormat });
      return (a, b) => connection.request('add', [a, b]) as Promise<number>;
    },
  };
}

type VscodeBrowser = typeof import('vscode-jsonrpc/browser');

function vscodeOn(port: MessagePort): import('vscode-jsonrpc/browser').MessageConnection {
  // Its browser build is exported only under the 'browser' condition: load its file.
  const vscode = require(join(dirname(require.resolve('vscode-jsonrpc')), '../browser/main.js')) as VscodeBrowser;
  const endpoint = port as unknown as ConstructorParameters<VscodeBrowser['BrowserMessageReader']>[0];
  const connection = vscode.createMessageConnection(new vscode.BrowserMessageReader(endpoint), new vscode.BrowserMessageWriter(endpoint));
  connection.listen();
  return connection;
}
