/**
 * The command lines of `jsonrpc-wire tap` and `jsonrpc-wire stats`. Pure, like args.ts: every
 * problem is a UsageError naming it.
 */
import { parseArgs } from 'node:util';
import type { FramingName } from '../framing/types.js';
import { parseHostPort, UsageError } from './args.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface TapCommand {
  readonly command: 'tap';
  readonly target:
    | { readonly kind: 'stdio'; readonly command: string; readonly args: readonly string[] }
    | { readonly kind: 'tcp'; readonly listen: HostPort; readonly to: HostPort };
  /** The log file (appended to); without it the log goes to stderr. */
  readonly log?: string;
  readonly framing: FramingName;
  readonly redact: boolean;
}

/** `tap --help` or `stats --help`. */
export interface TrafficHelp {
  readonly command: 'help';
  readonly topic: 'tap' | 'stats';
}

export interface StatsCommand {
  readonly command: 'stats';
  readonly file: string;
  readonly html?: string;
}

const FRAMINGS: readonly FramingName[] = ['auto', 'newline', 'content-length', 'json-stream'];

/** `argv` after the word `tap`. */
export function parseTapCommand(argv: readonly string[]): TapCommand | TrafficHelp {
  const dash = argv.indexOf('--');
  const ours = dash === -1 ? [...argv] : argv.slice(0, dash);
  const child = dash === -1 ? [] : argv.slice(dash + 1);
  const { values, positionals } = strictArgs(ours, {
    log: { type: 'string' },
    framing: { type: 'string' },
    redact: { type: 'boolean' },
    tcp: { type: 'string' },
    to: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) return { command: 'help', topic: 'tap' };
  if (positionals.length > 0) throw new UsageError(`tap runs the server given after --: put '${positionals.join(' ')}' after --`);
  const common = {
    command: 'tap' as const,
    framing: parseTapFraming(values.framing as string | undefined),
    redact: values.redact === true,
    ...(values.log === undefined ? {} : { log: values.log as string }),
  };
  if (values.tcp !== undefined || values.to !== undefined) {
    if (values.tcp === undefined || values.to === undefined) throw new UsageError('tap --tcp LISTEN needs --to HOST:PORT, the server to forward to (and --to needs --tcp)');
    if (child.length > 0) throw new UsageError('tap --tcp forwards to --to HOST:PORT; it takes no command after --');
    const listen = parseHostPort(values.tcp as string);
    const to = hostPort(values.to as string, '--to');
    return { ...common, target: { kind: 'tcp', listen: { host: listen.host, port: listen.port }, to } };
  }
  const [command, ...args] = child;
  if (command === undefined) throw new UsageError('tap needs the server to run: jsonrpc-wire tap --log FILE -- CMD [ARGS...]');
  return { ...common, target: { kind: 'stdio', command, args } };
}

/** `argv` after the word `stats`. */
export function parseStatsCommand(argv: readonly string[]): StatsCommand | TrafficHelp {
  const { values, positionals } = strictArgs(argv, { html: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help === true) return { command: 'help', topic: 'stats' };
  if (positionals.length !== 1) throw new UsageError(`stats reads one log: jsonrpc-wire stats LOG.jsonl [--html REPORT.html]; got ${positionals.length} files`);
  return values.html === undefined
    ? { command: 'stats', file: positionals[0] }
    : { command: 'stats', file: positionals[0], html: values.html as string };
}

type Options = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function strictArgs(args: readonly string[], options: Options): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    // Node's advice to "place it after '--'" means the server's arguments here: name the flag only.
    const flag = /'(-[^']*)'/.exec((err as Error).message)?.[1];
    throw new UsageError(flag === undefined ? (err as Error).message : `unknown or incomplete option '${flag}'`);
  }
}

function parseTapFraming(value: string | undefined): FramingName {
  if (value === undefined) return 'auto';
  if ((FRAMINGS as readonly string[]).includes(value)) return value as FramingName;
  throw new UsageError(`--framing must be one of ${FRAMINGS.join(', ')}; got '${value}'`);
}

function hostPort(text: string, flag: string): HostPort {
  try {
    const { host, port } = parseHostPort(text);
    if (port === 0) throw new UsageError('');
    return { host, port };
  } catch {
    throw new UsageError(`${flag} wants HOST:PORT with a port from 1 to 65535, e.g. 127.0.0.1:7000; got '${text}'`);
  }
}
