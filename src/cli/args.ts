/**
 * Command-line arguments → a command description. Pure: no I/O, so every usage error is testable.
 * Every problem is a `UsageError` whose message names the problem; main.ts prints it with the usage.
 */
import { parseArgs } from 'node:util';
import type { FramingName } from '../framing/types.js';
import type { JsonRpcParams } from '../parser/messages.js';

export const USAGE = `Usage:
  jsonrpc-wire serve (--stdio | --tcp HOST:PORT | --socket PATH) --methods FILE.mjs [--framing F]
  jsonrpc-wire call METHOD [PARAMS_JSON] [options] (--tcp HOST:PORT | --socket PATH | --stdio -- CMD [ARGS...])
  jsonrpc-wire call --script FILE|- [options] (--tcp HOST:PORT | --socket PATH | --stdio -- CMD [ARGS...])
  jsonrpc-wire tap [--log FILE] [--framing F] [--redact] -- CMD [ARGS...]
  jsonrpc-wire tap --tcp LISTEN_HOST:PORT --to HOST:PORT [--log FILE] [--framing F] [--redact]
  jsonrpc-wire stats LOG.jsonl [--html REPORT.html]

Options:
  --framing newline|content-length|json-stream   how messages are delimited (default: newline;
                                                 content-length is usual for language servers)
  --timeout MS        give up on a call after MS milliseconds (call; default 30000)
  --verbose           print the server's notifications and requests to stderr (call)
  --script FILE|-     run one call per line: {"method": "...", "params": ..., "notification": true?}
  --methods FILE.mjs  a module whose exported functions are served (serve)
  --log FILE          append one JSON line per message to FILE (tap; default: stderr)
  --redact            log params, results and error data as their shape only (tap)
  --html FILE         also write a self-contained HTML report (stats)
  -h, --help          show this help`;

/** Exit codes, so scripts can tell a failed call from a broken connection. */
export const EXIT = {
  ok: 0,
  errorResponse: 1,
  usage: 2,
  connection: 3,
  timeout: 4,
} as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type Endpoint =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'socket'; path: string }
  | { kind: 'stdio'; command?: string; args: string[] };

export interface ServeCommand {
  command: 'serve';
  endpoint: Endpoint;
  framing: FramingName;
  methodsFile: string;
}

/** One call of a `call` command: a request, or a notification when `notification` is true. */
export interface CallStep {
  method: string;
  params?: JsonRpcParams;
  notification?: boolean;
}

export interface CallCommand {
  command: 'call';
  endpoint: Endpoint;
  framing: FramingName;
  timeoutMs: number;
  verbose: boolean;
  /** Either one call from the command line, or a script of calls (a file path or '-' for stdin). */
  steps: CallStep[] | { script: string };
}

export type Command = ServeCommand | CallCommand | { command: 'help' };

const FRAMINGS: readonly FramingName[] = ['newline', 'content-length', 'json-stream'];

export function parseCommandLine(argv: readonly string[]): Command {
  // Everything after `--` is the child command for --stdio; it is never read as our options.
  const dash = argv.indexOf('--');
  const ours = dash === -1 ? [...argv] : argv.slice(0, dash);
  const child = dash === -1 ? [] : argv.slice(dash + 1);

  let parsed;
  try {
    parsed = parseArgs({
      args: ours,
      allowPositionals: true,
      strict: true,
      options: {
        stdio: { type: 'boolean' },
        tcp: { type: 'string' },
        socket: { type: 'string' },
        framing: { type: 'string' },
        methods: { type: 'string' },
        timeout: { type: 'string' },
        verbose: { type: 'boolean' },
        script: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true || positionals.length === 0) return { command: 'help' };

  const [verb, ...rest] = positionals;
  const framing = parseFraming(values.framing);
  const endpoint = parseEndpoint(values, child);

  if (verb === 'serve') {
    if (rest.length > 0) throw new UsageError(`serve takes no positional arguments, got '${rest.join(' ')}'`);
    if (values.methods === undefined) throw new UsageError('serve needs --methods FILE.mjs: the module whose functions to serve');
    if (endpoint.kind === 'stdio' && endpoint.command !== undefined) {
      throw new UsageError('serve --stdio serves on this process\'s stdin/stdout; it takes no command after --');
    }
    return { command: 'serve', endpoint, framing, methodsFile: values.methods };
  }

  if (verb === 'call') {
    if (endpoint.kind === 'stdio' && endpoint.command === undefined) {
      throw new UsageError('call --stdio needs the server to run: call METHOD --stdio -- CMD [ARGS...]');
    }
    const timeoutMs = parseTimeout(values.timeout);
    let steps: CallCommand['steps'];
    if (values.script !== undefined) {
      if (rest.length > 0) throw new UsageError('give either --script or METHOD [PARAMS_JSON], not both');
      steps = { script: values.script };
    } else {
      if (rest.length === 0) throw new UsageError('call needs a METHOD (or --script FILE)');
      if (rest.length > 2) throw new UsageError(`call takes METHOD and at most one PARAMS_JSON, got ${rest.length} arguments (quote the JSON)`);
      const [method, paramsText] = rest;
      steps = [paramsText === undefined ? { method } : { method, params: parseParams(paramsText) }];
    }
    return { command: 'call', endpoint, framing, timeoutMs, verbose: values.verbose === true, steps };
  }

  throw new UsageError(`unknown command '${verb}': use 'serve' or 'call'`);
}

function parseFraming(value: string | undefined): FramingName {
  if (value === undefined) return 'newline';
  if ((FRAMINGS as readonly string[]).includes(value)) return value as FramingName;
  throw new UsageError(`--framing must be one of ${FRAMINGS.join(', ')}; got '${value}'`);
}

function parseEndpoint(
  values: { stdio?: boolean; tcp?: string; socket?: string },
  child: string[],
): Endpoint {
  const chosen = [values.stdio === true, values.tcp !== undefined, values.socket !== undefined].filter(Boolean).length;
  if (chosen !== 1) throw new UsageError('choose exactly one of --stdio, --tcp HOST:PORT, --socket PATH');
  if (child.length > 0 && values.stdio !== true) throw new UsageError('a command after -- only goes with --stdio');
  if (values.tcp !== undefined) return parseHostPort(values.tcp);
  if (values.socket !== undefined) return { kind: 'socket', path: values.socket };
  const [command, ...args] = child;
  return command === undefined ? { kind: 'stdio', args: [] } : { kind: 'stdio', command, args };
}

/** `HOST:PORT`, `:PORT` or `PORT`; `[::1]:PORT` for IPv6. */
export function parseHostPort(text: string): { kind: 'tcp'; host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--tcp wants HOST:PORT with a port from 0 to 65535, e.g. 127.0.0.1:7000; got '${text}'`);
  }
  const host = match[1] || match[2] || '127.0.0.1';
  return { kind: 'tcp', host, port };
}

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return 30_000;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`--timeout wants a positive number of milliseconds; got '${value}'`);
  return ms;
}

/** PARAMS_JSON must be a JSON array or object: the spec allows nothing else in `params`. */
export function parseParams(text: string): JsonRpcParams {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`PARAMS_JSON is not valid JSON (${(err as Error).message}); quote it for the shell, e.g. '[1, 2]'`);
  }
  if (typeof value !== 'object' || value === null) {
    throw new UsageError(`PARAMS_JSON must be a JSON array or object (JSON-RPC params are positional or named); got ${text}`);
  }
  return value as JsonRpcParams;
}

/** One line of a --script: `{"method": "...", "params": ..., "notification": true?}`. */
export function parseScriptLine(line: string, lineNumber: number): CallStep | null {
  const text = line.trim();
  if (text === '' || text.startsWith('#') || text.startsWith('//')) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`script line ${lineNumber} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`script line ${lineNumber} must be an object like {"method": "ping", "params": []}`);
  }
  const { method, params, notification } = value as Record<string, unknown>;
  if (typeof method !== 'string') throw new UsageError(`script line ${lineNumber} needs a string "method"`);
  if (params !== undefined && (typeof params !== 'object' || params === null)) {
    throw new UsageError(`script line ${lineNumber}: "params" must be an array or an object`);
  }
  if (notification !== undefined && typeof notification !== 'boolean') {
    throw new UsageError(`script line ${lineNumber}: "notification" must be true or false`);
  }
  const step: CallStep = { method };
  if (params !== undefined) step.params = params as JsonRpcParams;
  if (notification === true) step.notification = true;
  return step;
}
