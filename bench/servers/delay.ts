/**
 * `delayMicros(200)`: a promise that resolves about 0.2 ms later, for the flood receiver's handler.
 *
 * `setTimeout` cannot wait less than 1 ms, so every pending delay goes into one FIFO (all delays
 * have the same length, so deadlines are in order) and a single `setImmediate` loop resolves the
 * ones whose deadline (process.hrtime) has passed, once per event-loop turn. The cost per delay is
 * O(1) however many handlers are waiting, so the figure is about the receiver, not the timer. While
 * delays are pending the loop polls I/O without blocking (it spins a little when nothing else runs).
 */
interface Waiter {
  deadline: bigint;
  resolve: () => void;
}

let queue: Waiter[] = [];
let head = 0;
let polling = false;

function poll(): void {
  const now = process.hrtime.bigint();
  while (head < queue.length && queue[head].deadline <= now) queue[head++].resolve();
  if (head > 4096 && head * 2 > queue.length) {
    queue = queue.slice(head);
    head = 0;
  }
  if (head < queue.length) setImmediate(poll);
  else {
    queue = [];
    head = 0;
    polling = false;
  }
}

export function delayMicros(micros: number): Promise<void> {
  return new Promise<void>((resolve) => {
    queue.push({ deadline: process.hrtime.bigint() + BigInt(Math.round(micros * 1000)), resolve });
    if (!polling) {
      polling = true;
      setImmediate(poll);
    }
  });
}
