/**
 * What every end-to-end TCP contender provides. A contender module default-exports a
 * `TcpContender`; bench/servers/child.ts loads one per process, so a measurement never has two
 * libraries in one heap.
 *
 * The served method is always `add(a, b)` with positional params `[a, b]`, answering `a + b`.
 */
export interface RpcClient {
  /** Sends `add(a, b)` and resolves with the result. */
  add(a: number, b: number): Promise<number>;
  close(): void | Promise<void>;
}

export interface RpcServer {
  port: number;
  close(): void | Promise<void>;
}

export interface TcpContender {
  /** Starts the server on 127.0.0.1 (port 0 = any free port). */
  serve(port?: number): Promise<RpcServer>;
  /** Connects a client to the server on 127.0.0.1:port. */
  connect(port: number): Promise<RpcClient>;
}

/** Every contender id the TCP bench knows, in table order, with its label and module. */
export interface ContenderInfo {
  id: string;
  label: string;
  module: string;
  /** Ours, still being written: if its module cannot load, skip it with a note instead of failing. */
  optional?: boolean;
}

export const TCP_CONTENDERS: readonly ContenderInfo[] = [
  { id: 'ceiling', label: 'ceiling', module: './ceiling.js' },
  { id: 'ceiling-content-length', label: 'ceiling content-length', module: './ceiling.js' },
  { id: 'ours-newline', label: 'jsonrpc-wire newline', module: './ours.js', optional: true },
  { id: 'ours-content-length', label: 'jsonrpc-wire content-length', module: './ours.js', optional: true },
  { id: 'json-rpc-2.0', label: 'json-rpc-2.0 (newline)', module: './jsonrpc2.js' },
  { id: 'vscode-jsonrpc-nodelay', label: 'vscode-jsonrpc noDelay', module: './vscode.js' },
  { id: 'vscode-jsonrpc', label: 'vscode-jsonrpc Nagle', module: './vscode.js' },
  { id: 'jayson', label: 'jayson', module: './jayson.js' },
];

export function contenderInfo(id: string): ContenderInfo {
  const info = TCP_CONTENDERS.find((c) => c.id === id);
  if (!info) throw new Error(`unknown contender ${id}`);
  return info;
}

/** Loads a contender by id. Modules export `contender(id)` so one module can serve variants. */
export async function loadContender(id: string): Promise<TcpContender> {
  const info = contenderInfo(id);
  const mod = (await import(info.module)) as { contender(id: string): TcpContender | Promise<TcpContender> };
  return mod.contender(id);
}

/** Listens on 127.0.0.1 and resolves with the bound port. */
export function listen(server: import('node:net').Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Connects to 127.0.0.1:port. */
export function dial(port: number, noDelay?: boolean): Promise<import('node:net').Socket> {
  return import('node:net').then(
    (net) =>
      new Promise((resolve, reject) => {
        const socket = net.connect({ port, host: '127.0.0.1' }, () => {
          socket.off('error', reject);
          if (noDelay !== undefined) socket.setNoDelay(noDelay);
          resolve(socket);
        });
        socket.once('error', reject);
      }),
  );
}
