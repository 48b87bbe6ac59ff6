/**
 * `jsonrpc-wire call`: send one call, or a script of calls, and print the results.
 *
 * One call prints its result as indented JSON; a script prints one line per request naming its
 * step: `{"line": N, "method": "...", "result": ...}` or `... "error": {...}`. Exit codes are in
 * EXIT (args.ts). While waiting, requests the server sends us are answered the way an editor
 * would answer a language server (see clientReplies), so a real server never hangs waiting for us.
 *
 * What can end a call early, each reported at once in one line: the server's first bytes show it
 * speaks another framing or HTTP, or (with no --framing) it stays silent (see framing-watch.ts); a
 * response that is not JSON-RPC 2.0 (a JSON-RPC 1.0 server: exit 3); a signal (passed on to a
 * spawned server); stdout closed by its reader (quietly, exit 5).
 */
import { readFile } from 'node:fs/promises';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { JsonRpcException, JsonRpcMethodNotFoundError } from '../parser/errors.js';
import { JsonRpcInvalidResponseError } from '../parser/invalid-response.js';
import { encodeMessage, type JsonRpcParams } from '../parser/messages.js';
import type { ConnectionContext } from '../connection/connection.js';
import { ConnectionClosedError, RequestTimeoutError } from '../connection/errors.js';
import { EXIT, parseScriptLine, SIGNAL_EXIT, UsageError, type CallCommand, type CallStep } from './args.js';
import { traceLine } from './call-trace.js';
import { CliFailure, describeEndpoint, openEndpoint, type OpenConnection } from './endpoint.js';
import { FramingWatch, QUIET_MS } from './framing-watch.js';
import type { Interrupt, Interrupts } from './interrupts.js';

export interface CallIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly interrupts: Interrupts;
}

/**
 * What a client answers to requests servers commonly send while working (LSP names). Anything else
 * is -32601, which servers handle gracefully.
 */
const clientReplies: Record<string, (params: JsonRpcParams | undefined) => unknown> = {
  'window/workDoneProgress/create': () => null,
  'client/registerCapability': () => null,
  'client/unregisterCapability': () => null,
  'window/showMessageRequest': () => null,
  'window/showDocument': () => ({ success: false }),
  'workspace/configuration': (params) => {
    const items = (params as { items?: unknown } | undefined)?.items;
    return Array.isArray(items) ? items.map(() => null) : [];
  },
  'workspace/workspaceFolders': () => null,
  'workspace/applyEdit': () => ({ applied: false, failureReason: 'jsonrpc-wire call does not edit files' }),
};

/** Why the call stops before its steps are done. */
class Stop extends Error {
  constructor(readonly why: Interrupt | CliFailure) {
    super('stopped');
  }
}

/** The stop switch of one call: whatever ends it early throws `Stop` into the work it races. */
class StopSwitch {
  readonly controller = new AbortController();
  private readonly stopped = new Promise<never>((_, reject) => {
    this.controller.signal.addEventListener('abort', () => reject(this.controller.signal.reason as Stop), { once: true });
  });

  constructor() {
    this.stopped.catch(() => undefined);
  }

  stop(why: Interrupt | CliFailure): void {
    this.controller.abort(new Stop(why));
  }

  /** `work`, or `Stop` as soon as the call is stopped. */
  until<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.stopped]);
  }

  /** The signal that stopped the call, if one did: it is passed on to a spawned server. */
  get signal(): 'SIGINT' | 'SIGTERM' | undefined {
    const why = (this.controller.signal.reason as Stop | undefined)?.why;
    return why !== undefined && !(why instanceof CliFailure) && why.kind === 'signal' ? why.signal : undefined;
  }
}

export async function runCall(command: CallCommand, io: CallIo): Promise<number> {
  const stop = new StopSwitch();
  let open: OpenConnection | undefined;
  io.interrupts.on((interrupt) => {
    stop.stop(interrupt);
    // A second signal ends everything at once.
    if (interrupt.kind === 'signal' && interrupt.count > 1) open?.kill();
  });
  try {
    const steps = Array.isArray(command.steps) ? command.steps : await stop.until(readScript(command.steps.script, io.stdin));
    const watch = new FramingWatch(command.framing === 'auto' ? 'newline' : command.framing, describeEndpoint(command.endpoint));
    const startedAt = Date.now();
    // Not raced with the stop: openEndpoint watches the signal itself, so that whatever it started
    // (a child process) is either handed over here or cleaned up by it.
    open = await openEndpoint(command.endpoint, {
      framing: command.framing,
      dispatcher: clientDispatcher(command, io),
      passStderr: command.verbose,
      connectTimeoutMs: command.timeoutMs,
      signal: stop.controller.signal,
      trace: command.trace ? (event) => io.stderr.write(`${traceLine(event, startedAt)}\n`) : undefined,
    });
    open.incoming.on('data', (chunk: Uint8Array) => {
      const verdict = watch.add(chunk);
      if (verdict !== undefined) stop.stop(new CliFailure(EXIT.connection, verdict));
    });
    reportStrays(open, command, io);
    return await runSteps(steps, open, { command, io, stop, watch, startedAt });
  } catch (err) {
    return reportStop(err, io);
  } finally {
    await open?.close(stop.signal);
  }
}

/** Runs the steps in order; prints each outcome; returns the exit code. */
async function runSteps(
  steps: readonly CallStep[],
  open: OpenConnection,
  { command, io, stop, watch, startedAt }: { command: CallCommand; io: CallIo; stop: StopSwitch; watch: FramingWatch; startedAt: number },
): Promise<number> {
  const single = Array.isArray(command.steps);
  // The first step's time counts from before connecting: --timeout bounds the whole call.
  let deadline = startedAt + command.timeoutMs;
  let quietTimer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  try {
    for (const [index, step] of steps.entries()) {
      const name = single ? step.method : `script line ${step.line} (${step.method})`;
      if (step.notification === true) {
        await stop.until(open.connection.notify(step.method, step.params)).catch((err: unknown) => rethrowFor(name, err, command));
        continue;
      }
      if (command.framing === 'auto') {
        quietTimer ??= setTimeout(() => {
          if (!watch.heard) stop.stop(new CliFailure(EXIT.connection, watch.silence(QUIET_MS)));
        }, QUIET_MS);
      }
      const timeoutMs = Math.max(1, deadline - Date.now());
      let outcome: { result: unknown } | { error: JsonRpcException };
      try {
        outcome = { result: await stop.until(open.connection.request(step.method, step.params, { timeoutMs })) };
      } catch (err) {
        if (!(err instanceof JsonRpcException)) rethrowFor(name, err, command);
        outcome = { error: err };
      }
      deadline = Date.now() + command.timeoutMs;
      if (single) {
        if ('error' in outcome) {
          io.stderr.write(`${JSON.stringify(outcome.error.toJSON())}\n`);
          return EXIT.errorResponse;
        }
        io.stdout.write(`${JSON.stringify(outcome.result, null, 2)}\n`);
        continue;
      }
      const shown = 'error' in outcome ? { error: outcome.error.toJSON() } : { result: outcome.result ?? null };
      io.stdout.write(`${JSON.stringify({ line: step.line, method: step.method, ...shown })}\n`);
      if (!('error' in outcome)) continue;
      failures++;
      if (!command.keepGoing) {
        const left = steps.length - index - 1;
        io.stderr.write(
          `jsonrpc-wire: ${name} got error ${outcome.error.code} (${outcome.error.message})` +
            (left > 0 ? `; the remaining ${left} step${left === 1 ? ' was' : 's were'} not run (--keep-going runs them)\n` : '\n'),
        );
        return EXIT.errorResponse;
      }
    }
    return failures > 0 ? EXIT.errorResponse : EXIT.ok;
  } finally {
    clearTimeout(quietTimer);
  }
}

function clientDispatcher(command: CallCommand, io: CallIo): Dispatcher<never, ConnectionContext> {
  return new Dispatcher<never, ConnectionContext>().fallback((method, params, context) => {
    const isRequest = context.id !== undefined;
    if (command.verbose) {
      io.stderr.write(`<- ${isRequest ? `request ${JSON.stringify(context.id)} ` : ''}${method} ${JSON.stringify(params ?? null)}\n`);
    }
    if (!isRequest) return undefined;
    const reply = Object.hasOwn(clientReplies, method) ? clientReplies[method] : undefined;
    if (reply === undefined) throw new JsonRpcMethodNotFoundError(undefined, { reason: `jsonrpc-wire call does not serve '${method}'` });
    return reply(params);
  });
}

/** Responses to nothing we sent are said at once (not left to the timeout); unreadable input with --verbose. */
function reportStrays(open: OpenConnection, command: CallCommand, io: CallIo): void {
  open.connection.on('unknownResponse', (response) => {
    if (command.verbose) {
      const text = response.kind === 'invalidResponse' ? JSON.stringify(response.value) : encodeMessage(response);
      io.stderr.write(`<- response to no request we sent: ${text}\n`);
    } else if (response.kind === 'response' && response.id === null && !response.isSuccess) {
      // id null: the server could not tell which request it answers (it could not read one).
      io.stderr.write(`jsonrpc-wire: the server could not read a request: it answered id null with ${JSON.stringify(response.error)}\n`);
    } else {
      io.stderr.write(`jsonrpc-wire: the server answered id ${JSON.stringify(response.id)}, which was never sent (--verbose shows the response)\n`);
    }
  });
  if (command.verbose) {
    open.connection.on('invalidMessage', ({ error }) => io.stderr.write(`<- unreadable: ${error.message.split('\n')[0]}\n`));
  }
}

/** A step failed without an error response: the call cannot go on. */
function rethrowFor(name: string, err: unknown, command: CallCommand): never {
  if (err instanceof RequestTimeoutError) {
    throw new CliFailure(
      EXIT.timeout,
      `${name} timed out after ${command.timeoutMs} ms (raise it with --timeout MS)`,
    );
  }
  if (err instanceof JsonRpcInvalidResponseError) {
    // Not JSON-RPC 2.0 (a JSON-RPC 1.0 server, say): no call can succeed, as with a broken connection.
    // The message names the method already; a script step adds its line.
    const received = JSON.stringify(err.response) ?? String(err.response);
    const line = /^script line \d+/.exec(name)?.[0];
    throw new CliFailure(
      EXIT.connection,
      `${line === undefined ? '' : `${line}: `}${err.message}; received ${received.length > 200 ? `${received.slice(0, 200)}...` : received}`,
    );
  }
  if (err instanceof ConnectionClosedError) {
    throw new CliFailure(EXIT.connection, `${name}: the connection to ${describeEndpoint(command.endpoint)} closed: ${err.message}`);
  }
  throw err;
}

function reportStop(err: unknown, io: CallIo): number {
  const cause = err instanceof Stop ? err.why : err;
  if (cause instanceof CliFailure) {
    io.stderr.write(`jsonrpc-wire: ${cause.message}\n`);
    return cause.exitCode;
  }
  if (cause instanceof UsageError) throw cause;
  const interrupt = cause as Interrupt;
  if (err instanceof Stop && interrupt.kind === 'stdout-closed') return EXIT.stdoutClosed;
  if (err instanceof Stop && interrupt.kind === 'signal') return SIGNAL_EXIT[interrupt.signal];
  throw err;
}

async function readScript(source: string, stdin: NodeJS.ReadableStream): Promise<CallStep[]> {
  let text: string;
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    try {
      text = await readFile(source, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read the script ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const steps: CallStep[] = [];
  text.split('\n').forEach((line, i) => {
    const step = parseScriptLine(line, i + 1);
    if (step !== null) steps.push(step);
  });
  if (steps.length === 0) throw new UsageError(`the script ${source === '-' ? 'on stdin' : source} has no calls`);
  return steps;
}
