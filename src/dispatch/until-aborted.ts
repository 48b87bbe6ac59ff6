/** Bounding a wait by an AbortSignal (for handlers in `handle()`, and asynchronous validation). */
import { JsonRpcRequestCancelledError } from '../parser/errors.js';

/** `promise`, or a -32800 rejection as soon as `signal` aborts, whichever comes first. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.then(undefined, () => undefined); // its outcome no longer matters; keep it from going unhandled
    return Promise.reject(new JsonRpcRequestCancelledError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new JsonRpcRequestCancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
