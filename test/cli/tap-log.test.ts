/** tap's log never waits and never grows: LogSink drops lines rather than block, TapLog skips bytes past its backlog. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogLine } from '../../src/cli/log-format.js';
import { LogSink } from '../../src/cli/log-sink.js';
import { TapLog } from '../../src/cli/tap-log.js';

/** A FIFO opened at both ends without blocking: writes fail with EAGAIN once its buffer is full. */
function fifo(): { read: number; write: number } {
  const path = join(mkdtempSync(join(tmpdir(), 'jsonrpc-wire-fifo-')), 'log');
  execFileSync('mkfifo', [path]);
  const read = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  return { read, write: openSync(path, constants.O_WRONLY | constants.O_NONBLOCK) };
}

function drain(fd: number): string {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(1 << 16);
  for (;;) {
    let n = 0;
    try {
      n = readSync(fd, buffer);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
      throw err;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString();
}

test('a log that would block drops whole lines instead of waiting, and says how many once it can write again', () => {
  const { read, write } = fifo();
  const sink = new LogSink(write);
  const line = 'x'.repeat(1000);
  for (let i = 0; i < 1000; i++) sink.write(line); // 1 MB into a pipe nobody reads
  assert.ok(sink.droppedLines > 0, 'lines were dropped');
  const dropped = sink.droppedLines;
  const before = drain(read).split('\n').filter(Boolean);
  assert.equal(before.length, 1000 - dropped);
  assert.ok(before.every((l) => l === line), 'no line is torn');
  sink.write('after');
  const after = drain(read).split('\n').filter(Boolean);
  assert.deepEqual(after.map((l) => (l.startsWith('{') ? (JSON.parse(l) as { kind: string; lines: number }) : l)), [
    { ...(JSON.parse(after[0]) as object), kind: 'dropped', lines: dropped },
    'after',
  ]);
  assert.equal(sink.droppedLines, 0);
  sink.finish();
  closeSync(read);
  closeSync(write);
});

test('a log that cannot be opened or written is reported once, then its lines are dropped', () => {
  const errors: string[] = [];
  const missing = new LogSink(join(tmpdir(), 'no-such-dir-jsonrpc-wire', 'x.jsonl'), (e) => errors.push((e as NodeJS.ErrnoException).code ?? ''));
  missing.write('a');
  missing.write('b');
  missing.finish();
  const path = join(mkdtempSync(join(tmpdir(), 'jsonrpc-wire-ro-')), 'x');
  closeSync(openSync(path, 'w'));
  const readOnly = openSync(path, 'r');
  const unwritable = new LogSink(readOnly, (e) => errors.push((e as NodeJS.ErrnoException).code ?? ''));
  unwritable.write('a');
  unwritable.write('b');
  assert.deepEqual(errors, ['ENOENT', 'EBADF']);
  assert.equal(unwritable.droppedLines, 2);
  closeSync(readOnly);
});

test('past its backlog the log skips bytes, says so, and logs the rest: every byte is either logged or counted', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'jsonrpc-wire-taplog-')), 't.jsonl');
  const log = new TapLog({ file, framing: 'newline', redact: false, numbered: false, backlogBytes: 4096, onFailure: (e) => assert.fail(e) });
  const message = (i: number): string => `${JSON.stringify({ jsonrpc: '2.0', method: 'tick', params: [String(i).padStart(5, '0'), 'x'.repeat(200)] })}\n`;
  const count = 2000;
  // One message per chunk, all in one synchronous burst: the log thread cannot keep up.
  for (let i = 0; i < count; i++) log.observe(0, 'to-server', Buffer.from(message(i)));
  log.end(0, 'to-server');
  await log.close();
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogLine);
  const logged = lines.filter((l) => l.kind === 'notification');
  const skipped = lines.filter((l) => l.kind === 'dropped').reduce((n, l) => n + ((l as { bytes?: number }).bytes ?? 0), 0);
  assert.ok(skipped > 0, 'some bytes were skipped');
  assert.ok(logged.length > 0, 'some messages were logged');
  assert.equal(logged.length * message(0).length + skipped, count * message(0).length);
  // Logged messages are whole and in order: skipping never splices two messages together.
  const seen = logged.map((l) => Number((l as { message: { params: [string] } }).message.params[0]));
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
});

test('chunks of any size, one larger than a batch buffer among them, are all logged in order', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'jsonrpc-wire-taplog-')), 't.jsonl');
  const log = new TapLog({ file, framing: 'newline', redact: false, numbered: false, onFailure: (e) => assert.fail(e) });
  const message = (i: number, pad: number): string => `${JSON.stringify({ jsonrpc: '2.0', method: 'm', params: [i, 'x'.repeat(pad)] })}\n`;
  const chunks = [message(0, 10), message(1, 100_000).repeat(3), message(2, 10), message(3, 300_000), message(4, 200_000), message(5, 10)];
  for (const chunk of chunks) log.observe(0, 'to-server', Buffer.from(chunk));
  log.end(0, 'to-server');
  await log.close();
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogLine);
  const seen = lines.filter((l) => l.kind === 'notification').map((l) => (l as { message: { params: [number, string] } }).message.params);
  assert.deepEqual(seen.map(([i]) => i), [0, 1, 1, 1, 2, 3, 4, 5]);
  assert.deepEqual(seen.map(([, pad]) => pad.length), [10, 100_000, 100_000, 100_000, 10, 300_000, 200_000, 10]);
});
