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
 * Each line is one event of the connection's `trace` option (src/connection/trace.ts).
 */
import type { TraceEvent } from '../connection/trace.js';

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
