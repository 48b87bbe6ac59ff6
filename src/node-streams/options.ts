/**
 * Checking what callers hand a connection: the options of one call (`request()`, `batch()`), and the
 * `sequential` option turned into a predicate the scheduler can call.
 */
import { isStandardSchema } from '../dispatch/entry.js';
import type { StandardSchemaV1 } from '../dispatch/standard-schema.js';
import type { ConnectOptions, RequestOptions } from './connection-types.js';
import { durationProblem } from '../connection/durations.js';
import { catchRejection, isThenable } from '../connection/guard.js';

const noop = (): void => {};

export interface CallOptions {
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
  readonly result: StandardSchemaV1 | undefined;
}

/** The options of `request()`/`batch()`, checked; an Error (to reject the call with) when invalid. */
export function callOptions(options: RequestOptions): CallOptions | Error {
  try {
    const { signal, timeoutMs } = options;
    // (schema hook, issue 14) request()'s `result`: a Standard Schema for what comes back.
    const result: unknown = (options as { result?: unknown }).result;
    if (result !== undefined && !isStandardSchema(result)) return new TypeError('result must be a Standard Schema (Zod, Valibot, ArkType, ...)');
    const problem = timeoutMs === undefined ? null : durationProblem('timeoutMs', timeoutMs);
    if (problem !== null) return problem;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      return new TypeError(`signal must be an AbortSignal, got ${signal === null ? 'null' : typeof signal}`);
    }
    return { signal, timeoutMs, result };
  } catch (err) {
    return new TypeError('The request options could not be read', { cause: err });
  }
}

/**
 * The `sequential` option as a predicate. A user predicate may throw (the scheduler answers that
 * one message as if its handler had thrown); one that returns a promise is refused the same way,
 * since the answer is needed now.
 */
export function sequentialTest(sequential: ConnectOptions['sequential']): (method: string) => boolean {
  if (sequential === undefined) return () => false;
  if (typeof sequential === 'function') {
    return (method) => {
      const verdict: unknown = sequential(method);
      if (isThenable(verdict)) {
        catchRejection(verdict, noop); // the fault reported is the TypeError below
        throw new TypeError(`The sequential predicate returned a promise for '${method}'; it must return true or false at once`);
      }
      return Boolean(verdict);
    };
  }
  const names = new Set(sequential);
  return (method) => names.has(method);
}
