/**
 * Command-line arguments → a command description. Pure: no I/O, so every usage error is testable.
 * Every problem is a `UsageError` whose message names the problem; main.ts prints it with the usage.
 *
 * The command word is found first, so an unknown command is named as such, and each command then
 * accepts only its own options (an option of the other command is an unknown option, not ignored).
 */
import { parseArgs } from 'node:util';
import type { FramingName } from '../framing/types.js';
import type { JsonRpcParams } from '../parser/messages.js';
import { HELP, type Topic } from './help.js';

export { USAGE } from './help.js';

/** Exit codes, so scripts can tell a failed call from a broken connection. */
export const EXIT = {
  ok: 0,
  errorResponse: 1,
  usage: 2,
  connection: 3,
  timeout: 4,
  /** Our stdout was closed by its reader (`| head`): nothing more can be printed. */
  stdoutClosed: 5,
} as const;

/** 128 + the signal's number, as shells report a process ended by a signal. */
export const SIGNAL_EXIT: Readonly<Record<'SIGINT' | 'SIGTERM', number>> = { SIGINT: 130, SIGTERM: 143 };

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
  /** After a first SIGINT/SIGTERM, how long in-flight calls may take before the process exits. */
  graceMs: number;
}

/** One call of a `call` command: a request, or a notification when `notification` is true. */
export interface CallStep {
  method: string;
  params?: JsonRpcParams;
  notification?: boolean;
  /** The script line it came from (script steps only). */
  line?: number;
}

export interface CallCommand {
  command: 'call';
  endpoint: Endpoint;
  /** `'auto'` unless --framing was given. */
  framing: FramingName;
  timeoutMs: number;
  verbose: boolean;
  /** Print every message both ways to stderr (--trace). */
  trace: boolean;
  /** Either one call from the command line, or a script of calls (a file path or '-' for stdin). */
  steps: CallStep[] | { script: string };
  /** Run the rest of a script after a step gets an error response. */
  keepGoing: boolean;
}

export type Command =
  | ServeCommand
  | CallCommand
  | { command: 'help'; topic?: Topic }
  | { command: 'version' };

const FRAMINGS: readonly FramingName[] = ['auto', 'newline', 'content-length', 'json-stream'];
/** Default of --grace. */
export const DEFAULT_GRACE_MS = 5000;
/** Default of --timeout. */
export const DEFAULT_TIMEOUT_MS = 30_000;

const COMMON_OPTIONS = {
  stdio: { type: 'boolean' },
  tcp: { type: 'string' },
  socket: { type: 'string' },
  framing: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
const SERVE_OPTIONS = { ...COMMON_OPTIONS, methods: { type: 'string' }, grace: { type: 'string' } } as const;
const CALL_OPTIONS = {
  ...COMMON_OPTIONS,
  timeout: { type: 'string' },
  verbose: { type: 'boolean' },
  trace: { type: 'boolean' },
  script: { type: 'string' },
  'keep-going': { type: 'boolean' },
} as const;
/** Options without a command. */
const TOP_OPTIONS = { version: { type: 'boolean' }, help: COMMON_OPTIONS.help } as const;
/** Every option of every command: only for finding the command word among them. */
const ALL_OPTIONS = { ...SERVE_OPTIONS, ...CALL_OPTIONS, version: { type: 'boolean' } } as const;

export function parseCommandLine(argv: readonly string[]): Command {
  // Everything after `--` is the child command for --stdio; it is never read as our options.
  const dash = argv.indexOf('--');
  const ours = dash === -1 ? [...argv] : argv.slice(0, dash);
  const child = dash === -1 ? [] : argv.slice(dash + 1);

  const loose = parseArgs({ args: ours, allowPositionals: true, strict: false, options: ALL_OPTIONS });
  const [verb, ...rest] = loose.positionals;
  if (verb === undefined) {
    const { values } = strictParse(ours, TOP_OPTIONS, undefined);
    return values.version === true && values.help !== true ? { command: 'version' } : { command: 'help' };
  }
  if (verb === 'help') return helpFor(rest);
  if (verb !== 'serve' && verb !== 'call') {
    throw new UsageError(`unknown command '${verb}': the commands are 'serve', 'call', 'tap', 'stats' and 'describe'`);
  }
  return verb === 'serve' ? parseServe(strictParse(ours, SERVE_OPTIONS, verb), child) : parseCall(strictParse(ours, CALL_OPTIONS, verb), child);
}

function helpFor(rest: string[]): Command {
  const [topic, ...extra] = rest;
  if (topic === undefined) return { command: 'help' };
  if (extra.length > 0 || !Object.hasOwn(HELP, topic)) {
    throw new UsageError(`no help on '${rest.join(' ')}': try 'jsonrpc-wire help serve' or 'jsonrpc-wire help call'`);
  }
  return { command: 'help', topic: topic as Topic };
}

type Parsed<O> = { values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string }; positionals: string[] };

/** parseArgs with our own message for an unknown option (Node's talks of '--', which here means the child command). */
function strictParse<O extends typeof SERVE_OPTIONS | typeof CALL_OPTIONS | typeof TOP_OPTIONS>(
  args: string[],
  options: O,
  verb: Topic | undefined,
): Parsed<O> {
  try {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options });
    return { values: values as Parsed<O>['values'], positionals: positionals.slice(1) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = (err as Error).message;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(message)?.[1] ?? message;
      throw new UsageError(
        verb === undefined
          ? `unknown option '${option}' (see 'jsonrpc-wire --help')`
          : `unknown option '${option}' for ${verb} (see 'jsonrpc-wire help ${verb}')`,
      );
    }
    throw new UsageError(message.split('\n')[0]);
  }
}

function parseServe({ values, positionals }: Parsed<typeof SERVE_OPTIONS>, child: string[]): Command {
  if (values.help === true) return { command: 'help', topic: 'serve' };
  const framing = parseFraming(values.framing);
  const endpoint = parseEndpoint(values, child);
  if (positionals.length > 0) throw new UsageError(`serve takes no positional arguments, got '${positionals.join(' ')}'`);
  if (values.methods === undefined) throw new UsageError('serve needs --methods FILE.mjs: the module whose functions to serve');
  if (endpoint.kind === 'stdio' && endpoint.command !== undefined) {
    throw new UsageError('serve --stdio serves on this process\'s stdin/stdout; it takes no command after --');
  }
  const graceMs = parseMilliseconds('--grace', values.grace, DEFAULT_GRACE_MS, true);
  return { command: 'serve', endpoint, framing, methodsFile: values.methods, graceMs };
}

function parseCall({ values, positionals }: Parsed<typeof CALL_OPTIONS>, child: string[]): Command {
  if (values.help === true) return { command: 'help', topic: 'call' };
  const framing = parseFraming(values.framing);
  const endpoint = parseEndpoint(values, child);
  if (endpoint.kind === 'stdio' && endpoint.command === undefined) {
    throw new UsageError('call --stdio needs the server to run: call METHOD --stdio -- CMD [ARGS...]');
  }
  const timeoutMs = parseMilliseconds('--timeout', values.timeout, DEFAULT_TIMEOUT_MS, false);
  let steps: CallCommand['steps'];
  if (values.script !== undefined) {
    if (positionals.length > 0) throw new UsageError('give either --script or METHOD [PARAMS_JSON], not both');
    steps = { script: values.script };
  } else {
    if (values['keep-going'] === true) throw new UsageError('--keep-going goes with --script');
    if (positionals.length === 0) throw new UsageError('call needs a METHOD (or --script FILE)');
    if (positionals.length > 2) {
      throw new UsageError(`call takes METHOD and at most one PARAMS_JSON, got ${positionals.length} arguments (quote the JSON)`);
    }
    const [method, paramsText] = positionals;
    steps = [paramsText === undefined ? { method } : { method, params: parseParams(paramsText) }];
  }
  return {
    command: 'call',
    endpoint,
    framing,
    timeoutMs,
    verbose: values.verbose === true,
    trace: values.trace === true,
    steps,
    keepGoing: values['keep-going'] === true,
  };
}

function parseFraming(value: string | undefined): FramingName {
  if (value === undefined) return 'auto';
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

function parseMilliseconds(flag: string, value: string | undefined, fallback: number, zeroAllowed: boolean): number {
  if (value === undefined) return fallback;
  const ms = Number(value);
  if (value.trim() === '' || !Number.isFinite(ms) || ms < 0 || (ms === 0 && !zeroAllowed)) {
    throw new UsageError(`${flag} wants a ${zeroAllowed ? 'non-negative' : 'positive'} number of milliseconds; got '${value}'`);
  }
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
    throw new UsageError(`script line ${lineNumber} (${method}): "params" must be an array or an object`);
  }
  if (notification !== undefined && typeof notification !== 'boolean') {
    throw new UsageError(`script line ${lineNumber} (${method}): "notification" must be true or false`);
  }
  const step: CallStep = { method, line: lineNumber };
  if (params !== undefined) step.params = params as JsonRpcParams;
  if (notification === true) step.notification = true;
  return step;
}
