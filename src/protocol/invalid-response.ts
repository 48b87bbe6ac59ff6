/**
 * Messages that look like responses but break the specification: never answered, whatever is wrong
 * with them (answering one would let two peers answer each other's errors forever).
 *
 * TODO(guard): branch `guard` makes `parseMessage()` return this kind itself, with this shape. Once
 * it has landed, import `JsonRpcInvalidResponse` from the parser and delete `asInvalidResponse()`
 * (the parser's own check replaces it).
 */
import type { JsonRpcId, JsonRpcInvalidMessage } from '../parser/messages.js';
import { isJsonRpcId } from '../parser/messages.js';

export interface JsonRpcInvalidResponse {
  readonly kind: 'invalidResponse';
  /** The id, when it could be read (a pending request of ours with this id is rejected). */
  readonly id: JsonRpcId | null;
  /** What is wrong with it, in words. */
  readonly problem: string;
  /** The value as parsed. */
  readonly value: unknown;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The invalid-response form of `invalid` when `value` (what it was parsed from) looks like a
 * response: an object with no `method` and a `result` or an `error`. Otherwise undefined.
 */
export function asInvalidResponse(value: unknown, invalid: JsonRpcInvalidMessage): JsonRpcInvalidResponse | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if (hasOwn.call(value, 'method') || !(hasOwn.call(value, 'result') || hasOwn.call(value, 'error'))) return undefined;
  const id = (value as { id?: unknown }).id;
  const reason = (invalid.error.data as { reason?: unknown } | undefined)?.reason;
  return {
    kind: 'invalidResponse',
    id: isJsonRpcId(id) ? id : null,
    problem: typeof reason === 'string' ? reason : invalid.error.message,
    value,
  };
}
