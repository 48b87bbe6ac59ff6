/** Checking what callers hand a connection: its options for the engine, and the options of one call (`request()`, `batch()`). */
import { isStandardSchema } from '../dispatch/entry.js';
import type { StandardSchemaV1 } from '../dispatch/standard-schema.js';
import { durationProblem } from './durations.js';
import type { ProtocolEngineOptions } from '../protocol/engine.js';
import type { Transport } from './transport.js';
import type { ConnectionSettings, RequestOptions } from './types.js';

export interface CheckedCallOptions {
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
  readonly onProgress: ((value: unknown) => void) | undefined;
  readonly resetTimeoutOnProgress: boolean;
  readonly maxTotalTimeoutMs: number | undefined;
  /** `request()`'s result schema (issue 14), if any. */
  readonly result: StandardSchemaV1 | undefined;
}

/**
 * The options of `request()`/`batch()`, checked; an Error (to reject the call with) when invalid.
 * Reading them runs user code (getters): what it throws is the call's TypeError.
 */
export function callOptions(options: RequestOptions): CheckedCallOptions | Error {
  try {
    const { signal, timeoutMs, onProgress, resetTimeoutOnProgress, maxTotalTimeoutMs } = options;
    const result: unknown = (options as { result?: unknown }).result;
    if (result !== undefined && !isStandardSchema(result)) return new TypeError('result must be a Standard Schema (Zod, Valibot, ArkType, ...)');
    const problem =
      (timeoutMs === undefined ? null : durationProblem('timeoutMs', timeoutMs)) ??
      (maxTotalTimeoutMs === undefined ? null : durationProblem('maxTotalTimeoutMs', maxTotalTimeoutMs));
    if (problem !== null) return problem;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      return new TypeError(`signal must be an AbortSignal, got ${signal === null ? 'null' : typeof signal}`);
    }
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      return new TypeError(`onProgress must be a function, got ${typeof onProgress}`);
    }
    return { signal, timeoutMs, onProgress, resetTimeoutOnProgress: resetTimeoutOnProgress === true, maxTotalTimeoutMs, result };
  } catch (err) {
    return new TypeError('The request options could not be read', { cause: err });
  }
}

/** A positive integer (or Infinity) option of a connection, or its default; a RangeError otherwise. */
export function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Infinity || (Number.isInteger(value) && value >= 1)) return value;
  throw new RangeError(`${name} must be a positive integer or Infinity, got ${String(value)}`);
}

/** The engine's options for a connection over `transport` (a message channel frames nothing). */
export function engineOptions(transport: Transport, options: ConnectionSettings): ProtocolEngineOptions {
  const legacy = options.cancellation === undefined ? undefined : options.cancellation ? 'lsp' : 'none';
  return {
    framing: transport.kind === 'messages' ? 'message' : transport.kind === 'values' ? 'value' : (options.framing ?? 'newline'),
    conventions: options.conventions ?? legacy,
    maxMessageBytes: options.maxMessageBytes,
    natives: options.natives,
    maxConcurrentHandlers: options.maxConcurrentHandlers,
    maxConcurrentHandlerBytes: options.maxConcurrentHandlerBytes,
    maxQueuedMessages: options.maxQueuedMessages,
    maxQueuedBytes: options.maxQueuedBytes,
    maxWriteQueueBytes: options.maxWriteQueueBytes,
    maxBatchSize: options.maxBatchSize,
    sequential: options.sequential,
    utf8Length: options.utf8Length,
    version: options.version,
  };
}
