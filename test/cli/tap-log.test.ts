/** tap's log never waits and never grows: LogSink drops lines while its stream is full, TapLog skips bytes past its backlog. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { LogLine } from '../../src/cli/log-format.js';
import { LogSink } from '../../src/cli/log-sink.js';
import { TapLog } from '../../src/cli/tap-log.js';

/** A stream whose writes complete only when released. */
function stalledStream(highWaterMark: number): { stream: Writable; written: string[]; release: () => void } {
  const written: string[] = [];
  const waiting: Array<() => void> = [];
  let released = false;
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString());
      if (released) callback();
      else waiting.push(callback);
    },
  });
  return { stream, written, release: () => { released = true; for (const done of waiting.splice(0)) done(); } };
}

test('a full log stream drops lines instead of queueing them, and says how many once it drains', async () => {
  const { stream, written, release } = stalledStream(1024);
  const sink = new LogSink(stream);
  const line = 'x'.repeat(100);
  for (let i = 0; i < 1000; i++) sink.write(line);
  assert.ok(stream.writableLength <= 1024 + line.length + 1, `queued ${stream.writableLength} bytes`);
  const kept = Math.ceil(1024 / (line.length + 1));
  assert.equal(sink.droppedLines, 1000 - kept);
  release();
  await new Promise((r) => setImmediate(r));
  const report = JSON.parse(written.at(-1)!) as { kind: string; lines: number };
  assert.deepEqual([report.kind, report.lines], ['dropped', 1000 - kept]);
  assert.equal(sink.droppedLines, 0);
  sink.write(line);
  await sink.finish();
  assert.equal(written.at(-1), `${line}\n`);
});

test('a failing log stream is reported once and then ignored', async () => {
  const errors: string[] = [];
  const stream = new Writable({ write: (_chunk, _encoding, callback) => callback(new Error('disk full')) });
  const sink = new LogSink(stream, (error) => errors.push(error.message));
  sink.write('a');
  await new Promise((r) => setImmediate(r));
  sink.write('b');
  await sink.finish();
  assert.deepEqual(errors, ['disk full']);
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
