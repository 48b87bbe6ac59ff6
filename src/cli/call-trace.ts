/**
 * `jsonrpc-wire call --trace`: every message both ways (ours included) on stderr as it crosses, one
 * line each, with its time since the call started, its size, and for a response the latency of the
 * request it answers:
 *
 * ```
 * trace +0.412ms -> request 1 initialize 312B {"jsonrpc":"2.0","id":1,"method":"initialize",...}
 * trace +9.020ms <- request 0 workspace/configuration 98B {...}
 * trace +9.310ms -> response 0 workspace/configuration 0.290ms 41B {...}
 * trace +12.871ms <- response 1 initialize 12.459ms 1024B {...}
 * ```
 *
 * The lines are the trace option's events (src/connection/trace.ts), read off the connection's
 * streams by a `WireTrace`: the Node `connect()` that `call` runs on takes no `trace` option yet.
 */
import type { Readable, Writable } from 'node:stream';
import { WireTrace, type TraceEvent } from '../connection/trace.js';
import type { FramingName } from '../framing/types.js';

/** One event as a line of `call --trace` (no newline). */
export function traceLine(event: TraceEvent, startedAt: number): string {
  const head = `trace +${(event.timestamp - startedAt).toFixed(3)}ms ${event.direction === 'out' ? '->' : '<-'} ${event.kind}`;
  if (event.kind === 'unreadable') return `${head}: ${event.problem}`;
  const id = event.id === undefined ? '' : ` ${JSON.stringify(event.id)}`;
  const method = event.method === undefined ? '' : ` ${event.method}`;
  const latency = event.latencyMs === undefined ? '' : ` ${event.latencyMs.toFixed(3)}ms`;
  const what = event.kind === 'invalid' ? `: ${event.problem}: ${event.text}` : ` ${JSON.stringify(event.message)}`;
  return `${head}${id}${method}${latency} ${event.bytes}B${what}`;
}

/**
 * Writes a line to `stderr` for every message read from `incoming` and written to `outgoing`
 * (their bytes are seen as they pass; nothing is taken from the connection).
 */
export function traceStreams(streams: { incoming: Readable; outgoing: Writable }, framing: FramingName, stderr: NodeJS.WritableStream, startedAt: number): void {
  const wire = new WireTrace(framing, {
    deliver: (event) => stderr.write(`${traceLine(event, startedAt)}\n`),
    redact: undefined,
    redactFailed: () => undefined,
    maxMessageBytes: undefined,
    utf8Length: (text) => Buffer.byteLength(text, 'utf8'),
  });
  streams.incoming.on('data', (chunk: Uint8Array) => wire.observe('in', chunk));
  streams.incoming.on('end', () => wire.end('in'));
  // A writable tells nobody what is written to it: its write() is wrapped, on this one stream only.
  const { outgoing } = streams;
  const write = outgoing.write.bind(outgoing) as (chunk: unknown, ...rest: unknown[]) => boolean;
  outgoing.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    wire.observe('out', chunk);
    return write(chunk, ...rest);
  }) as Writable['write'];
}
