/**
 * The pass-through side of `tap`'s log: each chunk that crossed the proxy is copied, stamped with
 * the time it was read, and handed to the log thread (tap-log-worker.ts) in batches. The copies waiting there are bounded
 * in bytes: past LOG_BACKLOG_BYTES a chunk is not copied but counted, and the log says how many
 * bytes it skipped. The traffic never waits for the log, and a log that fails only stops the log.
 */
import { Worker } from 'node:worker_threads';
import type { FramingName } from '../framing/types.js';
import type { Direction } from './log-format.js';

/** Bytes copied for the log and not yet parsed by it, at most. */
export const LOG_BACKLOG_BYTES = 16 * 1024 * 1024;
/**
 * Chunks are handed to the log thread in batches, at most this many ms after the first: waking it
 * for every message would take CPU from the client and server exactly when latency matters. The
 * times in the log are taken as each chunk is read, so they do not depend on it.
 */
export const LOG_BATCH_MS = 10;
/** A batch is handed over at once when it holds this many bytes. */
export const LOG_BATCH_BYTES = 256 * 1024;

export interface LogWorkerData {
  readonly file: string | undefined;
  readonly framing: FramingName;
  readonly redact: boolean;
  /** Whether lines carry `conn` (tap --tcp). */
  readonly numbered: boolean;
  /** One BigInt64: bytes the log thread has parsed so far. */
  readonly processed: SharedArrayBuffer;
}

export type ToLogWorker =
  | { readonly type: 'bytes'; readonly conn: number; readonly dir: Direction; readonly time: number; readonly bytes: Uint8Array }
  | { readonly type: 'skipped'; readonly conn: number; readonly dir: Direction; readonly time: number; readonly bytes: number }
  | { readonly type: 'end'; readonly conn: number; readonly dir: Direction; readonly time: number }
  | { readonly type: 'line'; readonly line: string }
  | { readonly type: 'forget'; readonly conn: number }
  | { readonly type: 'finish' };

export interface TapLogOptions {
  readonly file: string | undefined;
  readonly framing: FramingName;
  readonly redact: boolean;
  readonly numbered: boolean;
  readonly backlogBytes?: number;
  /** Told once if the log thread fails or cannot write; the traffic goes on without a log. */
  readonly onFailure: (error: Error) => void;
}

/** Epoch milliseconds with sub-millisecond precision, for latencies. */
export const now = (): number => performance.timeOrigin + performance.now();

export class TapLog {
  private readonly worker: Worker;
  private readonly processed: BigInt64Array;
  /** Bytes handed to the log thread so far (exact as a number up to 8 PiB). */
  private posted = 0;
  private failed = false;
  private readonly backlogBytes: number;
  /** Bytes not copied, per connection and direction, still to be announced. */
  private readonly skipped = new Map<string, number>();
  private readonly finished: Promise<void>;
  /** What is still to be handed to the log thread, in order. */
  private batch: ToLogWorker[] = [];
  /**
   * The batch's chunks are copied into one buffer, handed over (transferred, not copied again)
   * with the batch: one allocation and one transfer per batch, not one per chunk.
   */
  private buffer = new Uint8Array(LOG_BATCH_BYTES);
  private used = 0;
  /** Chunks larger than a batch buffer get their own, handed over with the batch too. */
  private ownBuffers: ArrayBuffer[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: TapLogOptions) {
    const shared = new SharedArrayBuffer(8);
    this.processed = new BigInt64Array(shared);
    this.backlogBytes = options.backlogBytes ?? LOG_BACKLOG_BYTES;
    const workerData: LogWorkerData = { file: options.file, framing: options.framing, redact: options.redact, numbered: options.numbered, processed: shared };
    this.worker = new Worker(new URL('./tap-log-worker.js', import.meta.url), { workerData, stdout: false, stderr: false });
    this.finished = new Promise<void>((done) => {
      this.worker.on('message', (message: unknown) => {
        if (message === 'finished') done();
        else if (typeof message === 'object' && message !== null && 'logFailed' in message) {
          options.onFailure(new Error(`cannot write the log ${options.file ?? 'to stderr'}: ${String(message.logFailed)}`));
        }
      });
      this.worker.on('error', (error) => {
        if (!this.failed) options.onFailure(error);
        this.failed = true;
        done();
      });
      this.worker.on('exit', () => done());
    });
  }

  /** A chunk that just crossed the proxy in `dir`. Call it after the chunk was passed on. */
  observe(conn: number, dir: Direction, chunk: Uint8Array): void {
    if (this.failed) return;
    const time = now();
    const backlog = this.posted - Number(Atomics.load(this.processed, 0));
    if (backlog + chunk.length > this.backlogBytes) {
      const key = `${conn} ${dir}`;
      this.skipped.set(key, (this.skipped.get(key) ?? 0) + chunk.length);
      return;
    }
    if (this.skipped.size > 0) this.announceSkipped(conn, dir, time);
    this.posted += chunk.length;
    this.post({ type: 'bytes', conn, dir, time, bytes: this.copy(chunk) });
    if (this.used >= LOG_BATCH_BYTES) this.flush();
  }

  /** `dir` of `conn` reached its end. */
  end(conn: number, dir: Direction): void {
    this.announceSkipped(conn, dir, now());
    this.post({ type: 'end', conn, dir, time: now() });
  }

  /** A line of tap's own (start, exit, close), written in order with the messages. */
  line(fields: Record<string, unknown>): void {
    this.post({ type: 'line', line: JSON.stringify({ time: new Date(now()).toISOString(), ...fields }) });
  }

  /** Frees a closed connection's state. */
  forget(conn: number): void {
    this.post({ type: 'forget', conn });
  }

  /** Writes everything posted so far and closes the log. */
  async close(): Promise<void> {
    this.post({ type: 'finish' });
    this.flush();
    await this.finished;
    await this.worker.terminate();
  }

  private post(message: ToLogWorker): void {
    if (this.failed) return;
    this.batch.push(message);
    this.timer ??= setTimeout(() => this.flush(), LOG_BATCH_MS);
  }

  /** The bytes skipped in `dir` of `conn` since its last chunk that was logged, said before what comes next. */
  private announceSkipped(conn: number, dir: Direction, time: number): void {
    const key = `${conn} ${dir}`;
    const skipped = this.skipped.get(key);
    if (skipped === undefined) return;
    this.skipped.delete(key);
    this.post({ type: 'skipped', conn, dir, time, bytes: skipped });
  }

  /** `chunk` copied into the batch's buffer (never a view of Node's shared pool, which cannot be handed over). */
  private copy(chunk: Uint8Array): Uint8Array {
    if (chunk.length > LOG_BATCH_BYTES) {
      const own = new Uint8Array(chunk);
      this.ownBuffers.push(own.buffer);
      return own;
    }
    if (this.used + chunk.length > LOG_BATCH_BYTES) this.flush();
    const copy = this.buffer.subarray(this.used, this.used + chunk.length);
    copy.set(chunk);
    this.used += chunk.length;
    return copy;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.failed && this.batch.length > 0) {
      const handedOver = this.used > 0 ? [this.buffer.buffer, ...this.ownBuffers] : this.ownBuffers;
      this.worker.postMessage(this.batch, handedOver);
      if (this.used > 0) this.buffer = new Uint8Array(LOG_BATCH_BYTES);
    }
    this.batch = [];
    this.ownBuffers = [];
    this.used = 0;
  }
}
