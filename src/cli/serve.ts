/**
 * `jsonrpc-wire serve`: serve the functions a module exports, over TCP, a Unix socket or stdio.
 *
 * Every exported function is a method under its export name; a default export that is an object
 * adds its methods too. Logs go to stderr (stdout is the JSON-RPC channel with --stdio).
 *
 * Stopping: the first SIGINT/SIGTERM stops accepting connections and gives the calls in flight
 * --grace milliseconds to finish (their answers are sent; new calls meanwhile get -32000), then
 * closes every connection and exits 0, even if the methods module holds timers or sockets open.
 * A second signal exits at once.
 */
import { lstat, unlink } from 'node:fs/promises';
import net from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { JsonRpcException } from '../parser/errors.js';
import { describeThrown } from '../connection/guard.js';
import { connectStdio } from '../node-streams/stdio.js';
import type { JsonRpcConnection } from '../connection/connection.js';
import { listenTcp, type JsonRpcServer, type ListenOptions, type SocketAddress } from '../node-streams/tcp.js';
import { EXIT, UsageError, type ServeCommand } from './args.js';
import { CliFailure, describeEndpoint } from './endpoint.js';
import type { Interrupts } from './interrupts.js';

export interface ServeIo {
  readonly stderr: NodeJS.WritableStream;
  readonly interrupts: Interrupts;
}

/** The code new calls get while the server is stopping (implementation-defined server error range). */
const SHUTTING_DOWN = -32000;

export async function loadMethods(file: string): Promise<Dispatcher> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(resolve(file))) {
      throw new UsageError(`the methods file ${file} does not exist`);
    }
    throw new UsageError(`cannot load the methods file ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const dispatcher = new Dispatcher();
  try {
    for (const [name, value] of Object.entries(module)) {
      if (name !== 'default' && typeof value === 'function') dispatcher.add(name, value as (...args: unknown[]) => unknown);
    }
    // The default export's members are read here (user getters included) and may clash with named exports.
    const fallback = module.default;
    if (typeof fallback === 'object' && fallback !== null) dispatcher.addMethods(fallback);
  } catch (err) {
    throw new UsageError(`cannot serve the methods file ${file}: ${describeThrown(err).split('\n')[0]}`);
  }
  if (dispatcher.names().length === 0) {
    throw new UsageError(`the methods file ${file} exports no functions; export the methods to serve, e.g. export function add(a, b) { return a + b }`);
  }
  return dispatcher;
}

/**
 * The calls running now, so that stopping can wait for them: every method of `methods` is wrapped
 * to count itself in and out. Once `stopping`, new calls are refused.
 */
class InFlight {
  private running = 0;
  private idle: (() => void) | undefined;
  stopping = false;

  wrap(methods: Dispatcher): Dispatcher {
    const tracked = new Dispatcher();
    for (const name of methods.names()) {
      const fn = methods.get(name)!;
      tracked.add(name, (...args: unknown[]) => this.run(() => fn(...(args as never[]))));
    }
    return tracked;
  }

  /** Resolves when no call is running (at once if none is). */
  drained(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise<void>((done) => (this.idle = done));
  }

  private async run(call: () => unknown): Promise<unknown> {
    if (this.stopping) throw new JsonRpcException(SHUTTING_DOWN, 'The server is shutting down');
    this.running++;
    try {
      return await call();
    } finally {
      if (--this.running === 0) this.idle?.();
    }
  }
}

export async function runServe(command: ServeCommand, io: ServeIo): Promise<number> {
  // Asked first: a signal while the methods module loads must stop the server too.
  const firstSignal = io.interrupts.next();
  const inFlight = new InFlight();
  const dispatcher = inFlight.wrap(await loadMethods(command.methodsFile));
  const log = (line: string): void => void io.stderr.write(`jsonrpc-wire: ${line}\n`);
  const options = {
    framing: command.framing,
    dispatcher,
    onHandlerError: (err: unknown, info: { method: string }) =>
      log(`${info.method} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
  };
  const names = dispatcher.names().join(', ');

  let stopListening: () => Promise<void>;
  let closeAll: () => Promise<void>;
  let ended = new Promise<'ended'>(() => undefined);
  if (command.endpoint.kind === 'stdio') {
    const connection = connectStdio(options);
    connection.on('invalidMessage', ({ error }) => log(`unreadable input on stdin: ${error.message}`));
    log(`serving ${names} on stdio (${command.framing})`);
    stopListening = () => Promise.resolve();
    closeAll = () => connection.close();
    // The client closing our stdin is the usual end.
    ended = connection.closed.then(() => 'ended' as const);
  } else {
    const server = await listen(command.endpoint, options, log);
    const where = 'port' in server.address ? `${server.address.host}:${server.address.port}` : server.address.path;
    log(`serving ${names} on ${where} (${command.framing}); Ctrl-C to stop`);
    stopListening = () => new Promise<void>((done) => server.server.close(() => done()));
    closeAll = () => server.close();
  }

  if ((await Promise.race([firstSignal, ended])) === 'ended') return EXIT.ok;
  const again = io.interrupts.next().then(() => 'again' as const);
  log(`stopping: no new connections; calls in flight have ${command.graceMs} ms to finish (a second signal exits at once)`);
  inFlight.stopping = true;
  const listenerClosed = stopListening();
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const graceOver = new Promise<'grace over'>((done) => (graceTimer = setTimeout(done, command.graceMs, 'grace over')));
  const outcome = await Promise.race([inFlight.drained().then(() => 'drained' as const), graceOver, again]);
  clearTimeout(graceTimer);
  if (outcome === 'again') return EXIT.ok;
  if (outcome === 'grace over') log('the grace period is over: closing the calls still running');
  // The answers of the calls that just finished are queued by now or in this turn; close() writes them.
  await new Promise<void>((done) => setImmediate(done));
  await Promise.race([Promise.all([closeAll(), listenerClosed]), again]);
  log('stopped');
  return EXIT.ok;
}

/** Listens; a Unix socket file left behind by a crashed server (nobody accepts on it) is replaced. */
async function listen(
  endpoint: Exclude<ServeCommand['endpoint'], { kind: 'stdio' }>,
  options: ListenOptions,
  log: (line: string) => void,
): Promise<JsonRpcServer> {
  const address: SocketAddress = endpoint.kind === 'tcp' ? { host: endpoint.host, port: endpoint.port } : { path: endpoint.path };
  const setup = (connection: JsonRpcConnection, socket: net.Socket): void => {
    const peer = socket.remoteAddress === undefined ? 'a local client' : `${socket.remoteAddress}:${socket.remotePort}`;
    log(`${peer} connected`);
    connection.on('invalidMessage', ({ error }) => log(`${peer} sent unreadable input: ${error.message}`));
    void connection.closed.then((reason) => log(`${peer} disconnected (${reason.message})`));
  };
  const where = describeEndpoint(endpoint);
  try {
    return await listenTcp(address, setup, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
      throw new CliFailure(EXIT.connection, `cannot listen on ${where}: ${(err as Error).message}`);
    }
    if (!('path' in address)) {
      throw new CliFailure(EXIT.connection, `cannot listen on ${where}: the address is already in use (pick another port, or stop the other server)`);
    }
    await replaceStaleSocket(address.path, where);
    log(`replaced the stale socket ${address.path} (nobody was listening on it)`);
    try {
      return await listenTcp(address, setup, options);
    } catch (again) {
      throw new CliFailure(EXIT.connection, `cannot listen on ${where}: ${(again as Error).message}`);
    }
  }
}

/** Removes `path` if it is a socket nobody listens on; otherwise explains why it cannot be used. */
async function replaceStaleSocket(path: string, where: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (stat !== undefined && !stat.isSocket()) {
    throw new CliFailure(EXIT.connection, `cannot listen on ${where}: it exists and is not a socket (remove it, or choose another path)`);
  }
  const listening = await new Promise<boolean>((done) => {
    const probe = net.createConnection({ path });
    probe.once('connect', () => {
      probe.destroy();
      done(true);
    });
    probe.once('error', () => done(false));
  });
  if (listening) {
    throw new CliFailure(EXIT.connection, `cannot listen on ${where}: another server is listening on it (stop it, or choose another path)`);
  }
  await unlink(path).catch(() => undefined);
}
