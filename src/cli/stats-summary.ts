/**
 * What `jsonrpc-wire stats` says about a tap log: per-method counts, errors and latency
 * percentiles, the largest messages, the requests never answered, and the calls for a timeline.
 * Pure: log lines in, a summary out (stats.ts reads the file, prints it, and stats-html.ts draws it).
 */
import type { Direction, LogLine, MessageLine } from './log-format.js';
import { lineTime } from './log-format.js';

/** Largest messages listed. */
export const LARGEST_SHOWN = 10;
/** Calls kept for the timeline (the first ones; the rest are only counted). */
export const MAX_TIMELINE_CALLS = 5000;

export interface MethodStats {
  readonly method: string;
  requests: number;
  notifications: number;
  /** Error responses to this method's requests. */
  errors: number;
  unanswered: number;
  /** Latencies of the answered requests, in ms, ascending once summarize() returns. */
  readonly latencies: number[];
  largest: number;
}

/** A request and its answer (or none), or a notification, in ms since the session's first line. */
export interface TimelineCall {
  readonly method: string;
  readonly dir: Direction;
  readonly start: number;
  end?: number;
  error?: boolean;
  readonly notification: boolean;
}

export interface SessionSummary {
  readonly startTime: number | undefined;
  readonly endTime: number | undefined;
  readonly messages: Record<Direction, number>;
  readonly methods: MethodStats[];
  readonly largest: MessageLine[];
  readonly unanswered: MessageLine[];
  /** Responses whose id matched no request in the log. */
  readonly unmatched: number;
  readonly invalid: MessageLine[];
  readonly unreadable: LogLine[];
  readonly droppedLines: number;
  readonly skippedBytes: number;
  readonly exit: { code?: number | null; signal?: string | null } | undefined;
  readonly command: readonly string[] | undefined;
  readonly calls: TimelineCall[];
  readonly callsNotShown: number;
}

/** The nearest-rank percentile of ascending values (p in 0..1). */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

const other = (dir: Direction): Direction => (dir === 'to-server' ? 'to-client' : 'to-server');

export function summarize(lines: Iterable<LogLine>): SessionSummary {
  const methods = new Map<string, MethodStats>();
  const pending = new Map<string, { line: MessageLine; call?: TimelineCall }>();
  const messages: Record<Direction, number> = { 'to-server': 0, 'to-client': 0 };
  const largest: MessageLine[] = [];
  const invalid: MessageLine[] = [];
  const unreadable: LogLine[] = [];
  const calls: TimelineCall[] = [];
  let startTime: number | undefined;
  let endTime: number | undefined;
  let unmatched = 0;
  let droppedLines = 0;
  let skippedBytes = 0;
  let callsNotShown = 0;
  let exit: SessionSummary['exit'];
  let command: readonly string[] | undefined;

  const statsOf = (method: string): MethodStats => {
    let stats = methods.get(method);
    if (stats === undefined) {
      stats = { method, requests: 0, notifications: 0, errors: 0, unanswered: 0, latencies: [], largest: 0 };
      methods.set(method, stats);
    }
    return stats;
  };
  const keyOf = (line: MessageLine, requestDir: Direction): string => `${line.conn ?? 0} ${requestDir} ${JSON.stringify(line.id)}`;
  const addCall = (call: TimelineCall): TimelineCall | undefined => {
    if (calls.length >= MAX_TIMELINE_CALLS) {
      callsNotShown++;
      return undefined;
    }
    calls.push(call);
    return call;
  };

  for (const line of lines) {
    const time = lineTime(line);
    if (Number.isFinite(time)) {
      startTime ??= time;
      endTime = Math.max(endTime ?? time, time);
    }
    const at = time - (startTime ?? time);
    switch (line.kind) {
      case 'start':
        command = line.command;
        continue;
      case 'exit':
        exit = { code: line.code, signal: line.signal };
        continue;
      case 'open':
      case 'close':
        continue;
      case 'dropped':
        droppedLines += line.lines ?? 0;
        skippedBytes += line.bytes ?? 0;
        continue;
      case 'unreadable':
        unreadable.push(line);
        continue;
    }
    messages[line.dir]++;
    if (line.size > 0) insertLargest(largest, line);
    if (line.kind === 'invalid') {
      invalid.push(line);
      continue;
    }
    if (line.kind === 'notification') {
      const stats = statsOf(line.method ?? '');
      stats.notifications++;
      stats.largest = Math.max(stats.largest, line.size);
      addCall({ method: stats.method, dir: line.dir, start: at, notification: true });
      continue;
    }
    if (line.kind === 'request') {
      const stats = statsOf(line.method ?? '');
      stats.requests++;
      stats.largest = Math.max(stats.largest, line.size);
      pending.set(keyOf(line, line.dir), { line, call: addCall({ method: stats.method, dir: line.dir, start: at, notification: false }) });
      continue;
    }
    // A response: it settles the request with its id that went the other way.
    const key = keyOf(line, other(line.dir));
    const request = pending.get(key);
    if (request === undefined) {
      unmatched++;
      continue;
    }
    pending.delete(key);
    const stats = statsOf(request.line.method ?? '');
    stats.largest = Math.max(stats.largest, line.size);
    if (line.errorCode !== undefined) stats.errors++;
    if (line.latencyMs !== undefined) stats.latencies.push(line.latencyMs);
    if (request.call !== undefined) {
      request.call.end = at;
      request.call.error = line.errorCode !== undefined;
    }
  }

  const unanswered = [...pending.values()].map((p) => p.line);
  for (const line of unanswered) statsOf(line.method ?? '').unanswered++;
  for (const stats of methods.values()) stats.latencies.sort((a, b) => a - b);
  const sorted = [...methods.values()].sort((a, b) => b.requests + b.notifications - (a.requests + a.notifications) || a.method.localeCompare(b.method));
  return {
    startTime, endTime, messages, methods: sorted, largest, unanswered, unmatched, invalid, unreadable,
    droppedLines, skippedBytes, exit, command, calls, callsNotShown,
  };
}

/** Keeps the LARGEST_SHOWN largest lines, largest first. */
function insertLargest(largest: MessageLine[], line: MessageLine): void {
  if (largest.length === LARGEST_SHOWN && line.size <= largest[largest.length - 1].size) return;
  let at = largest.findIndex((l) => line.size > l.size);
  if (at === -1) at = largest.length;
  largest.splice(at, 0, line);
  if (largest.length > LARGEST_SHOWN) largest.pop();
}
