/**
 * The lines of a `jsonrpc-wire tap` log (JSON Lines), as `stats` reads them back. README.md's
 * "Seeing the traffic" documents every field; this file is the one place their names are spelled.
 */
import type { FramingName } from '../framing/types.js';
import type { JsonRpcId } from '../parser/messages.js';

/** Which way a message went: from the client to the server, or back. */
export type Direction = 'to-server' | 'to-client';

/** What every line has. `conn` numbers the connections of `tap --tcp` (absent on stdio). */
interface LineBase {
  /** When tap read the bytes that completed the message (ISO 8601, UTC). */
  readonly time: string;
  readonly conn?: number;
}

/** One message, or one entry of a batch. */
export interface MessageLine extends LineBase {
  readonly kind: 'request' | 'notification' | 'response' | 'invalid';
  readonly dir: Direction;
  readonly framing: FramingName;
  /** Bytes of the message's JSON text (a batch's whole text, on its first entry only). */
  readonly size: number;
  readonly id?: JsonRpcId;
  /** A request's or notification's method; on a response, the method of the request it answers. */
  readonly method?: string;
  /** On a response: milliseconds since the request it answers was read. */
  readonly latencyMs?: number;
  /** On an error response: its error code. */
  readonly errorCode?: number;
  /** On a response whose id matches no request seen (or one forgotten past the bound). */
  readonly unmatched?: true;
  /** Position of the entry in a batch of `of` messages. */
  readonly batch?: { readonly index: number; readonly of: number };
  /** On an invalid message: why it is not a JSON-RPC message. */
  readonly problem?: string;
  /** On an invalid message: its text, cut at a bound (absent with --redact). */
  readonly text?: string;
  /** The message as sent (with --redact: params, result and error data replaced by their shape). */
  readonly message?: unknown;
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
