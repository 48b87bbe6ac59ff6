/** The engine's options, their defaults, and their checks (a bad option is a RangeError at construction). */
import type { FramerNatives } from '../framing/types.js';
import { checkVersion, type JsonRpcVersion } from '../parser/v1.js';
import { resolveConventions, type Conventions, type ConventionsName } from './conventions.js';
import type { Limits } from './state.js';
import type { EngineFraming } from './wire.js';

/**
 * How much incoming work may run and wait at once, and what runs alone: the engine's options that
 * a connection takes as they are (`ConnectionSettings` extends this).
 */
export interface SchedulingOptions {
  /**
   * Handlers that may run at once (batch entries count one each); reading pauses meanwhile. Each
   * running handler holds its promise and context whatever its message's size: this bounds that.
   * Default 512.
   */
  maxConcurrentHandlers?: number;
  /**
   * The same bound in bytes: the messages whose handlers run, measured as `maxQueuedBytes` measures
   * queued ones (a batch's entries share their text's length). Many small messages may run at once, few
   * large ones; one message larger than this still runs, alone. Default 4 MiB.
   */
  maxConcurrentHandlerBytes?: number;
  /**
   * Incoming calls parsed but not started, at most, while reading on for responses with every
   * handler busy (the deadlock rule, see state.ts); past it a request is answered -32001 and a
   * notification dropped (a connection's `'droppedNotification'`). Default 1024.
   */
  maxQueuedMessages?: number;
  /**
   * The same bound in bytes, a message's size being its JSON text's length (for ASCII text, its
   * bytes without the framing). One larger message still queues alone. Default 4 MiB.
   */
  maxQueuedBytes?: number;
  /**
   * Answers the remote side causes but does not read (-32001 refusals, error answers) made while
   * the output is blocked, in bytes, at which reading stops even while this side waits for
   * responses. This side's own requests and notifications are never refused for it: they queue
   * behind. Default 4 MiB.
   */
  maxWriteQueueBytes?: number;
  /** The most calls an incoming batch may hold; a larger one runs nothing and is answered -32600. Default 1000. */
  maxBatchSize?: number;
  /**
   * Methods whose handlers run alone, in order: each waits for the handlers before it and holds
   * everything after it (LSP document edits). A predicate that throws counts as true and is
   * reported (a connection's stage `'sequential'`).
   */
  sequential?: readonly string[] | ((method: string) => boolean);
}

export interface ProtocolEngineOptions extends SchedulingOptions {
  /** How messages travel: a byte-stream framing, `'message'` (whole JSON texts) or `'value'` (whole JSON values, values.ts). Default `'newline'`. */
  framing?: EngineFraming;
  /** The largest incoming message, in bytes. Default 64 MiB. */
  maxMessageBytes?: number;
  /** The UTF-8 byte length of a string (for Content-Length headers); a host with a native one passes it. */
  utf8Length?: (text: string) => number;
  /** Native byte work for the framers (UTF-8 decoding, byte search); see `FramerOptions.natives`. */
  natives?: FramerNatives;
  /** Cancellation and progress conventions. Default `'lsp'` for content-length framing, `'none'` otherwise. */
  conventions?: ConventionsName | Conventions;
  /**
   * Which JSON-RPC to speak (see parser/v1.ts): `'2.0'` (default), `'1.0'` (what is read and sent
   * is 1.0; no batches; the conventions default to `'none'`, and ones whose cancel or progress
   * notifications carry named params are refused), or `'both'` (each incoming message answered
   * in its own version; what this side sends is 2.0).
   */
  version?: JsonRpcVersion;
}

export const DEFAULT_MAX_CONCURRENT_HANDLERS = 512;
export const DEFAULT_MAX_CONCURRENT_HANDLER_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_QUEUED_MESSAGES = 1024;
export const DEFAULT_MAX_QUEUED_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_WRITE_QUEUE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_BATCH_SIZE = 1000;

const FRAMINGS: readonly string[] = ['newline', 'content-length', 'json-stream', 'auto', 'message', 'value'];

export interface CheckedOptions {
  readonly framing: EngineFraming;
  readonly limits: Limits;
  readonly maxBatchSize: number;
  readonly sequential: ((method: string) => boolean) | undefined;
  readonly version: JsonRpcVersion;
}

export function checkedOptions(options: ProtocolEngineOptions): CheckedOptions {
  const framing = options.framing ?? 'newline';
  if (!FRAMINGS.includes(framing)) {
    throw new TypeError(`Unknown framing ${JSON.stringify(framing as unknown)}: use ${FRAMINGS.map((f) => `'${f}'`).join(', ')}`);
  }
  return {
    framing,
    limits: {
      maxConcurrentHandlers: positive('maxConcurrentHandlers', options.maxConcurrentHandlers, DEFAULT_MAX_CONCURRENT_HANDLERS),
      maxConcurrentHandlerBytes: positive('maxConcurrentHandlerBytes', options.maxConcurrentHandlerBytes, DEFAULT_MAX_CONCURRENT_HANDLER_BYTES),
      maxQueuedMessages: positive('maxQueuedMessages', options.maxQueuedMessages, DEFAULT_MAX_QUEUED_MESSAGES),
      maxQueuedBytes: positive('maxQueuedBytes', options.maxQueuedBytes, DEFAULT_MAX_QUEUED_BYTES),
      maxWriteQueueBytes: positive('maxWriteQueueBytes', options.maxWriteQueueBytes, DEFAULT_MAX_WRITE_QUEUE_BYTES),
    },
    maxBatchSize: positive('maxBatchSize', options.maxBatchSize, DEFAULT_MAX_BATCH_SIZE),
    sequential: sequentialTest(options.sequential),
    version: checkVersion(options.version, 'ProtocolEngine'),
  };
}

function sequentialTest(sequential: ProtocolEngineOptions['sequential']): ((method: string) => boolean) | undefined {
  if (sequential === undefined) return undefined;
  if (typeof sequential === 'function') return sequential;
  if (!Array.isArray(sequential)) throw new TypeError('sequential must be an array of method names or a predicate');
  if (sequential.length === 0) return undefined;
  const names = new Set<string>(sequential);
  return (method) => names.has(method);
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Infinity || (Number.isInteger(value) && value >= 1)) return value;
  throw new RangeError(`${name} must be a positive integer or Infinity, got ${String(value)}`);
}

/** The conventions for `options`: under version '1.0', 'none' by default and nothing else (1.0 has no cancel or progress). */
export function conventionsFor(conventions: ProtocolEngineOptions['conventions'], checked: CheckedOptions): Conventions {
  const resolved = resolveConventions(conventions ?? (checked.version === '1.0' ? 'none' : undefined), checked.framing);
  if (checked.version === '1.0' && (resolved.cancel !== undefined || resolved.progress !== undefined)) {
    throw new RangeError(`version '1.0' takes conventions 'none': JSON-RPC 1.0 has no cancel or progress notifications (got '${resolved.name}')`);
  }
  return resolved;
}
