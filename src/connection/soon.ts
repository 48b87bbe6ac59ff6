/**
 * `runSoon(task)`: runs `task` where `queueMicrotask` would (after the running code, in order with
 * the other microtasks), as a reaction on one settled promise. On Node, `queueMicrotask` makes an
 * AsyncResource and a bound function on every call (for async_hooks); the connection defers a
 * write every turn, on a message channel every message, and that cost showed there.
 *
 * `task` must not throw: a throw would surface as an unhandled rejection, not an uncaught exception.
 */
const settled = Promise.resolve();

export function runSoon(task: () => void): void {
  void settled.then(task);
}
