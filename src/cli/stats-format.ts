/** How `stats` writes durations, sizes and messages, in its text output and its HTML page alike. */
import type { MessageLine } from './log-format.js';
import { percentile, type SessionSummary } from './stats-summary.js';

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

export function formatBytes(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`;
}

/** What a message line is, in a few words: `response to textDocument/hover (id 7)`. */
export function describeMessage(line: MessageLine): string {
  const id = line.id === undefined ? '' : ` (id ${JSON.stringify(line.id)})`;
  const batch = line.batch === undefined ? '' : ` in a batch of ${line.batch.of}`;
  if (line.kind === 'response') return `${line.errorCode === undefined ? 'response' : `error ${line.errorCode}`} to ${line.method ?? 'an unknown request'}${id}${batch}`;
  if (line.kind === 'invalid') return `invalid message${id}${batch}`;
  return `${line.kind} ${line.method ?? ''}${id}${batch}`;
}

/** Requests never answered listed one by one (text and page); the rest are counted. */
export const UNANSWERED_LISTED = 50;

/** The per-method table, as header and rows of text (printed by stats, drawn by stats --html). */
export function methodTable(s: SessionSummary): { header: string[]; rows: string[][] } {
  return {
    header: ['method', 'requests', 'notifications', 'errors', 'unanswered', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'largest'],
    rows: s.methods.map((m) => [
      m.method, String(m.requests), String(m.notifications), String(m.errors), String(m.unanswered),
      formatMs(percentile(m.latencies, 0.5)), formatMs(percentile(m.latencies, 0.95)), formatMs(percentile(m.latencies, 0.99)),
      formatMs(m.latencies[m.latencies.length - 1]), formatBytes(m.largest),
    ]),
  };
}
