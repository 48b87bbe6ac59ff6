/**
 * Duration options (`timeoutMs`, `killTimeoutMs`): how they are checked, and a timer that honours
 * any of them.
 *
 * Node's `setTimeout` takes at most 2^31 - 1 ms (about 24.8 days); a longer delay fires after 1 ms
 * with a `TimeoutOverflowWarning`. A long duration is therefore waited out as a chain of timers of
 * at most that length each. `Infinity` means no timer at all.
 */

/** The longest delay one `setTimeout` honours. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Null when `value` is a valid duration (a number >= 0, or Infinity), else why it is not. */
export function durationProblem(name: string, value: unknown): RangeError | null {
  if (typeof value === 'number' && value >= 0) return null; // NaN fails `>= 0` too
  const shown = typeof value === 'number' ? String(value) : typeof value === 'string' ? JSON.stringify(value) : typeof value;
  return new RangeError(`${name} must be a number of milliseconds >= 0, or Infinity for none; got ${shown}`);
}

/** Throws the RangeError of `durationProblem` (for options checked when something is created). */
export function checkDuration(name: string, value: unknown): void {
  const problem = durationProblem(name, value);
  if (problem !== null) throw problem;
}

export interface Timer {
  /** Stops the timer; `fire` will not be called. Safe to call more than once. */
  clear(): void;
}

const NO_TIMER: Timer = { clear: () => {} };

/**
 * Calls `fire` once after `ms` (a valid duration, see `durationProblem`); never for Infinity.
 * `maxStep` is the longest single timer (tests shorten it to see the chain work).
 */
export function startTimer(ms: number, fire: () => void, maxStep = MAX_TIMER_DELAY_MS): Timer {
  if (ms === Infinity) return NO_TIMER;
  let remaining = ms;
  let handle: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    const step = Math.min(remaining, maxStep);
    remaining -= step;
    handle = setTimeout(onTimeout, step);
  };
  const onTimeout = (): void => {
    if (remaining > 0) arm();
    else {
      handle = undefined;
      fire();
    }
  };
  arm();
  return {
    clear: () => {
      if (handle !== undefined) clearTimeout(handle);
      handle = undefined;
      remaining = 0;
    },
  };
}
