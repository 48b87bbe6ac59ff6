/**
 * The error entries framers put in their output. Every one is a JsonRpcParseError (-32700, the
 * code a server answers unreadable input with) whose message says what was wrong and what to do,
 * and whose `data` says the same in fields a program can read: `{ framing, problem, ... }`.
 */
import { JsonRpcParseError } from '../parser/errors.js';
import type { FrameEvent, FramerOptions, FramingName } from './types.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './types.js';

/** What went wrong, as `data.problem`. */
export type FramingProblem =
  | 'oversized'
  | 'invalid-utf8'
  | 'truncated'
  | 'garbage'
  | 'header-too-long'
  | 'missing-content-length'
  | 'invalid-content-length'
  | 'duplicate-content-length'
  | 'unsupported-charset';

/** The `data` of every framing error. */
export interface FramingErrorData {
  readonly framing: FramingName;
  readonly problem: FramingProblem;
  readonly [detail: string]: unknown;
}

export function framingError(
  framing: FramingName,
  problem: FramingProblem,
  message: string,
  details: Record<string, unknown> = {},
): FrameEvent {
  const data: FramingErrorData = { framing, problem, ...details };
  // No framer here ever loses its place for good (see README.md), so none of these is fatal.
  return { kind: 'error', error: new JsonRpcParseError(message, data), fatal: false };
}

export function oversizedError(framing: FramingName, limit: number, size?: number): FrameEvent {
  const seen = size === undefined ? `more than ${limit}` : String(size);
  return framingError(
    framing,
    'oversized',
    `Message of ${seen} bytes exceeds maxMessageBytes (${limit}); its bytes were discarded. ` +
      'Raise maxMessageBytes if such messages are legitimate.',
    size === undefined ? { limit } : { limit, size },
  );
}

export function invalidUtf8Error(framing: FramingName, size: number): FrameEvent {
  return framingError(
    framing,
    'invalid-utf8',
    `Message of ${size} bytes is not valid UTF-8 and was dropped; the sender must encode JSON as UTF-8.`,
    { size },
  );
}

export function truncatedError(framing: FramingName, bufferedBytes: number, where: string): FrameEvent {
  return framingError(
    framing,
    'truncated',
    `The stream ended ${where}: the other side disconnected (or stopped writing) mid-message, ` +
      `${bufferedBytes} bytes of it were dropped.`,
    { bufferedBytes },
  );
}

/** Quotes the first bytes of something unexpected: printable ASCII as is, the rest escaped as in JSON. */
export function quoteBytes(bytes: Uint8Array, max = 64): string {
  let out = '';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b >= 0x20 && b < 0x7f && b !== 0x5c && b !== 0x22) out += String.fromCharCode(b);
    else if (b === 0x22) out += '\\"';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x5c) out += '\\\\';
    else out += '\\x' + b.toString(16).padStart(2, '0');
  }
  return bytes.length > max ? out + '...' : out;
}

/** `options.maxMessageBytes`, checked. */
export function resolveMaxMessageBytes(options: FramerOptions | undefined): number {
  const max = options?.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!(max > 0) || (max !== Infinity && !Number.isInteger(max))) {
    throw new RangeError(`maxMessageBytes must be a positive integer (or Infinity), got ${String(max)}`);
  }
  return max;
}
