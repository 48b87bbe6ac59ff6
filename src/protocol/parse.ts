/**
 * One frame's JSON text to the message the engine routes: `parseMessage()`, except that a value
 * shaped like a response that fails validation comes back as `'invalidResponse'` (never answered)
 * instead of `'invalid'` (answered), in a batch as well as alone.
 */
import type { JsonRpcBatch, JsonRpcMessage, JsonRpcSingleMessage } from '../parser/messages.js';
import { parseErrorMessage, validateMessage } from '../parser/messages.js';
import { asInvalidResponse, type JsonRpcInvalidResponse } from './invalid-response.js';

export type IncomingSingle = JsonRpcSingleMessage | JsonRpcInvalidResponse;
export interface IncomingBatchMessage {
  readonly kind: 'batch';
  readonly messages: readonly IncomingSingle[];
}
export type IncomingMessage = Exclude<JsonRpcMessage, JsonRpcBatch> | JsonRpcInvalidResponse | IncomingBatchMessage;

export function parseIncoming(text: string): IncomingMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return parseErrorMessage(err instanceof Error ? err.message : String(err));
  }
  const message = validateMessage(value);
  if (message.kind === 'invalid') return asInvalidResponse(value, message) ?? message;
  if (message.kind !== 'batch') return message;
  const entries = message.messages;
  let out: IncomingSingle[] | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.kind !== 'invalid') continue;
    const response = asInvalidResponse((value as unknown[])[i], entry);
    if (response === undefined) continue;
    out ??= entries.slice();
    out[i] = response;
  }
  return out === undefined ? message : { kind: 'batch', messages: out };
}
