/**
 * `handle()`: the text of one request or batch in, the text to send back (or null) out.
 *
 * ```ts
 * const dispatcher = new Dispatcher().add('subtract', (a: number, b: number) => a - b);
 * await handle('{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}', dispatcher);
 * // '{"jsonrpc":"2.0","id":1,"result":19}'
 * await handle('{"jsonrpc":"2.0","method":"subtract","params":[42,23]}', dispatcher); // null
 * ```
 *
 * It answers exactly as section 7 of the JSON-RPC 2.0 specification shows: invalid JSON anywhere is
 * one -32700; `[]` is one -32600 object; a batch is answered with an array holding one response
 * per request and per invalid entry (in the batch's order, though callers must not rely on order),
 * or null when every entry was a notification. Incoming responses are ignored.
 */
import { JsonRpcInvalidRequestError } from '../parser/errors.js';
import {
  encodeError,
  parseErrorMessage,
  validateMessage,
  type JsonRpcBatch,
  type JsonRpcInvalidMessage,
  type JsonRpcMessage,
  type JsonRpcSingleMessage,
} from '../parser/messages.js';
import { checkVersion, validateVersioned, type JsonRpcVersion, type VersionedMessage } from '../parser/v1.js';
import type { Dispatcher } from './dispatcher.js';
import { runPool } from './pool.js';
import { JSON_RPC_1, respondWith, type OptionsArgument, type RespondOptions } from './respond.js';
import type { DispatchContext, MethodTable } from './types.js';

/** Default bound on the number of entries in one batch. */
export const DEFAULT_MAX_BATCH_SIZE = 1000;
/** Default bound on the batch entries whose handlers run at the same time. */
export const DEFAULT_MAX_CONCURRENCY = 16;

export interface HandleOptions<C extends DispatchContext = DispatchContext> extends RespondOptions<C> {
  /**
   * The most entries a batch may have. A larger batch runs nothing and is answered with one -32600
   * error (id null) whose `data.reason` states the limit. Default 1000; `Infinity` for no limit.
   */
  maxBatchSize?: number;
  /**
   * The most batch entries handled at once; the next starts when one finishes. Default 16; 1 runs a
   * batch in order, one entry at a time.
   */
  maxConcurrency?: number;
  /**
   * Which JSON-RPC to speak: `'2.0'` (default), `'1.0'` (requests without `jsonrpc`, positional
   * params, `"id": null` for a notification; answers carry `result` and `error`, one of them null;
   * no batches) or `'both'` (each message answered in the version it speaks: `"jsonrpc": "2.0"` and
   * batches by 2.0's rules, anything else by 1.0's). See parser/v1.ts.
   */
  version?: JsonRpcVersion;
}

// One decoder for every call: with `fatal` it throws on invalid UTF-8 instead of inserting U+FFFD,
// and a non-streaming decode() keeps no state between calls. A leading UTF-8 BOM in bytes is dropped
// (RFC 8259 lets a parser ignore it); in a string it is not, and JSON.parse rejects it with -32700.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Answers `input` (JSON text, or its UTF-8 bytes) using `dispatcher`. Resolves with the response
 * text, or null when nothing is to be sent. Never rejects for anything in `input`; it rejects only
 * when `options` are invalid (a programming error). If `options.signal` aborts, handlers still
 * running are answered with -32800 and the promise resolves at once.
 */
export async function handle<M extends MethodTable<M>, C extends DispatchContext>(
  input: string | Uint8Array,
  dispatcher: Dispatcher<M, C>,
  ...[options]: OptionsArgument<C, HandleOptions<C>>
): Promise<string | null> {
  const opts: HandleOptions<C> = options ?? {};
  const bounds = checkBounds(opts);
  const version = checkVersion(opts.version, 'handle()');
  if (version !== '2.0') {
    // Text that is not JSON speaks no version: answered in 1.0's form under '1.0', else in 2.0's.
    const versioned = decode<VersionedMessage>(input, (value) => validateVersioned(value, version), (invalid) => ({
      message: invalid,
      version: version === '1.0' ? '1.0' : '2.0',
    }));
    if (versioned.version === '1.0') {
      // 1.0 has no batches, so a 1.0 message is never one (an array reads as 2.0 under 'both').
      return respondWith(versioned.message as JsonRpcSingleMessage, dispatcher, opts, JSON_RPC_1);
    }
    return answerMessage(versioned.message, dispatcher, opts, bounds);
  }
  return answerMessage(decode(input, validateMessage, (invalid) => invalid), dispatcher, opts, bounds);
}

function answerMessage<M extends MethodTable<M>, C extends DispatchContext>(
  message: JsonRpcMessage,
  dispatcher: Dispatcher<M, C>,
  opts: HandleOptions<C>,
  bounds: { maxBatchSize: number; maxConcurrency: number },
): Promise<string | null> {
  if (message.kind !== 'batch') return respondWith(message, dispatcher, opts);
  return answerBatch(message, dispatcher, opts, bounds);
}

/**
 * The response text for a parsed batch, or null when no entry is answered: `handle()`'s batch
 * rules (size limit, bounded concurrency, one response per request or invalid entry) for a
 * connection layer that has already parsed the frame. Never rejects, except for invalid options.
 */
export async function respondBatch<M extends MethodTable<M>, C extends DispatchContext>(
  batch: JsonRpcBatch,
  dispatcher: Dispatcher<M, C>,
  ...[options]: OptionsArgument<C, HandleOptions<C>>
): Promise<string | null> {
  const opts: HandleOptions<C> = options ?? {};
  return answerBatch(batch, dispatcher, opts, checkBounds(opts));
}

async function answerBatch<M extends MethodTable<M>, C extends DispatchContext>(
  batch: JsonRpcBatch,
  dispatcher: Dispatcher<M, C>,
  opts: HandleOptions<C>,
  bounds: { maxBatchSize: number; maxConcurrency: number },
): Promise<string | null> {
  const entries = batch.messages;
  if (entries.length > bounds.maxBatchSize) {
    return encodeError(null, oversizedBatchError(entries.length, bounds.maxBatchSize));
  }
  const texts = await runPool(entries, bounds.maxConcurrency, (entry) => respondWith(entry, dispatcher, opts));
  const answers = texts.filter((text): text is string => text !== null);
  // The entries are already JSON text; joining them is cheaper than re-encoding objects.
  return answers.length === 0 ? null : `[${answers.join(',')}]`;
}

/** The one -32600 answer (id null) to a batch of more than `maxBatchSize` entries. */
export function oversizedBatchError(size: number, maxBatchSize: number): JsonRpcInvalidRequestError {
  return new JsonRpcInvalidRequestError(undefined, {
    reason: `A batch may hold at most ${maxBatchSize} messages; this one has ${size}. Split it into smaller batches.`,
  });
}

/** `input` parsed and then validated by `validate`; text that is not JSON (or UTF-8) is a -32700 for `unparsable`. */
function decode<T>(
  input: string | Uint8Array,
  validate: (value: unknown) => T,
  unparsable: (invalid: JsonRpcInvalidMessage) => T,
): T {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    if (!(input instanceof Uint8Array)) {
      throw new TypeError(`handle() takes a string or a Uint8Array, got ${input === null ? 'null' : typeof input}`);
    }
    try {
      text = utf8.decode(input);
    } catch {
      return unparsable(parseErrorMessage('the message is not valid UTF-8'));
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return unparsable(parseErrorMessage(err instanceof Error ? err.message : String(err)));
  }
  return validate(value);
}

function checkBounds(opts: { maxBatchSize?: number; maxConcurrency?: number }): {
  maxBatchSize: number;
  maxConcurrency: number;
} {
  return {
    maxBatchSize: checkBound('maxBatchSize', opts.maxBatchSize, DEFAULT_MAX_BATCH_SIZE),
    maxConcurrency: checkBound('maxConcurrency', opts.maxConcurrency, DEFAULT_MAX_CONCURRENCY),
  };
}

function checkBound(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Infinity || (Number.isInteger(value) && value >= 1)) return value;
  throw new RangeError(`handle(): ${name} must be a positive integer or Infinity, got ${String(value)}`);
}
