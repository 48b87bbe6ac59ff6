/**
 * Writing log lines without ever waiting for the log: while the stream is over its high-water mark,
 * lines are dropped and counted instead of queued, and once it drains a `dropped` line says how many
 * were lost. Memory is bounded by the stream's highWaterMark plus one line.
 */
import type { Writable } from 'node:stream';

export class LogSink {
  private dropped = 0;

  /** `onError` is told once when the stream fails; lines are dropped from then on. */
  constructor(
    private readonly stream: Writable,
    onError: (error: Error) => void = () => undefined,
  ) {
    stream.on('drain', () => this.reportDropped());
    // A log that fails (disk full, a closed pipe) must not take the traffic down: lines are dropped.
    stream.once('error', onError);
    stream.on('error', () => undefined);
  }

  /** Lines dropped since the last `dropped` line. */
  get droppedLines(): number {
    return this.dropped;
  }

  write(line: string): void {
    this.writeLines([line]);
  }

  /** Several lines in one write (the lines of one chunk): all written, or all dropped. */
  writeLines(lines: readonly string[]): void {
    if (lines.length === 0) return;
    if (this.stream.writableNeedDrain || this.stream.destroyed) {
      this.dropped += lines.length;
      return;
    }
    this.stream.write(`${lines.join('\n')}\n`);
  }

  /** Writes what is left to say (a final `dropped` line) and waits until the stream is flushed. */
  async finish(): Promise<void> {
    this.reportDropped(true);
    if (this.stream.destroyed) return;
    await new Promise<void>((done) => this.stream.end(done));
  }

  private reportDropped(force = false): void {
    if (this.dropped === 0 || this.stream.destroyed || (!force && this.stream.writableNeedDrain)) return;
    const line = JSON.stringify({ time: new Date().toISOString(), kind: 'dropped', lines: this.dropped });
    this.dropped = 0;
    this.stream.write(`${line}\n`);
  }
}
