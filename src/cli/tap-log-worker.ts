/**
 * The thread that writes `tap`'s log. The pass-through thread only copies each chunk and posts it
 * here, so framing, parsing and writing the log never delay a byte of the traffic. One MessageLog
 * per connection; every line goes through a LogSink, which writes synchronously (this thread only
 * ever waits for the log) and drops lines rather than block on a pipe.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { LogSink } from './log-sink.js';
import { MessageLog } from './message-log.js';
import type { LogWorkerData, ToLogWorker } from './tap-log.js';

const data = workerData as LogWorkerData;

// The lowest priority for this thread alone (Linux names threads by id in /proc/thread-self): on a
// busy machine the log waits, not the client, the server or the pass-through; past its backlog bound
// it skips bytes. Elsewhere, or when not allowed, it runs at the normal priority.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 19);
} catch {
  // the normal priority, then
}
const processed = new BigInt64Array(data.processed);
// Without --log the lines go to stderr, which an editor shows as the server's log.
const sink = new LogSink(data.file ?? 2, (error) => parentPort!.postMessage({ logFailed: error.message }));
const logs = new Map<number, MessageLog>();

function logOf(conn: number): MessageLog {
  let log = logs.get(conn);
  if (log === undefined) {
    log = new MessageLog({
      framing: data.framing,
      redact: data.redact,
      conn: data.numbered ? conn : undefined,
      utf8Length: (text) => Buffer.byteLength(text),
    });
    logs.set(conn, log);
  }
  return log;
}

function handle(message: ToLogWorker): void {
  switch (message.type) {
    case 'bytes':
      try {
        sink.writeLines(logOf(message.conn).push(message.dir, message.bytes, message.time));
      } finally {
        Atomics.add(processed, 0, BigInt(message.bytes.length));
      }
      return;
    case 'skipped':
      logOf(message.conn).skip(message.dir);
      sink.write(JSON.stringify({ time: new Date(message.time).toISOString(), ...(data.numbered ? { conn: message.conn } : {}), kind: 'dropped', dir: message.dir, bytes: message.bytes }));
      return;
    case 'end':
      sink.writeLines(logOf(message.conn).end(message.dir, message.time));
      return;
    case 'line':
      sink.write(message.line);
      return;
    case 'forget':
      logs.delete(message.conn);
      return;
    case 'finish':
      sink.finish();
      parentPort!.postMessage('finished');
      return;
  }
}

parentPort!.on('message', (batch: ToLogWorker[]) => batch.forEach(handle));
