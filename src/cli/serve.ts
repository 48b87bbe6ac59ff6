/**
 * `jsonrpc-wire serve`: serve the functions a module exports, over TCP, a Unix socket or stdio.
 *
 * Every exported function is a method under its export name; a default export that is an object
 * adds its methods too. Logs go to stderr (stdout is the JSON-RPC channel with --stdio). Ctrl-C or
 * SIGTERM stops listening, closes open connections and exits 0.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { describeThrown } from '../node-streams/guard.js';
import { connectStdio } from '../node-streams/stdio.js';
import { listenTcp, type JsonRpcServer } from '../node-streams/tcp.js';
import { EXIT, UsageError, type ServeCommand } from './args.js';
import { CliFailure, describeEndpoint } from './endpoint.js';

export interface ServeIo {
  readonly stderr: NodeJS.WritableStream;
}

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

export async function runServe(command: ServeCommand, io: ServeIo): Promise<number> {
  const dispatcher = await loadMethods(command.methodsFile);
  const log = (line: string): void => void io.stderr.write(`jsonrpc-wire: ${line}\n`);
  const options = {
    framing: command.framing,
    dispatcher,
    onHandlerError: (err: unknown, info: { method: string }) =>
      log(`${info.method} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
  };
  const names = dispatcher.names().join(', ');

  if (command.endpoint.kind === 'stdio') {
    const connection = connectStdio(options);
    connection.on('invalidMessage', ({ error }) => log(`unreadable input on stdin: ${error.message}`));
    log(`serving ${names} on stdio (${command.framing})`);
    const stop = (): void => void connection.close();
    process.once('SIGINT', stop).once('SIGTERM', stop);
    await connection.closed;
    return EXIT.ok;
  }

  const address = command.endpoint.kind === 'tcp'
    ? { host: command.endpoint.host, port: command.endpoint.port }
    : { path: command.endpoint.path };
  let server: JsonRpcServer;
  try {
    server = await listenTcp(address, (connection, socket) => {
      const peer = socket.remoteAddress === undefined ? 'a local client' : `${socket.remoteAddress}:${socket.remotePort}`;
      log(`${peer} connected`);
      connection.on('invalidMessage', ({ error }) => log(`${peer} sent unreadable input: ${error.message}`));
      void connection.closed.then((reason) => log(`${peer} disconnected (${reason.message})`));
    }, options);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the address is already in use (pick another port, or stop the other server)' : (err as Error).message;
    throw new CliFailure(EXIT.connection, `cannot listen on ${describeEndpoint(command.endpoint)}: ${why}`);
  }
  const where = 'port' in server.address ? `${server.address.host}:${server.address.port}` : server.address.path;
  log(`serving ${names} on ${where} (${command.framing}); Ctrl-C to stop`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      log('closing');
      void server.close().then(done);
    };
    process.once('SIGINT', stop).once('SIGTERM', stop);
  });
  return EXIT.ok;
}
