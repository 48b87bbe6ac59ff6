/**
 * `jsonrpc-wire stats LOG.jsonl [--html REPORT.html]`: reads a tap log and prints what happened:
 * per-method counts, errors and latencies, the largest messages, the requests never answered.
 * Lines that are not log lines are counted and skipped (a log may be cut short or hand-edited).
 */
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { EXIT, UsageError } from './args.js';
import type { LogLine } from './log-format.js';
import { describeMessage, formatBytes, methodTable, UNANSWERED_LISTED } from './stats-format.js';
import { renderHtml } from './stats-html.js';
import { Summarizer, type SessionSummary } from './stats-summary.js';
import type { StatsCommand } from './tap-args.js';

export interface StatsIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export async function runStats(command: StatsCommand, io: StatsIo): Promise<number> {
  const { summary, skipped } = await readLog(command.file);
  io.stdout.write(formatSummary(summary));
  if (skipped.count > 0) {
    io.stderr.write(`jsonrpc-wire stats: skipped ${skipped.count} line(s) that are not tap log lines (first: line ${skipped.first})\n`);
  }
  if (command.html !== undefined) {
    await writeFile(command.html, renderHtml(summary, command.file));
    io.stderr.write(`jsonrpc-wire stats: wrote ${command.html}\n`);
  }
  return EXIT.ok;
}

/** Summarizes the log line by line (the log itself is never held in memory). */
async function readLog(file: string): Promise<{ summary: SessionSummary; skipped: { count: number; first: number } }> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((done, fail) => stream.once('open', () => done()).once('error', fail));
  await opened.catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read the log ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  const summarizer = new Summarizer();
  const skipped = { count: 0, first: 0 };
  let number = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    number++;
    if (text.trim() === '') continue;
    const line = parseLine(text);
    if (line !== undefined) summarizer.add(line);
    else if (skipped.count++ === 0) skipped.first = number;
  }
  return { summary: summarizer.summary(), skipped };
}

const KINDS = new Set(['request', 'notification', 'response', 'invalid', 'unreadable', 'start', 'exit', 'open', 'close', 'dropped']);

function parseLine(text: string): LogLine | undefined {
  try {
    const value = JSON.parse(text) as { kind?: unknown; time?: unknown } | null;
    if (typeof value !== 'object' || value === null || typeof value.time !== 'string' || !KINDS.has(value.kind as string)) return undefined;
    return value as LogLine;
  } catch {
    return undefined;
  }
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (row: string[]): string => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  return [format(header), ...rows.map(format)].join('\n');
}

export function formatSummary(s: SessionSummary): string {
  const out: string[] = [];
  const total = s.messages['to-server'] + s.messages['to-client'];
  const span = s.startTime === undefined || s.endTime === undefined ? '' : ` over ${((s.endTime - s.startTime) / 1000).toFixed(1)} s`;
  const exit = s.exit === undefined ? '' : s.exit.signal ? `; the server was killed by ${s.exit.signal}` : `; the server exited with code ${s.exit.code}`;
  out.push(`${s.command === undefined ? 'session' : s.command.join(' ')}: ${total} messages (${s.messages['to-server']} to the server, ${s.messages['to-client']} to the client)${span}${exit}`);
  out.push('');
  const methods = methodTable(s);
  out.push(table(methods.header, methods.rows));
  if (s.largest.length > 0) {
    out.push('', 'largest messages:');
    for (const line of s.largest) out.push(`  ${formatBytes(line.size).padStart(10)}  ${line.dir.padEnd(9)}  ${describeMessage(line)} at ${line.time}`);
  }
  out.push('', s.unansweredTotal === 0 ? 'every request was answered' : `requests never answered (${s.unansweredTotal}):`);
  for (const line of s.unanswered.slice(0, UNANSWERED_LISTED)) out.push(`  ${line.dir.padEnd(9)}  ${line.method} (id ${JSON.stringify(line.id)}) sent at ${line.time}`);
  if (s.unansweredTotal > UNANSWERED_LISTED) out.push(`  ... and ${s.unansweredTotal - UNANSWERED_LISTED} more`);
  if (s.unmatched > 0) out.push(`responses to no request seen: ${s.unmatched}`);
  if (s.invalid.count > 0) out.push(`invalid messages: ${s.invalid.count} (first: ${s.invalid.first})`);
  if (s.unreadable.count > 0) out.push(`unreadable bytes: ${s.unreadable.count} time(s) (first: ${s.unreadable.first})`);
  if (s.droppedLines > 0 || s.skippedBytes > 0) out.push(`the log could not keep up: ${s.droppedLines} line(s) and ${s.skippedBytes} byte(s) not logged (the traffic itself passed)`);
  return `${out.join('\n')}\n`;
}
