/**
 * The lines of a `jsonrpc-wire tap` log (JSON Lines), as `stats` reads them back. README.md's
 * "Seeing the traffic" documents every field; this file is the one place their names are spelled.
 */
import type { FramingName } from '../framing/types.js';
import type { MessageFacts } from '../connection/trace.js';

/** Which way a message went: from the client to the server, or back. */
export type Direction = 'to-server' | 'to-client';

/** What every line has. `conn` numbers the connections of `tap --tcp` (absent on stdio). */
interface LineBase {
  /** When tap read the bytes that completed the message (ISO 8601, UTC). */
  readonly time: string;
  readonly conn?: number;
}

/**
 * One message, or one entry of a batch: the facts a `trace` event has (id, method, latencyMs, ...;
 * with --redact, `message` is its shape and `text` is left out).
 */
export interface MessageLine extends LineBase, MessageFacts {
  readonly kind: 'request' | 'notification' | 'response' | 'invalid';
  readonly dir: Direction;
  readonly framing: FramingName;
  /** Bytes of the message's JSON text (a batch's whole text, on its first entry only). */
  readonly size: number;
}

/** Bytes the framer could not cut into messages: its explanation, which quotes them. */
export interface UnreadableLine extends LineBase {
  readonly kind: 'unreadable';
  readonly dir: Direction;
  readonly framing: FramingName;
  readonly problem: string;
}

/** The session began: what tap runs (or where it listens and forwards to). */
export interface StartLine extends LineBase {
  readonly kind: 'start';
  readonly command?: readonly string[];
  readonly listen?: string;
  readonly to?: string;
  readonly framing: FramingName | 'auto';
  readonly redact: boolean;
}

/** The server exited (stdio) or tap stopped (tcp); a connection opened or closed (tcp). */
export interface EndLine extends LineBase {
  readonly kind: 'exit' | 'open' | 'close';
  /** On `open`: the client's address. */
  readonly from?: string;
  readonly code?: number | null;
  readonly signal?: string | null;
  readonly reason?: string;
}

/**
 * Log lines that were not written because the log could not keep up, or bytes that were not
 * parsed for the log; the traffic itself passed through untouched.
 */
export interface DroppedLine extends LineBase {
  readonly kind: 'dropped';
  readonly lines?: number;
  readonly bytes?: number;
  readonly dir?: Direction;
}

export type LogLine = MessageLine | UnreadableLine | StartLine | EndLine | DroppedLine;

/** The epoch milliseconds a line's `time` names. */
export function lineTime(line: LogLine): number {
  return Date.parse(line.time);
}
