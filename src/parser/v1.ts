/**
 * JSON-RPC 1.0 (2005), opt-in beside 2.0: how a parsed value is read as a 1.0 message and how
 * answers are written in 1.0's form. The message model is 2.0's (`JsonRpcRequest`, ...), so the
 * dispatcher serves both the same way; only reading and writing differ:
 * - a request has `method`, `params` (an array: 1.0 has positional params only; leaving it out is
 *   tolerated as no params) and an `id` (a string or a number here); no `jsonrpc` member, or
 *   `"jsonrpc": "1.0"` as some 1.0 clients send;
 * - a notification is a request whose `id` is null; a request with no `id` at all is invalid;
 * - a response carries `result`, `error` and `id`: `error` null on success, `result` null on
 *   failure (written always with all three; read with a missing one as null);
 * - there are no batches.
 *
 * `'both'` reads each message in the version it speaks: one with `"jsonrpc": "2.0"` (and every
 * batch) by 2.0's rules, anything else by 1.0's. Under `'2.0'` (the default everywhere) none of
 * this runs, and a 1.0 response stays an `'invalidResponse'`.
 */
import { JsonRpcInvalidRequestError, type JsonRpcErrorObject, JsonRpcException } from './errors.js';
import {
  isJsonRpcId,
  parseErrorMessage,
  validateMessage,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcParams,
  type JsonRpcSingleMessage,
} from './messages.js';

/** Which JSON-RPC a side speaks: 2.0 (default), 1.0, or each message in its own. */
export type JsonRpcVersion = '2.0' | '1.0' | 'both';

/** A parsed message with the version it is answered in. */
export interface VersionedMessage {
  readonly message: JsonRpcMessage;
  readonly version: '2.0' | '1.0';
}

const hasOwn = Object.prototype.hasOwnProperty;

// (messages.ts has the same two helpers unexported: exporting them there would make them public API.)
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toWireError(error: JsonRpcErrorObject): JsonRpcErrorObject {
  return error.data === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, data: error.data };
}

/** The version `value` is read in under `mode`. */
export function versionOf(value: unknown, mode: JsonRpcVersion): '2.0' | '1.0' {
  if (mode !== 'both') return mode;
  if (Array.isArray(value)) return '2.0';
  return isPlainObject(value) && value.jsonrpc === '2.0' ? '2.0' : '1.0';
}

/** Validates a parsed JSON value under `mode`. */
export function validateVersioned(value: unknown, mode: JsonRpcVersion): VersionedMessage {
  const version = versionOf(value, mode);
  return { message: version === '2.0' ? validateMessage(value) : validateSingleV1(value), version };
}

/**
 * Parses and validates one JSON text under `mode` (`'1.0'` or `'both'`). Text that is not JSON
 * speaks no version: it is read as 1.0 under `'1.0'`, else as 2.0 (as `handle()` answers it).
 */
export function parseVersioned(text: string, mode: JsonRpcVersion): VersionedMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { message: parseErrorMessage(err instanceof Error ? err.message : String(err)), version: mode === '1.0' ? '1.0' : '2.0' };
  }
  return validateVersioned(value, mode);
}

/** `version` itself, checked: a RangeError names `where` for anything but the three versions. */
export function checkVersion(version: JsonRpcVersion | undefined, where: string): JsonRpcVersion {
  if (version === undefined || version === '2.0' || version === '1.0' || version === 'both') return version ?? '2.0';
  throw new RangeError(`${where}: version must be '2.0', '1.0' or 'both', got ${JSON.stringify(version) ?? String(version)}`);
}

function invalid(id: JsonRpcId, reason: string): JsonRpcSingleMessage {
  return { kind: 'invalid', id, error: new JsonRpcInvalidRequestError(undefined, { reason }) };
}

/** Validates one parsed JSON value as a JSON-RPC 1.0 request, notification or response. */
export function validateSingleV1(value: unknown): JsonRpcSingleMessage {
  if (Array.isArray(value)) return invalid(null, 'JSON-RPC 1.0 has no batches');
  if (!isPlainObject(value)) return invalid(null, 'a message must be a JSON object');
  if (hasOwn.call(value, 'jsonrpc') && value.jsonrpc !== '1.0') {
    return invalid(null, '"jsonrpc" must be absent (or "1.0") in a JSON-RPC 1.0 message');
  }
  if (!hasOwn.call(value, 'method') && (hasOwn.call(value, 'result') || hasOwn.call(value, 'error'))) {
    return validateResponseV1(value);
  }
  const hasId = hasOwn.call(value, 'id');
  const id = value.id;
  const idIsValid = hasId && (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)));
  const answerId: JsonRpcId = idIsValid ? (id as JsonRpcId) : null;
  if (!hasId) return invalid(null, 'a JSON-RPC 1.0 request needs an "id" (null for a notification)');
  if (id !== null && !idIsValid) return invalid(null, '"id" must be a string, a number or null');
  const method = value.method;
  if (typeof method !== 'string') return invalid(answerId, '"method" must be a string');
  const params = value.params;
  if (params !== undefined && params !== null && !Array.isArray(params)) {
    return invalid(answerId, '"params" must be an array in JSON-RPC 1.0');
  }
  const list = Array.isArray(params) ? (params as readonly unknown[]) : undefined;
  if (id === null) return list === undefined ? { kind: 'notification', method } : { kind: 'notification', method, params: list };
  return list === undefined ? { kind: 'request', id: answerId, method } : { kind: 'request', id: answerId, method, params: list };
}

/**
 * `{ result, error, id }`, one of `result` and `error` null. A member left out reads as null:
 * jayson, for one, leaves `result` out of its 1.0 error responses.
 */
function validateResponseV1(value: Record<string, unknown>): JsonRpcSingleMessage {
  const problems: string[] = [];
  const id = value.id;
  if (!hasOwn.call(value, 'id')) problems.push('a response must have an "id"');
  else if (!isJsonRpcId(id)) problems.push('"id" must be a string, a number or null');
  const error = value.error;
  const failed = error !== null && error !== undefined;
  if (failed && !(isPlainObject(error) && Number.isInteger(error.code) && typeof error.message === 'string')) {
    problems.push('"error" must be null or an object with an integer "code" and a string "message"');
  }
  if (failed && value.result !== null && value.result !== undefined) problems.push('"result" must be null when "error" is not');
  const responseId: JsonRpcId = isJsonRpcId(id) ? id : null;
  if (problems.length > 0) return { kind: 'invalidResponse', id: responseId, problem: problems.join('; '), value };
  if (!failed) return { kind: 'response', id: responseId, isSuccess: true, result: value.result ?? null };
  const wire = error as Record<string, unknown>;
  const wireError: JsonRpcErrorObject = hasOwn.call(wire, 'data')
    ? { code: wire.code as number, message: wire.message as string, data: wire.data }
    : { code: wire.code as number, message: wire.message as string };
  return { kind: 'response', id: responseId, isSuccess: false, error: wireError };
}

/** A 1.0 success response. Throws a TypeError when `result` has no JSON form. */
export function encodeResultV1(id: JsonRpcId, result: unknown): string {
  const body = result === undefined ? 'null' : (JSON.stringify(result) as string | undefined);
  if (body === undefined) throw new TypeError(`The result (a ${typeof result}) has no JSON representation`);
  return `{"result":${body},"error":null,"id":${JSON.stringify(id)}}`;
}

/** A 1.0 error response (the error object as 2.0 writes it: code, message, data). */
export function encodeErrorV1(id: JsonRpcId, error: JsonRpcException | JsonRpcErrorObject): string {
  const wire = error instanceof JsonRpcException ? error.toJSON() : toWireError(error);
  return JSON.stringify({ result: null, error: wire, id });
}

/**
 * A 1.0 request (`id` null makes it a notification). Throws a TypeError for named params (1.0 has
 * positional ones only), a method that is not a string, or params with no JSON form.
 */
export function encodeRequestV1(id: JsonRpcId, method: string, params: JsonRpcParams | undefined): string {
  if (typeof method !== 'string') throw new TypeError(`A method name must be a string, got ${typeof method}`);
  if (params !== undefined && !Array.isArray(params)) {
    throw new TypeError(`JSON-RPC 1.0 has positional params only: '${method}' was given ${params === null ? 'null' : typeof params} params, not an array`);
  }
  return JSON.stringify({ method, params: params ?? [], id });
}
