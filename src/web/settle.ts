/** Waiting on a close that a stuck peer could hold open forever: bounded by a timer. */

/** How long a graceful close waits for the output to be flushed before it is dropped. */
export const CLOSE_FLUSH_TIMEOUT_MS = 2000;

/** Resolves true once `promise` settles (either way), or false after `ms`; never rejects. */
export function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const settled = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(settled, settled);
  });
}
