/**
 * One incoming message in, the JSON text of its response (or null) out. `handle()` runs this for a
 * single message and for every entry of a batch; the connection layer can call it per message too.
 */
import { JsonRpcException, JsonRpcInternalError, JsonRpcRequestCancelledError } from '../parser/errors.js';
import {
  encodeError,
  encodeResult,
  type JsonRpcId,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcSingleMessage,
} from '../parser/messages.js';
import { encodeErrorV1, encodeResultV1 } from '../parser/v1.js';
import type { Dispatcher } from './dispatcher.js';
import { reportHandlerError, toJsonRpcException, type ErrorPolicy, type HandlerErrorInfo } from './error-policy.js';
import type { DispatchContext, MethodTable } from './types.js';
import { untilAborted } from './until-aborted.js';

/** Builds the context handed to handlers from the base one (id, method, signal). */
export type ContextFactory<C extends DispatchContext> = (base: DispatchContext) => C;

export interface RespondOptions<C extends DispatchContext = DispatchContext> extends ErrorPolicy {
  /**
   * Gives up on the call: a handler still running when it aborts is answered with -32800
   * `Request cancelled` at once (the handler sees `context.signal` abort and is not awaited), and
   * one not started yet is not started.
   */
  signal?: AbortSignal;
  /**
   * Required when the dispatcher's context type `C` has more than `DispatchContext`'s members: makes
   * the full context from the base one. What it throws is treated as a handler fault.
   */
  createContext?: ContextFactory<C>;
}

/**
 * The options argument of `respond()`/`handle()`: optional when the dispatcher uses the plain
 * `DispatchContext`, required (for its `createContext`) when `C` extends it with more members.
 */
export type OptionsArgument<C extends DispatchContext, O> = DispatchContext extends C
  ? [options?: O]
  : [options: O & { createContext: ContextFactory<C> }];

/**
 * The response text for one message, or null when nothing is to be sent: a notification (even one
 * that failed), or an incoming response, valid or not (not ours to answer). An `'invalid'` message is answered
 * with its own error. Never rejects.
 */
export async function respond<M extends MethodTable<M>, C extends DispatchContext>(
  message: JsonRpcSingleMessage,
  dispatcher: Dispatcher<M, C>,
  ...[options]: OptionsArgument<C, RespondOptions<C>>
): Promise<string | null> {
  return respondWith(message, dispatcher, options ?? {});
}

/** How answers are written: JSON-RPC 2.0's form, or 1.0's (`handle()` with `version`). */
export interface AnswerEncoding {
  result(id: JsonRpcId, result: unknown): string;
  error(id: JsonRpcId, error: JsonRpcException): string;
}

export const JSON_RPC_2: AnswerEncoding = { result: encodeResult, error: encodeError };
export const JSON_RPC_1: AnswerEncoding = { result: encodeResultV1, error: encodeErrorV1 };

/** `respond()` without the type-level check on `createContext` (for `handle()`, which did it). */
export async function respondWith<M extends MethodTable<M>, C extends DispatchContext>(
  message: JsonRpcSingleMessage,
  dispatcher: Dispatcher<M, C>,
  opts: RespondOptions<C>,
  encoding: AnswerEncoding = JSON_RPC_2,
): Promise<string | null> {
  switch (message.kind) {
    case 'response':
    case 'invalidResponse': // a response, however broken, is never answered
      return null;
    case 'invalid':
      return encodeErrorSafely(message.id, message.error, opts, { method: '', id: message.id, stage: 'encode' }, encoding);
    case 'request':
    case 'notification':
      return call(message, dispatcher, opts, encoding);
  }
}

async function call<M extends MethodTable<M>, C extends DispatchContext>(
  message: JsonRpcRequest | JsonRpcNotification,
  dispatcher: Dispatcher<M, C>,
  options: RespondOptions<C>,
  encoding: AnswerEncoding,
): Promise<string | null> {
  const id: JsonRpcId | undefined = message.kind === 'request' ? message.id : undefined;
  const info: HandlerErrorInfo = { method: message.method, id, stage: 'handler' };
  // Without a caller's signal the context still gets one of its own (never shared between calls,
  // so listeners a handler forgets to remove die with the call).
  const signal = options.signal ?? new AbortController().signal;
  let result: unknown;
  try {
    const base: DispatchContext = { id, method: message.method, signal };
    const context = options.createContext !== undefined ? options.createContext(base) : (base as C);
    if (signal.aborted) throw new JsonRpcRequestCancelledError(); // cancelled before it started: run nothing
    result = await untilAborted(dispatcher.invoke(message.method, message.params, context), signal);
  } catch (err) {
    const error = toJsonRpcException(err, options, info);
    return id === undefined ? null : encodeErrorSafely(id, error, options, info, encoding);
  }
  if (id === undefined) return null;
  return encodeResultSafely(id, result, options, info, encoding);
}

/** `encodeResult`, or a -32603 when the result has no JSON form (reported to the hook). */
function encodeResultSafely(
  id: JsonRpcId,
  result: unknown,
  policy: ErrorPolicy,
  info: HandlerErrorInfo,
  encoding: AnswerEncoding,
): string {
  try {
    return encoding.result(id, result);
  } catch (err) {
    const encodeInfo: HandlerErrorInfo = { ...info, stage: 'encode' };
    return encodeErrorSafely(id, toJsonRpcException(err, policy, encodeInfo), policy, encodeInfo, encoding);
  }
}

/** `encodeError`, or a bare -32603 when the error's `data` has no JSON form (reported to the hook). */
function encodeErrorSafely(
  id: JsonRpcId,
  error: JsonRpcException,
  policy: ErrorPolicy,
  info: HandlerErrorInfo,
  encoding: AnswerEncoding,
): string {
  try {
    return encoding.error(id, error);
  } catch (err) {
    reportHandlerError(err, policy, { ...info, stage: 'encode' });
    return encoding.error(id, new JsonRpcInternalError());
  }
}
