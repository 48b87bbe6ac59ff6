/**
 * Writing tap's log lines from the log thread. Writes are synchronous: the log thread has nothing
 * else to do, so waiting for the disk only slows the log, and the log's backlog bound (TapLog) then
 * skips bytes before they are even copied. A write that would block (a non-blocking pipe, e.g.
 * stderr read by a slow editor) drops the lines instead, counts them, and the next line that gets
 * through is preceded by a `dropped` line saying how many were lost. A log that fails is reported
 * once, and its lines are dropped from then on. Nothing is queued: memory is one chunk's lines.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export class LogSink {
  private dropped = 0;
  private failed = false;
  private fd: number | undefined;
  private readonly owned: boolean;

  /** Appends to `target` (a path), or writes to an open descriptor (stderr is 2). */
  constructor(
    target: string | number,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {
    this.owned = typeof target === 'string';
    try {
      this.fd = typeof target === 'string' ? openSync(target, 'a') : target;
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /** Lines dropped since the last `dropped` line. */
  get droppedLines(): number {
    return this.dropped;
  }

  write(line: string): void {
    this.writeLines([line]);
  }

  /** Several lines (the lines of one chunk) in one write: all written, or all dropped. */
  writeLines(lines: readonly string[]): void {
    if (lines.length === 0) return;
    if (this.failed) {
      this.dropped += lines.length;
      return;
    }
    const report = this.dropped === 0 ? '' : `${droppedLine(this.dropped)}\n`;
    if (this.put(`${report}${lines.join('\n')}\n`)) this.dropped = 0;
    else this.dropped += lines.length;
  }

  /** Says what was dropped since the last line, and closes a log file it opened. */
  finish(): void {
    if (this.dropped > 0 && !this.failed && this.put(`${droppedLine(this.dropped)}\n`)) this.dropped = 0;
    if (this.owned && this.fd !== undefined && !this.failed) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Writes `text` whole; false if nothing of it could be written without blocking. */
  private put(text: string): boolean {
    if (this.fd === undefined) return false;
    const bytes = Buffer.from(text);
    let at = 0;
    while (at < bytes.length) {
      try {
        at += writeSync(this.fd, bytes, at);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') {
          this.fail(err as Error);
          return false;
        }
        if (at === 0) return false;
        // Part of a line is out: finish it, so the log never has a torn line.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      }
    }
    return true;
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.onError(error);
  }
}

function droppedLine(lines: number): string {
  return JSON.stringify({ time: new Date().toISOString(), kind: 'dropped', lines });
}
