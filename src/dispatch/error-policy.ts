/**
 * What the remote side learns when a handler fails.
 *
 * A `JsonRpcException` is sent as thrown: its code, message and data were chosen for the caller.
 * Anything else (a plain `Error`, a `TypeError` from a bug, a thrown string, a result that is not
 * JSON) is a server fault whose message and stack may hold paths, SQL or secrets, so by default
 * it becomes a bare -32603 `Internal error`, and the original goes to `onHandlerError` for logging.
 */
import { JsonRpcException, JsonRpcInternalError } from '../parser/errors.js';
import type { JsonRpcId } from '../parser/messages.js';

/** Where a server fault happened, as `onHandlerError` is told. */
export interface HandlerErrorInfo {
  /** The method called (as the caller spelled it). */
  readonly method: string;
  /** The request's id; `undefined` for a notification (nobody will see the error: log it). */
  readonly id: JsonRpcId | undefined;
  /**
   * `'handler'`: the handler threw or rejected. `'encode'`: its result or error has no JSON form.
   * The other stages are user code that is not a handler (connections report these):
   * - `'sequential'`: the `sequential` predicate threw (or returned a promise) for `method`;
   * - `'progress'`: an `onProgress` listener threw or rejected (`method` is the progress method);
   * - `'listener'`: a `connection.on(event)` listener (or a `stderr`, `trace` or `redact` function) threw or rejected;
   * - `'abort'`: a listener on a handler's `context.signal` threw when the signal aborted;
   * - `'setup'`: the setup callback of a server (`listenTcp`) threw or rejected;
   * - `'conventions'`: a function of custom `conventions` threw (the message went to the handlers).
   */
  readonly stage: 'handler' | 'encode' | 'sequential' | 'progress' | 'listener' | 'abort' | 'setup' | 'conventions';
  /** For `'listener'`: the event whose listener failed (`'close'`, ..., `'stderr'`). */
  readonly event?: string;
}

export interface ErrorPolicy {
  /**
   * Put the fault's description in the -32603 error's `data`: `true` gives `{ name, message }`,
   * `'with-stack'` adds `stack`. Default `false`: nothing but code -32603 and `Internal error`.
   * Only for development and trusted callers.
   */
  exposeErrors?: boolean | 'with-stack';
  /**
   * Called with the original value for every server fault (never for a thrown `JsonRpcException`,
   * which is a deliberate answer). Runs synchronously; what it throws or rejects with is ignored,
   * so a broken logger cannot break the response.
   */
  onHandlerError?: (error: unknown, info: HandlerErrorInfo) => void;
}

const UNKNOWN_INFO: HandlerErrorInfo = { method: '', id: undefined, stage: 'handler' };

/**
 * Maps anything a handler threw into the exception to send under `policy`: a `JsonRpcException`
 * unchanged, anything else a -32603 `JsonRpcInternalError` (with a description only if
 * `exposeErrors`), after reporting it to `onHandlerError`.
 *
 * Total: it never throws, whatever `error` is (a Proxy whose traps throw, a revoked Proxy, getters
 * that throw, a Symbol, a cycle) and whatever the hook does. A `JsonRpcException` whose `toJSON()`
 * throws or gives no valid error object is a server fault like any other.
 */
export function toJsonRpcException(
  error: unknown,
  policy: ErrorPolicy = {},
  info: HandlerErrorInfo = UNKNOWN_INFO,
): JsonRpcException {
  // instanceof JsonRpcException is a brand check: it runs no trap of a Proxy.
  if (error instanceof JsonRpcException && hasWireForm(error)) return error;
  reportHandlerError(error, policy, info);
  try {
    const expose = policy.exposeErrors ?? false;
    if (expose === false) return new JsonRpcInternalError();
    return new JsonRpcInternalError(undefined, describe(error, expose === 'with-stack'));
  } catch {
    return new JsonRpcInternalError();
  }
}

/** Calls `onHandlerError`, swallowing whatever it throws, rejects with or returns. */
export function reportHandlerError(error: unknown, policy: ErrorPolicy, info: HandlerErrorInfo): void {
  try {
    const hook = policy.onHandlerError;
    if (hook === undefined) return;
    const returned: unknown = hook(error, info);
    // A hook declared `async` returns a promise; its rejection must not become an unhandled one.
    if (isThenable(returned)) returned.then(undefined, () => undefined);
  } catch {
    // The hook is for logging; a failing logger must not change what the caller receives.
  }
}

/** Whether a thrown exception's `toJSON()` (which a subclass may override) gives a sendable error object. */
function hasWireForm(error: JsonRpcException): boolean {
  try {
    const wire: unknown = error.toJSON();
    return (
      typeof wire === 'object' &&
      wire !== null &&
      Number.isInteger((wire as { code?: unknown }).code) &&
      typeof (wire as { message?: unknown }).message === 'string'
    );
  } catch {
    return false;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** A JSON-safe description of a thrown value. Reading its members may throw (getters, proxies). */
function describe(error: unknown, withStack: boolean): { name?: string; message: string; stack?: string } {
  let isError: boolean;
  try {
    isError = error instanceof Error; // on a Proxy this runs its getPrototypeOf trap
  } catch {
    isError = false;
  }
  if (isError) {
    const err = error as Error;
    const out: { name?: string; message: string; stack?: string } = {
      name: safeString(() => err.name),
      message: safeString(() => err.message),
    };
    if (withStack) {
      const stack = safeString(() => err.stack ?? '');
      if (stack !== '') out.stack = stack;
    }
    return out;
  }
  return { message: safeString(() => error) };
}

function safeString(read: () => unknown): string {
  try {
    return String(read());
  } catch {
    return '[unprintable]';
  }
}
