/**
 * Messages as values: the engine's codec for a channel of structured-clone values (framing
 * `'value'`: a MessagePort posting objects). A message arrives already parsed and leaves as the
 * value to post; no JSON text is made or parsed for it on the way.
 *
 * In, `readValue()`: structured clone carries much that JSON cannot (undefined, NaN, BigInt, Date,
 * Map, typed arrays, sparse arrays, cycles), so a received value is first walked to check that it
 * is a JSON value, the walk also giving its size; then it is validated as the parser validates
 * what JSON.parse gives (parser/messages.ts, the same function). A value that is not JSON is
 * refused, never thrown: a request whose only fault is in `params` is answered -32602 under its
 * id, any other call -32600 (under its id when that could be read), a response becomes an invalid
 * response (never answered; the request it names fails). JSON values are: plain objects, arrays,
 * strings, finite numbers, booleans and null, nested at most MAX_VALUE_DEPTH deep; an object's
 * member whose value is undefined is left out, as JSON text of it would leave it out (an
 * undefined array element, which JSON would write as null, is refused).
 *
 * A value's size, for the byte bounds (`maxMessageBytes`, `maxQueuedBytes`), is an estimate of
 * its JSON text's length that the walk adds up as it goes: a string its length + 2, a number 8,
 * true, false and null 5, an object 2 + for each member its key's length + 4 + its value's, an
 * array 2 + for each element 1 + its value's, and a message VALUE_MESSAGE_BYTES more. It stays
 * within a small factor of the text's length either way (tested), so the bounds mean on a value
 * channel what they mean on a text one; the walk stops as soon as it passes `maxMessageBytes`, so
 * its work is bounded too (a value sharing one object many times is charged, and walked, once per
 * time it appears, as its text would be written).
 *
 * Out, `jsonValue()`: what JSON.parse(JSON.stringify(value)) gives, as a fresh value. Plain data
 * (plain objects, arrays, strings, finite numbers, booleans, null) is copied directly; anything
 * else (a toJSON, a Date, undefined members, NaN, a class instance, deep nesting) goes through
 * JSON.stringify and JSON.parse, so JSON's rules hold exactly, errors included (a property test
 * compares the two). A getter of plain data may then run twice.
 */
import { JsonRpcInvalidParamsError, JsonRpcInvalidRequestError, JsonRpcParseError } from '../parser/errors.js';
import {
  validateSingle,
  type JsonRpcId,
  type JsonRpcInvalidMessage,
  type JsonRpcMessage,
  type JsonRpcParams,
  type JsonRpcSingleMessage,
} from '../parser/messages.js';

/** Nesting past this is refused (structured clone itself cannot post a value much deeper). */
export const MAX_VALUE_DEPTH = 1000;
/** What a message's envelope is charged beyond its members' estimate (as `{"jsonrpc":"2.0",...}` would be). */
export const VALUE_MESSAGE_BYTES = 16;

const hasOwn = Object.prototype.hasOwnProperty;
const STRING_EXTRA = 2;
const NUMBER_BYTES = 8;
const LITERAL_BYTES = 5;
const MEMBER_EXTRA = 4;

/** A received value read as a message, and its estimated size in bytes. */
export interface ValueRead {
  readonly message: JsonRpcMessage;
  readonly bytes: number;
}

/**
 * Validates a received value as a JSON-RPC 2.0 message (see the module comment). `validate` reads
 * one message of a JSON value (`validateSingle` by default; JSON-RPC 1.0's under another version).
 */
export function readValue(value: unknown, maxBytes: number, validate: (value: unknown) => JsonRpcSingleMessage = validateSingle): ValueRead {
  try {
    if (!Array.isArray(value)) {
      const bytes = measureMessage(value, maxBytes);
      return { message: readMeasured(value, bytes, validate, maxBytes), bytes: Math.max(bytes, 0) };
    }
    const length = value.length;
    if (length === 0) return { message: invalid(null, 'a batch must not be empty'), bytes: STRING_EXTRA };
    const messages = new Array<JsonRpcSingleMessage>(length);
    let bytes = STRING_EXTRA;
    for (let i = 0; i < length; i++) {
      const size = measureMessage(value[i], maxBytes - bytes);
      if (size < 0 && fault.what === OVERSIZED) return { message: oversized(maxBytes), bytes: 0 };
      messages[i] = readMeasured(value[i], size, validate, maxBytes);
      bytes += Math.max(size, 0) + 1;
    }
    return { message: { kind: 'batch', messages }, bytes };
  } catch (error) {
    // Only a value handed over by hand can throw here (a getter, a proxy): structured clone carries neither.
    return { message: invalid(null, `the message could not be read (${error instanceof Error ? error.message : String(error)})`), bytes: 0 };
  }
}

/** The estimated size of a value this side sends (its JSON value), for the bounds of what waits to be written. */
export function valueBytes(value: unknown): number {
  const bytes = measure(value, 0, Infinity);
  return bytes < 0 ? 0 : bytes;
}

// ---- the walk -------------------------------------------------------------------------------------

const OVERSIZED = 'oversized';

/**
 * Why the last walk failed, and where (the keys from the message down, filled in on the way back
 * up); `undefinedMember`: the message has a member whose value is undefined (left out).
 */
const fault = { what: '', path: [] as (string | number)[], undefinedMember: false };

function failed(what: string): number {
  fault.what = what;
  fault.path.length = 0;
  return -1;
}

/** A message's estimated size, or -1 when some part of it is not JSON or it is over `maxBytes` (`fault` says why and where). */
function measureMessage(value: unknown, maxBytes: number): number {
  fault.undefinedMember = false;
  const bytes = measure(value, 0, maxBytes - VALUE_MESSAGE_BYTES);
  if (bytes < 0) return bytes;
  return bytes + VALUE_MESSAGE_BYTES > maxBytes ? failed(OVERSIZED) : bytes + VALUE_MESSAGE_BYTES;
}

/**
 * The estimated JSON size of `value`, or -1 when it has no JSON form. `left`: the bytes it may
 * take at most; past them the walk stops (-1, `OVERSIZED`).
 */
function measure(value: unknown, depth: number, left: number): number {
  switch (typeof value) {
    case 'string':
      return value.length + STRING_EXTRA;
    case 'number':
      return Number.isFinite(value) ? NUMBER_BYTES : failed(String(value));
    case 'boolean':
      return LITERAL_BYTES;
    case 'object':
      if (value === null) return LITERAL_BYTES;
      break;
    default:
      return failed(typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`);
  }
  if (depth >= MAX_VALUE_DEPTH) return failed(`nested deeper than ${MAX_VALUE_DEPTH} levels (or cyclic)`);
  let size = STRING_EXTRA;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const element = measure(value[i], depth + 1, left - size);
      if (element < 0) return within(i);
      size += element + 1;
      if (size > left) return failed(OVERSIZED);
    }
    return size;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return failed(`a ${kindOf(value)}`);
  const record = value as Record<string, unknown>;
  // for-in makes no array of keys (Object.keys would, per object); own members only.
  for (const key in record) {
    if (!hasOwn.call(record, key)) continue;
    const item = record[key];
    // Left out, as JSON text of it would leave it (vscode-jsonrpc posts `params: undefined`).
    if (item === undefined) {
      if (depth === 0) fault.undefinedMember = true;
      continue;
    }
    const member = measure(item, depth + 1, left - size);
    if (member < 0) return within(key);
    size += key.length + MEMBER_EXTRA + member;
    if (size > left) return failed(OVERSIZED);
  }
  return size;
}

/** A failure below `key`: its path grows by the key on the way back up. */
function within(key: string | number): number {
  if (fault.what !== OVERSIZED) fault.path.push(key);
  return -1;
}

function kindOf(value: object): string {
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  return tag === 'Object' ? 'non-plain object' : tag;
}

// ---- what a value that is not JSON earns ----------------------------------------------------------

/** The message of a value just measured (`bytes` < 0: it is not JSON, or too large). */
function readMeasured(value: unknown, bytes: number, validate: (value: unknown) => JsonRpcSingleMessage, maxBytes: number): JsonRpcSingleMessage {
  if (bytes < 0) return refused(value, validate, maxBytes);
  return validate(fault.undefinedMember ? definedMembers(value as Record<string, unknown>) : value);
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** `record` without its members whose value is undefined: the parser reads a member as there when it is own. */
function definedMembers(record: Record<string, unknown>): Record<string, unknown> {
  const defined: Record<string, unknown> = {};
  for (const key of Object.keys(record)) if (record[key] !== undefined) Object.defineProperty(defined, key, { value: record[key], enumerable: true, writable: true, configurable: true });
  return defined;
}

/** The answer to a message some part of which is not JSON (the last walk's `fault` says which). */
function refused(value: unknown, validate: (value: unknown) => JsonRpcSingleMessage, maxBytes: number): JsonRpcSingleMessage {
  if (fault.what === OVERSIZED) return oversized(maxBytes);
  const path = fault.path.reverse();
  const where = path.length === 0 ? 'the message' : `"${path.map(String).join('.')}"`;
  const reason = `${where} has no JSON form (${fault.what})`;
  if (path.length === 0) return invalid(null, `a message must be a JSON object; this one ${reason.slice(where.length + 1)}`);
  const message = validate(isPlainRecord(value) ? definedMembers(value) : value);
  switch (message.kind) {
    case 'request':
    case 'notification': {
      const id = message.kind === 'request' ? message.id : null;
      if (path[0] !== 'params') return invalid(id, reason);
      return { kind: 'invalid', id, error: new JsonRpcInvalidParamsError(undefined, { reason }) };
    }
    case 'response':
      return { kind: 'invalidResponse', id: message.id, problem: reason, value };
    default:
      return message; // refused already, for what the parser found
  }
}

function invalid(id: JsonRpcId, reason: string): JsonRpcInvalidMessage {
  return { kind: 'invalid', id, error: new JsonRpcInvalidRequestError(undefined, { reason }) };
}

function oversized(maxBytes: number): JsonRpcInvalidMessage {
  const error = new JsonRpcParseError(`Message exceeds maxMessageBytes (${maxBytes}), by the estimate of its JSON size.`, { framing: 'value', problem: 'oversized' });
  return { kind: 'invalid', id: null, error };
}

// ---- out -----------------------------------------------------------------------------------------

/** What `copyPlain` gives for a value that is not plain data. */
const NOT_PLAIN: unique symbol = Symbol('not plain data');
/** Plain data is copied directly up to this depth; deeper goes through JSON.stringify. */
const COPY_DEPTH = 64;

/** `JSON.parse(JSON.stringify(value))` (undefined where that has no text), as a fresh value; throws what JSON.stringify throws. */
export function jsonValue(value: unknown): unknown {
  const copy = copyPlain(value, 0);
  if (copy !== NOT_PLAIN) return copy;
  const text = JSON.stringify(value) as string | undefined;
  return text === undefined ? undefined : JSON.parse(text);
}

function copyPlain(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // JSON writes -0 as 0, and NaN and the infinities as null: that is JSON.stringify's to do.
      return Number.isFinite(value) ? value + 0 : NOT_PLAIN;
    case 'object':
      if (value === null) return null;
      break;
    default:
      return NOT_PLAIN;
  }
  if (depth >= COPY_DEPTH || (value as { toJSON?: unknown }).toJSON !== undefined) return NOT_PLAIN;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Array.prototype) {
    const array = value as unknown[];
    // Filled by push, not `new Array(n)`: a packed array, which structured clone writes on its fast path.
    const copy: unknown[] = [];
    for (let i = 0; i < array.length; i++) {
      const element = copyPlain(array[i], depth + 1);
      if (element === NOT_PLAIN) return NOT_PLAIN;
      copy.push(element);
    }
    return copy;
  }
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const record = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const member = copyPlain(record[key], depth + 1);
    // `__proto__` would set the copy's prototype: JSON.parse makes it an own member, so JSON's way does.
    if (member === NOT_PLAIN || key === '__proto__') return NOT_PLAIN;
    copy[key] = member;
  }
  return copy;
}

/** A request as the value to post (encodeRequest's checks and JSON form, parser/messages.ts). */
export function requestValue(id: JsonRpcId, method: string, params?: JsonRpcParams): object {
  checkMethod(method);
  return params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params: paramsValue(params) };
}

export function notificationValue(method: string, params?: JsonRpcParams): object {
  checkMethod(method);
  return params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params: paramsValue(params) };
}

/** A result answer as the value to post; a TypeError for a result with no JSON form, as encodeResult. */
export function resultValue(id: JsonRpcId, result: unknown): object {
  const value = result === undefined ? null : jsonValue(result);
  if (value === undefined) throw new TypeError(`The result (a ${typeof result}) has no JSON representation`);
  return { jsonrpc: '2.0', id, result: value };
}

function checkMethod(method: string): void {
  if (typeof method !== 'string') throw new TypeError(`A method name must be a string, got ${typeof method}`);
}

function paramsValue(params: JsonRpcParams): unknown {
  if (typeof params !== 'object' || params === null) {
    throw new TypeError(`params must be an array or an object (or left out), got ${params === null ? 'null' : typeof params}`);
  }
  const value = jsonValue(params);
  if (value === undefined) throw new TypeError('params have no JSON representation (their toJSON() returned undefined)');
  return value;
}
