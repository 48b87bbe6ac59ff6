/**
 * `jsonrpc-wire call`: send one call, or a script of calls, and print the results.
 *
 * Results go to stdout as JSON (one call: indented; a script: one line per request). An error
 * response prints the error object on stderr and exits 1; a timeout exits 4; a broken connection, or
 * a response that is not JSON-RPC 2.0, 3.
 * While waiting, requests the server sends us are answered the way an editor would answer a
 * language server (see clientReplies), so a real server never hangs waiting for us.
 */
import { readFile } from 'node:fs/promises';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { JsonRpcException, JsonRpcMethodNotFoundError } from '../parser/errors.js';
import { JsonRpcInvalidResponseError } from '../parser/invalid-response.js';
import type { JsonRpcParams } from '../parser/messages.js';
import type { ConnectionContext } from '../node-streams/connection.js';
import { ConnectionClosedError, RequestTimeoutError } from '../node-streams/errors.js';
import { EXIT, parseScriptLine, UsageError, type CallCommand, type CallStep } from './args.js';
import { describeEndpoint, openEndpoint } from './endpoint.js';

export interface CallIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
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

export async function runCall(command: CallCommand, io: CallIo): Promise<number> {
  const steps = Array.isArray(command.steps) ? command.steps : await readScript(command.steps.script, io.stdin);
  const single = Array.isArray(command.steps);

  const dispatcher = new Dispatcher<never, ConnectionContext>().fallback((method, params, context) => {
    const isRequest = context.id !== undefined;
    if (command.verbose) {
      io.stderr.write(`<- ${isRequest ? `request ${JSON.stringify(context.id)} ` : ''}${method} ${JSON.stringify(params ?? null)}\n`);
    }
    if (!isRequest) return undefined;
    const reply = Object.hasOwn(clientReplies, method) ? clientReplies[method] : undefined;
    if (reply === undefined) throw new JsonRpcMethodNotFoundError(undefined, { reason: `jsonrpc-wire call does not serve '${method}'` });
    return reply(params);
  });

  const open = await openEndpoint(command.endpoint, {
    framing: command.framing,
    dispatcher,
    passStderr: command.verbose,
  });
  // Bytes we cannot read are almost always a framing mismatch (or a server logging to stdout): say so once.
  open.connection.on('invalidMessage', ({ error }) => {
    if (hinted) return;
    hinted = true;
    io.stderr.write(
      `jsonrpc-wire: could not read the server's output as ${command.framing} framing (${error.message.split('\n')[0]}); ` +
        `if the server speaks another framing, pass --framing ${command.framing === 'content-length' ? 'newline' : 'content-length'}\n`,
    );
  });
  let hinted = false;
  try {
    for (const step of steps) {
      if (step.notification === true) {
        await open.connection.notify(step.method, step.params);
        continue;
      }
      const result = await open.connection.request(step.method, step.params, { timeoutMs: command.timeoutMs });
      io.stdout.write(`${single ? JSON.stringify(result, null, 2) : JSON.stringify(result ?? null)}\n`);
    }
    return EXIT.ok;
  } catch (err) {
    return reportCallFailure(err, command, io);
  } finally {
    await open.close();
  }
}

function reportCallFailure(err: unknown, command: CallCommand, io: CallIo): number {
  if (err instanceof JsonRpcException) {
    io.stderr.write(`${JSON.stringify(err.toJSON())}\n`);
    return EXIT.errorResponse;
  }
  if (err instanceof RequestTimeoutError) {
    io.stderr.write(
      `jsonrpc-wire: ${err.message} (raise it with --timeout MS; if no call ever answers, check that the server speaks --framing ${command.framing})\n`,
    );
    return EXIT.timeout;
  }
  if (err instanceof JsonRpcInvalidResponseError) {
    // Not JSON-RPC 2.0 (a JSON-RPC 1.0 server, say): no call can succeed, as with a broken connection.
    const received = JSON.stringify(err.response) ?? String(err.response);
    io.stderr.write(`jsonrpc-wire: ${err.message}; received ${received.length > 200 ? `${received.slice(0, 200)}...` : received}\n`);
    return EXIT.connection;
  }
  if (err instanceof ConnectionClosedError) {
    io.stderr.write(`jsonrpc-wire: the connection to ${describeEndpoint(command.endpoint)} closed: ${err.message}\n`);
    return EXIT.connection;
  }
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

