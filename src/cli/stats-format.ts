/** How `stats` writes durations, sizes and messages, in its text output and its HTML page alike. */
import type { MessageLine } from './log-format.js';

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
