/**
 * Running user code that is not a handler (event listeners, progress listeners, the `sequential`
 * predicate, setup callbacks, abort listeners) so that nothing it does breaks the library: what it
 * throws, and what a promise it returns rejects with, goes to a `Report` function; never up the
 * library's own stack, never to an unhandled rejection or an uncaught exception.
 *
 * Connections report through `onHandlerError` (see `reporter`), with a stage naming the kind of
 * callback. That hook is itself guarded (error-policy.ts): a hook that throws is ignored, so
 * reporting can never loop.
 */
import { reportHandlerError, type ErrorPolicy, type HandlerErrorInfo } from '../dispatch/error-policy.js';

/** Where a contained failure goes. Must not throw. */
export type Report = (error: unknown) => void;

/** A `Report` that hands failures to `policy.onHandlerError` with `info`. */
export function reporter(policy: ErrorPolicy, info: HandlerErrorInfo): Report {
  return (error) => reportHandlerError(error, policy, info);
}

/** True for a promise or promise-like value. Reading `then` runs user code: it may throw. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** When `value` is a thenable, hands its rejection to `report` (its `then` may throw: reported too). */
export function catchRejection(value: unknown, report: Report): void {
  try {
    if (isThenable(value)) value.then(undefined, report);
  } catch (err) {
    report(err);
  }
}

/** Calls `fn(...args)`: a throw, or the rejection of a thenable it returns, goes to `report`. */
export function callGuarded<A extends unknown[]>(fn: (...args: A) => unknown, args: A, report: Report): void {
  let returned: unknown;
  try {
    returned = fn(...args);
  } catch (err) {
    report(err);
    return;
  }
  catchRejection(returned, report);
}

/** A one-line description of a thrown value for an error message; reading it never throws. */
export function describeThrown(value: unknown): string {
  try {
    if (value instanceof Error) return String(value.message);
    return String(value);
  } catch {
    return 'an unprintable value';
  }
}

// ---- AbortSignal listeners -------------------------------------------------------------------------

type EventHandler = (event: Event) => unknown;
type Listener = EventHandler | { handleEvent(event: Event): unknown };
type AddListener = (this: EventTarget, type: string, listener: unknown, options?: unknown) => void;

const addListener = EventTarget.prototype.addEventListener as AddListener;
const removeListener = EventTarget.prototype.removeEventListener as AddListener;
const onabortProperty = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'onabort');

/**
 * An AbortController whose signal contains the listeners added to it. Node treats an AbortSignal
 * listener that throws (or returns a rejected promise) as an uncaught exception, which ends the
 * process: a handler's `context.signal.addEventListener('abort', () => { throw ... })` would crash
 * it when the connection cancels the call or closes. The listeners added through this one signal's
 * `addEventListener` and `onabort` are wrapped; signals a handler derives from it
 * (`AbortSignal.any`) are its own.
 */
export function guardedController(report: Report): AbortController {
  const controller = new AbortController();
  guardSignal(controller.signal, report);
  return controller;
}

function guardSignal(signal: AbortSignal, report: Report): void {
  // The wrapper of each (listener, type, capture): adding a listener twice must add it once, and
  // removing it must find what was added.
  const wrappers = new WeakMap<object, Map<string, EventHandler>>();
  const wrapperOf = (type: string, listener: Listener, options: unknown, create: boolean): EventHandler | undefined => {
    const key = `${type}\u0000${isCapture(options) ? 1 : 0}`;
    let byKey = wrappers.get(listener);
    let wrapper = byKey?.get(key);
    if (wrapper === undefined && create) {
      wrapper = guardedListener(listener, report);
      if (byKey === undefined) wrappers.set(listener, (byKey = new Map()));
      byKey.set(key, wrapper);
    }
    return wrapper;
  };
  let onabort: EventHandler | null = null;
  Object.defineProperties(signal, {
    addEventListener: {
      configurable: true,
      writable: true,
      value(this: AbortSignal, type: string, listener: Listener | null, options?: unknown) {
        if (!isListener(listener)) return addListener.call(this, type, listener, options);
        return addListener.call(this, type, wrapperOf(String(type), listener, options, true)!, options);
      },
    },
    removeEventListener: {
      configurable: true,
      writable: true,
      value(this: AbortSignal, type: string, listener: Listener | null, options?: unknown) {
        if (!isListener(listener)) return removeListener.call(this, type, listener, options);
        const wrapper = wrapperOf(String(type), listener, options, false);
        if (wrapper !== undefined) removeListener.call(this, type, wrapper, options);
      },
    },
    onabort: {
      configurable: true,
      enumerable: true,
      get: () => onabort,
      set(this: AbortSignal, value: unknown) {
        onabort = typeof value === 'function' ? (value as EventHandler) : null;
        onabortProperty?.set?.call(this, onabort === null ? null : guardedListener(onabort, report));
      },
    },
  });
}

function guardedListener(listener: Listener, report: Report): EventHandler {
  return function (this: unknown, event: Event): void {
    let returned: unknown;
    try {
      returned =
        typeof listener === 'function' ? listener.call(this, event) : listener.handleEvent(event);
    } catch (err) {
      report(err);
      return;
    }
    catchRejection(returned, report);
  };
}

function isListener(value: unknown): value is Listener {
  return typeof value === 'function' || (typeof value === 'object' && value !== null);
}

function isCapture(options: unknown): boolean {
  if (typeof options === 'boolean') return options;
  return typeof options === 'object' && options !== null && (options as { capture?: unknown }).capture === true;
}
