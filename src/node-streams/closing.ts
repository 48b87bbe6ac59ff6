/**
 * Letting go of the streams when a connection closes (learning why the remote end went away is
 * portable: connection/end-detail.ts).
 */
import type { Readable, Writable } from 'node:stream';

import type { WriteQueue } from './write-queue.js';

export { withEndDetail } from '../connection/end-detail.js';

/** How long close() waits for the outgoing bytes to be flushed before destroying the stream. */
const CLOSE_FLUSH_TIMEOUT_MS = 2000;

const EMPTY = new Uint8Array(0);
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
