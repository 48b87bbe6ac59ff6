/**
 * `jsonrpc-wire tap`: a transparent proxy that logs the JSON-RPC traffic through it.
 *
 * With a command, tap spawns the server and stands in for it on stdio: every byte from our stdin
 * goes to the server's stdin and every byte of its stdout to our stdout, unchanged, with stream.pipe
 * (so a slow reader pauses the writer: back pressure is the pipes' own). EOF is passed on both ways,
 * the server's stderr is ours, signals we get are sent to it, and tap exits as it exits. With --tcp,
 * each accepted connection is piped to a new connection to --to the same way.
 *
 * The log sees a copy of each chunk after it was passed on (TapLog), in another thread.
 */
import { spawn } from 'node:child_process';
import { fstatSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { EXIT } from './args.js';
import { CliFailure, describeEndpoint } from './endpoint.js';
import type { Direction } from './log-format.js';
import type { HostPort, TapCommand } from './tap-args.js';
import { TapLog } from './tap-log.js';

export interface TapIo {
  readonly stdin: Readable;
  readonly stderr: Writable;
}

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function runTap(command: TapCommand, io: TapIo): Promise<number> {
  const log = new TapLog({
    file: command.log,
    framing: command.framing,
    redact: command.redact,
    numbered: command.target.kind === 'tcp',
    onFailure: (error) => io.stderr.write(`jsonrpc-wire tap: the log stopped (${error.message}); the traffic passes on unlogged\n`),
  });
  const { target } = command;
  const start = { kind: 'start', framing: command.framing, redact: command.redact };
  if (target.kind === 'stdio') {
    log.line({ ...start, command: [target.command, ...target.args] });
    return tapStdio(target.command, target.args, log, io);
  }
  log.line({ ...start, listen: describe(target.listen), to: describe(target.to) });
  return tapTcp(target.listen, target.to, log, io);
}

/** Pipes `from` into `to` (EOF included) and shows every chunk to the log once it was passed on. */
function relay(from: Readable, to: Writable, log: TapLog, conn: number, dir: Direction): void {
  from.pipe(to);
  from.on('data', (chunk: Buffer) => log.observe(conn, dir, chunk));
  from.once('end', () => log.end(conn, dir));
}

async function tapStdio(command: string, args: readonly string[], log: TapLog, io: TapIo): Promise<number> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const started = await new Promise<Error | undefined>((done) => {
    child.once('spawn', () => done(undefined));
    child.once('error', done);
  });
  if (started !== undefined) {
    const code = (started as NodeJS.ErrnoException).code;
    log.line({ kind: 'exit', code: null, signal: null, reason: started.message });
    await log.close();
    throw new CliFailure(EXIT.connection, `cannot start ${command}: ${code === 'ENOENT' ? 'not found' : started.message}`);
  }
  const stdout = ownStdout();
  // A peer that went away (EPIPE) must not crash the proxy: its side of the traffic just stops.
  child.stdin.on('error', () => undefined);
  stdout.on('error', () => child.stdout.resume());
  relay(io.stdin, child.stdin, log, 0, 'to-server');
  relay(child.stdout, stdout, log, 0, 'to-client');

  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.once('close', (c, s) => done([c, s])));
  for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);

  // Wait until the server's last bytes are written (to a file or a terminal, writes are synchronous).
  if (stdout !== process.stdout) await new Promise<void>((done) => (stdout.writableFinished || stdout.destroyed ? done() : stdout.once('close', done).once('finish', done)));
  io.stdin.unpipe(child.stdin);
  io.stdin.destroy(); // so that a client that never closes our stdin does not keep tap alive
  log.line({ kind: 'exit', code, signal });
  await log.close();
  if (signal !== null) {
    // Die of the same signal, as the server did: with no listener left, its default action runs.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    return 128;
  }
  return code ?? 0;
}

/**
 * Our stdout as a stream tap can end: pipe() never ends process.stdout, and the server closing its
 * stdout must reach the client as EOF then, not when tap exits. (A file or a terminal needs no EOF.)
 */
function ownStdout(): Writable {
  const stat = fstatSync(1);
  return stat.isFIFO() || stat.isSocket() ? new Socket({ fd: 1, readable: false, writable: true }) : process.stdout;
}

async function tapTcp(listen: HostPort, to: HostPort, log: TapLog, io: TapIo): Promise<number> {
  let next = 1;
  const open = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const conn = next++;
    const upstream = new Socket({ allowHalfOpen: true });
    upstream.setNoDelay(true);
    open.add(client).add(upstream);
    log.line({ kind: 'open', conn, from: `${client.remoteAddress}:${client.remotePort}` });
    let reason: string | undefined;
    const fail = (error: Error): void => {
      reason ??= error.message;
      client.destroy();
      upstream.destroy();
    };
    client.on('error', fail);
    upstream.on('error', fail);
    let closed = 0;
    const onClose = (socket: Socket) => (): void => {
      open.delete(socket);
      if (++closed < 2) return;
      log.line({ kind: 'close', conn, ...(reason === undefined ? {} : { reason }) });
      log.forget(conn);
    };
    client.once('close', onClose(client));
    upstream.once('close', onClose(upstream));
    relay(client, upstream, log, conn, 'to-server');
    relay(upstream, client, log, conn, 'to-client');
    upstream.connect(to.port, to.host);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(listen.port, listen.host, () => done());
  }).catch((error: NodeJS.ErrnoException) => {
    throw new CliFailure(EXIT.connection, `cannot listen on ${describe(listen)}: ${error.code === 'EADDRINUSE' ? 'the address is already in use' : error.message}`);
  });
  const address = server.address() as { address: string; port: number };
  io.stderr.write(`jsonrpc-wire tap: listening on ${describe({ host: address.address, port: address.port })}, forwarding to ${describe(to)}; Ctrl-C to stop\n`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, stop);
      done();
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, stop);
  });
  server.close();
  for (const socket of open) socket.destroy();
  log.line({ kind: 'exit', code: 0, signal: null });
  await log.close();
  return EXIT.ok;
}

function describe({ host, port }: HostPort): string {
  return describeEndpoint({ kind: 'tcp', host, port });
}
