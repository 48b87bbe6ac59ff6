/**
 * The two slow parts of closing a connection, kept out of its state machine: learning why the
 * remote end went away, and letting go of the streams.
 */
import type { Readable, Writable } from 'node:stream';

import type { WriteQueue } from './write-queue.js';

/** How long close() waits for the outgoing bytes to be flushed before destroying the stream. */
const CLOSE_FLUSH_TIMEOUT_MS = 2000;
/** How long a transport may take to say why the remote end went away (a child's exit status). */
const END_DETAIL_TIMEOUT_MS = 1000;

const EMPTY = new Uint8Array(0);

/**
 * Calls `then` with `base`, extended by what the transport can say about the remote end when it can
 * (a child's exit code and stderr). Synchronous when there is no transport detail, so closing a
 * plain socket is not delayed by a tick.
 */
export function withEndDetail(
  describeEnd: (() => Promise<string | undefined>) | undefined,
  base: string,
  then: (message: string) => void,
): void {
  if (describeEnd === undefined) {
    then(base);
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fallback = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, END_DETAIL_TIMEOUT_MS, undefined);
  });
  void Promise.race([describeEnd().catch(() => undefined), fallback]).then((detail) => {
    clearTimeout(timer);
    then(detail === undefined ? base : `${base}: ${detail}`);
  });
}

export interface StreamsToRelease {
  readonly readable: Readable;
  readonly writable: Writable;
  readonly writer: WriteQueue;
  /** process.stdin/stdout: paused and left open, never destroyed. */
  readonly keepStreams: boolean;
}

/**
 * Lets go of the streams, then calls `done`. Graceful: what is queued is written and the writable
 * ended (waiting for it up to CLOSE_FLUSH_TIMEOUT_MS); otherwise queued output is dropped at once.
 * The writer is failed with `why` either way, so later writes are refused.
 */
export function releaseStreams(streams: StreamsToRelease, why: Error, graceful: boolean, done: () => void): void {
  const { readable, writable, writer, keepStreams } = streams;
  const finish = (): void => {
    if (!keepStreams) {
      readable.destroy();
      if (writable !== (readable as unknown)) writable.destroy();
    } else {
      readable.pause();
    }
    done();
  };
  if (!graceful || writable.destroyed || writable.writableFinished) {
    writer.fail(why);
    finish();
    return;
  }
  writer.flushAll();
  writer.fail(why);
  let finished = false;
  const once = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    writable.off('finish', once);
    writable.off('close', once);
    writable.off('error', once);
    finish();
  };
  // A peer that stops reading must not keep close() waiting forever.
  const timer = setTimeout(once, CLOSE_FLUSH_TIMEOUT_MS);
  writable.on('close', once);
  writable.on('error', once);
  if (keepStreams) {
    // process.stdout is never ended: wait until what was written has left, then let go.
    writable.write(EMPTY, once);
  } else {
    writable.on('finish', once);
    if (!writable.writableEnded) writable.end();
  }
}
