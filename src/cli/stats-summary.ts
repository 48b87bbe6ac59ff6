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

/** A problem seen in the log: how often, and the first one's explanation. */
export interface ProblemCount {
  count: number;
  first: string | undefined;
}

export interface SessionSummary {
  readonly startTime: number | undefined;
  readonly endTime: number | undefined;
  readonly messages: Record<Direction, number>;
  readonly methods: MethodStats[];
  /** The largest messages, largest first (their lines without the message itself). */
  readonly largest: MessageLine[];
  /** Requests never answered, in the order they were sent (at most MAX_UNANSWERED_KEPT). */
  readonly unanswered: MessageLine[];
  /** All requests never answered, those past MAX_UNANSWERED_KEPT included. */
  readonly unansweredTotal: number;
  /** Responses whose id matched no request in the log. */
  readonly unmatched: number;
  readonly invalid: ProblemCount;
  readonly unreadable: ProblemCount;
  readonly droppedLines: number;
  readonly skippedBytes: number;
  readonly exit: { code?: number | null; signal?: string | null } | undefined;
  readonly command: readonly string[] | undefined;
  readonly calls: TimelineCall[];
  readonly callsNotShown: number;
}

/** Requests waiting for their answer while the log is read; past this the oldest is counted as unanswered. */
export const MAX_UNANSWERED_KEPT = 10_000;

/** The nearest-rank percentile of ascending values (p in 0..1). */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

const other = (dir: Direction): Direction => (dir === 'to-server' ? 'to-client' : 'to-server');

/** A line as kept for the summary: without the message, which may be large. */
function brief(line: MessageLine): MessageLine {
  const { message: _message, text: _text, ...rest } = line;
  return rest;
}

/**
 * Reads a log one line at a time and keeps only what the summary shows: one number per answered
 * request (its latency), the largest messages, the requests still waiting, and the first
 * MAX_TIMELINE_CALLS calls; never the log itself.
 */
export class Summarizer {
  private readonly methods = new Map<string, MethodStats>();
  private readonly pending = new Map<string, { line: MessageLine; call?: TimelineCall }>();
  private readonly messages: Record<Direction, number> = { 'to-server': 0, 'to-client': 0 };
  private readonly largest: MessageLine[] = [];
  private readonly calls: TimelineCall[] = [];
  private readonly invalid: ProblemCount = { count: 0, first: undefined };
  private readonly unreadable: ProblemCount = { count: 0, first: undefined };
  private startTime: number | undefined;
  private endTime: number | undefined;
  private unmatched = 0;
  private droppedLines = 0;
  private skippedBytes = 0;
  private callsNotShown = 0;
  /** Requests forgotten unanswered past MAX_UNANSWERED_KEPT. */
  private forgotten = 0;
  private exit: SessionSummary['exit'];
  private command: readonly string[] | undefined;

  add(line: LogLine): void {
    const time = lineTime(line);
    if (Number.isFinite(time)) {
      this.startTime ??= time;
      this.endTime = Math.max(this.endTime ?? time, time);
    }
    const at = time - (this.startTime ?? time);
    switch (line.kind) {
      case 'start':
        this.command = line.command;
        return;
      case 'exit':
        this.exit = { code: line.code, signal: line.signal };
        return;
      case 'open':
      case 'close':
        return;
      case 'dropped':
        this.droppedLines += line.lines ?? 0;
        this.skippedBytes += line.bytes ?? 0;
        return;
      case 'unreadable':
        count(this.unreadable, line.problem);
        return;
    }
    this.messages[line.dir]++;
    if (line.size > 0) insertLargest(this.largest, line);
    if (line.kind === 'invalid') {
      count(this.invalid, line.problem ?? '');
      // A response that breaks the specification still answers (fails) the request with its id:
      // the log paired it (a method and latency) or found no request (unmatched).
      if (line.latencyMs !== undefined || line.unmatched === true) this.settle(line, at, true);
    } else if (line.kind === 'response') this.settle(line, at, line.errorCode !== undefined);
    else {
      const stats = this.statsOf(line.method ?? '');
      stats.largest = Math.max(stats.largest, line.size);
      const call = this.addCall({ method: stats.method, dir: line.dir, start: at, notification: line.kind === 'notification' });
      if (line.kind === 'notification') stats.notifications++;
      else {
        stats.requests++;
        this.wait(line, call);
      }
    }
  }

  summary(): SessionSummary {
    const unanswered = [...this.pending.values()].map((p) => p.line);
    for (const line of unanswered) this.statsOf(line.method ?? '').unanswered++;
    for (const stats of this.methods.values()) stats.latencies.sort((a, b) => a - b);
    const methods = [...this.methods.values()].sort((a, b) => b.requests + b.notifications - (a.requests + a.notifications) || a.method.localeCompare(b.method));
    return {
      startTime: this.startTime, endTime: this.endTime, messages: this.messages, methods, largest: this.largest, unanswered,
      unansweredTotal: unanswered.length + this.forgotten,
      unmatched: this.unmatched, invalid: this.invalid, unreadable: this.unreadable, droppedLines: this.droppedLines,
      skippedBytes: this.skippedBytes, exit: this.exit, command: this.command, calls: this.calls, callsNotShown: this.callsNotShown,
    };
  }

  private statsOf(method: string): MethodStats {
    let stats = this.methods.get(method);
    if (stats === undefined) {
      stats = { method, requests: 0, notifications: 0, errors: 0, unanswered: 0, latencies: [], largest: 0 };
      this.methods.set(method, stats);
    }
    return stats;
  }

  private wait(line: MessageLine, call: TimelineCall | undefined): void {
    if (this.pending.size >= MAX_UNANSWERED_KEPT) {
      const [oldestKey, oldest] = this.pending.entries().next().value as [string, { line: MessageLine }];
      this.pending.delete(oldestKey);
      this.statsOf(oldest.line.method ?? '').unanswered++;
      this.forgotten++;
    }
    this.pending.set(keyOf(line, line.dir), { line: brief(line), call });
  }

  /** A response settles the request with its id that went the other way (an error when `failed`). */
  private settle(line: MessageLine, at: number, failed: boolean): void {
    const key = keyOf(line, other(line.dir));
    const request = this.pending.get(key);
    if (request === undefined) {
      this.unmatched++;
      return;
    }
    this.pending.delete(key);
    const stats = this.statsOf(request.line.method ?? '');
    stats.largest = Math.max(stats.largest, line.size);
    if (failed) stats.errors++;
    if (line.latencyMs !== undefined) stats.latencies.push(line.latencyMs);
    if (request.call !== undefined) {
      request.call.end = at;
      request.call.error = failed;
    }
  }

  private addCall(call: TimelineCall): TimelineCall | undefined {
    if (this.calls.length >= MAX_TIMELINE_CALLS) {
      this.callsNotShown++;
      return undefined;
    }
    this.calls.push(call);
    return call;
  }
}

/** The summary of a whole log at once. */
export function summarize(lines: Iterable<LogLine>): SessionSummary {
  const summarizer = new Summarizer();
  for (const line of lines) summarizer.add(line);
  return summarizer.summary();
}

/** Requests are keyed by connection, direction and id. */
function keyOf(line: MessageLine, requestDir: Direction): string {
  return `${line.conn ?? 0} ${requestDir} ${JSON.stringify(line.id)}`;
}

function count(problems: ProblemCount, problem: string): void {
  problems.count++;
  problems.first ??= problem;
}

/** Keeps the LARGEST_SHOWN largest lines, largest first. */
function insertLargest(largest: MessageLine[], line: MessageLine): void {
  if (largest.length === LARGEST_SHOWN && line.size <= largest[largest.length - 1].size) return;
  let at = largest.findIndex((l) => line.size > l.size);
  if (at === -1) at = largest.length;
  largest.splice(at, 0, brief(line));
  if (largest.length > LARGEST_SHOWN) largest.pop();
}
