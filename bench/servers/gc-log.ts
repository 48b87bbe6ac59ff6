/**
 * The garbage collector's pauses in this process, as intervals on the wall clock shared by every
 * process on the machine (`performance.timeOrigin` + the entry's start), so that the latency study
 * (bench/latency.ts) can ask whether a slow request overlapped a pause in its client or its server.
 */
import { performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/** One pause: [start, end], milliseconds since the epoch. */
export type Pause = readonly [number, number];

export interface GcLog {
  /** The pauses since the last clear(). */
  pauses(): Pause[];
  clear(): void;
}

export function startGcLog(): GcLog {
  let pauses: Pause[] = [];
  const record = (entries: readonly PerformanceEntry[]) => {
    for (const entry of entries) {
      const start = performance.timeOrigin + entry.startTime;
      pauses.push([start, start + entry.duration]);
    }
  };
  const observer = new PerformanceObserver((list) => record(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    // Entries are delivered later, in a task of their own: take the ones not delivered yet too.
    pauses: () => {
      record(observer.takeRecords());
      return pauses.slice();
    },
    clear: () => {
      pauses = [];
    },
  };
}

/** Whether [start, end] overlaps one of `pauses` (sorted by start). */
export function overlapsPause(pauses: readonly Pause[], start: number, end: number): boolean {
  let lo = 0;
  let hi = pauses.length;
  // The first pause that ends at or after `start`.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pauses[mid][1] < start) lo = mid + 1;
    else hi = mid;
  }
  return lo < pauses.length && pauses[lo][0] <= end;
}
