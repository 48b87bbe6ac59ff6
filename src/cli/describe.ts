/**
 * `jsonrpc-wire describe (--tcp HOST:PORT | --socket PATH | --stdio -- CMD [ARGS...])`: asks the
 * server's `rpc.discover` (OpenRPC) and prints its methods, one readable line each:
 *
 *   Bank 1.2.0: Moves money
 *     bank.move({ from: string, to: string, amount: number }) -> boolean  Moves money between accounts
 *       errors: 4001 Insufficient funds
 *     sum(param1: number, param2?: number) -> number
 *
 * The call itself is `jsonrpc-wire call rpc.discover` (same options, framing detection and exit
 * codes); `call rpc.discover` prints the document as JSON instead. The document comes from the
 * server, so nothing in it is trusted: what is not shaped as OpenRPC is shown as `?`, and text is
 * printed with control characters escaped.
 */
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { EXIT, parseCommandLine, UsageError, type CallCommand } from './args.js';
import { runCall, type CallIo } from './call.js';
import { CliFailure } from './endpoint.js';
import { HELP } from './help.js';

const OPTIONS = {
  stdio: { type: 'boolean' },
  tcp: { type: 'string' },
  socket: { type: 'string' },
  framing: { type: 'string' },
  timeout: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runDescribe(argv: readonly string[], io: CallIo): Promise<number> {
  const dash = argv.indexOf('--');
  const ours = dash === -1 ? [...argv] : argv.slice(0, dash);
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: ours, options: OPTIONS, allowPositionals: true });
  } catch (err) {
    throw new UsageError(`describe: ${(err as Error).message}`);
  }
  if (parsed.values.help === true) {
    io.stdout.write(`${HELP.describe}\n`);
    return EXIT.ok;
  }
  if (parsed.positionals.length > 0) {
    throw new UsageError(`describe takes no positional arguments, got '${parsed.positionals.join(' ')}'`);
  }
  const command = parseCommandLine(['call', 'rpc.discover', ...argv]) as CallCommand;
  let printed = '';
  const capture = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      printed += String(chunk);
      done();
    },
  });
  const code = await runCall(command, { ...io, stdout: capture });
  if (code !== EXIT.ok) return code; // the call already said why, on stderr
  let document: unknown;
  try {
    document = JSON.parse(printed);
  } catch {
    throw new CliFailure(EXIT.connection, 'the answer to rpc.discover is not JSON');
  }
  io.stdout.write(formatDocument(document));
  return EXIT.ok;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The readable method list of an OpenRPC document (anything else is refused). */
export function formatDocument(document: unknown): string {
  if (!isObject(document) || !Array.isArray(document.methods)) {
    throw new CliFailure(EXIT.connection, 'the answer to rpc.discover is not an OpenRPC document (no methods)');
  }
  const info = isObject(document.info) ? document.info : {};
  const title = [text(info.title), text(info.version)].filter((part) => part !== '').join(' ');
  const lines = [`${title === '' ? 'A JSON-RPC service' : title}${info.description === undefined ? '' : `: ${text(info.description)}`}`];
  if (document.methods.length === 0) lines.push('  (no methods)');
  for (const method of document.methods) lines.push(...formatMethod(method));
  return `${lines.join('\n')}\n`;
}

function formatMethod(method: unknown): string[] {
  if (!isObject(method)) return ['  ?'];
  const params = Array.isArray(method.params) ? method.params.filter(isObject) : [];
  const list = params.map((p) => `${text(p.name)}${p.required === true ? '' : '?'}: ${typeName(p.schema)}`);
  let signature: string;
  if (method.paramStructure === 'by-name') signature = list.length === 0 ? '{ ... }' : `{ ${list.join(', ')} }`;
  else if (method.paramStructure === 'by-position') signature = list.join(', ');
  else signature = list.length === 0 ? '...' : list.join(', ');
  const result = isObject(method.result) ? ` -> ${typeName(method.result.schema)}` : '';
  const summary = method.summary ?? method.description;
  const lines = [`  ${text(method.name)}(${signature})${result}${summary === undefined ? '' : `  ${text(summary)}`}`];
  const errors = Array.isArray(method.errors) ? method.errors.filter(isObject) : [];
  if (errors.length > 0) lines.push(`    errors: ${errors.map((e) => `${text(e.code)} ${text(e.message)}`).join(', ')}`);
  return lines;
}

/** A short TypeScript-like name for a JSON Schema (depth-limited: a hostile schema may nest deeply). */
function typeName(schema: unknown, depth = 0): string {
  if (!isObject(schema) || depth > 4) return 'any';
  if ('const' in schema) return JSON.stringify(schema.const) ?? 'any';
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v) ?? '?').join(' | ');
  const union = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(union)) return union.map((s) => typeName(s, depth + 1)).join(' | ');
  const items = schema.prefixItems ?? schema.items;
  switch (schema.type) {
    case 'array':
      if (Array.isArray(items)) return `[${items.map((s) => typeName(s, depth + 1)).join(', ')}]`;
      return `${typeName(items, depth + 1)}[]`;
    case 'object': {
      if (!isObject(schema.properties)) return 'object';
      const required = Array.isArray(schema.required) ? schema.required : [];
      const members = Object.entries(schema.properties).map(
        ([name, s]) => `${text(name)}${required.includes(name) ? '' : '?'}: ${typeName(s, depth + 1)}`,
      );
      return `{ ${members.join(', ')} }`;
    }
    case 'integer':
      return 'integer';
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return schema.type;
    default:
      return Array.isArray(schema.type) ? schema.type.map((t) => text(t)).join(' | ') : 'any';
  }
}

/** A value as one line of text, control characters escaped, at most 200 characters. */
function text(value: unknown): string {
  const shown = typeof value === 'string' ? value : value === undefined ? '' : (JSON.stringify(value) ?? '?');
  // eslint-disable-next-line no-control-regex
  const escaped = shown.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > 200 ? `${escaped.slice(0, 200)}…` : escaped;
}
