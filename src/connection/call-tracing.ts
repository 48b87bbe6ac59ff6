/**
 * Tracing channels for calls, in the shape of Node's `diagnostics_channel` TracingChannel (start,
 * end, asyncStart, asyncEnd, error): one span per request a connection sends, and one per request
 * or notification it handles. The portable connection publishes here; only a host that has such
 * channels gives them (`useCallChannels`: the Node entry gives `jsonrpc-wire:request` and
 * `jsonrpc-wire:handle`, see src/node-streams/diagnostics.ts). Without channels, or with nobody
 * subscribed, a call costs one property check and nothing is built.
 *
 * Every span publishes start and end around the sending or the handler's call, then, once the call
 * is done, error (when it failed), asyncStart and asyncEnd: a handler that answers synchronously
 * too. Its context carries the method, the id and the params' size, from asyncStart on the
 * duration, and `error` what the call failed with. It carries no params or results: what the
 * process publishes is never the traffic's data.
 */
import { utf8ByteLength } from '../framing/utf8.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { DispatchContext, UntypedMethods } from '../dispatch/types.js';
import type { JsonRpcId, JsonRpcParams } from '../parser/messages.js';
import { isThenable } from './guard.js';

/** One channel of a tracing channel (Node's `Channel` has this shape). */
export interface CallChannel<C extends object> {
  publish(context: C): void;
}

/** The start channel also runs the traced code with the stores bound to it (AsyncLocalStorage). */
export interface CallStartChannel<C extends object> extends CallChannel<C> {
  runStores<T>(context: C, fn: () => T): T;
}

export interface CallTracingChannel<C extends object> {
  /** True when any of the five channels has a subscriber. */
  readonly hasSubscribers: boolean;
  readonly start: CallStartChannel<C>;
  readonly end: CallChannel<C>;
  readonly asyncStart: CallChannel<C>;
  readonly asyncEnd: CallChannel<C>;
  readonly error: CallChannel<C>;
}

/** The context of a `jsonrpc-wire:request` span (a request this side sent). */
export interface RequestSpan {
  readonly method: string;
  readonly id: number;
  /** Bytes of the params' JSON text in UTF-8 (0 without params). */
  readonly paramsBytes: number;
  /** Milliseconds from sending to settling, set when it settled. */
  duration?: number;
  /** What the request rejected with (an error response's exception, a timeout, a close). */
  error?: unknown;
}

/** The context of a `jsonrpc-wire:handle` span (an incoming request or notification run by its handler). */
export interface HandleSpan {
  readonly method: string;
  /** undefined for a notification. */
  readonly id: JsonRpcId | undefined;
  readonly paramsBytes: number;
  /** Milliseconds the handler took (to its promise settling), set at asyncStart. */
  duration?: number;
  /** What the handler threw or rejected with. */
  error?: unknown;
}

export interface CallChannels {
  readonly request: CallTracingChannel<RequestSpan>;
  readonly handle: CallTracingChannel<HandleSpan>;
}

let channels: CallChannels | undefined;

/** Publishes every connection's calls on `given` from now on (a host's channels). */
export function useCallChannels(given: CallChannels): void {
  channels = given;
}

/** A span between its end and its settling: `settle()` publishes error (when it failed), asyncStart and asyncEnd. */
export class OpenSpan<C extends RequestSpan | HandleSpan> {
  private readonly started = performance.now();

  constructor(
    private readonly channel: CallTracingChannel<C>,
    readonly context: C,
  ) {}

  settle(failure: { error: unknown } | undefined): void {
    const { channel, context } = this;
    context.duration = performance.now() - this.started;
    if (failure !== undefined) {
      context.error = failure.error;
      channel.error.publish(context);
    }
    channel.asyncStart.publish(context);
    channel.asyncEnd.publish(context);
  }
}

/** Starts and ends the span of a request this side just sent; undefined when nobody listens. */
export function requestSpan(method: string, id: number, params: JsonRpcParams | undefined): OpenSpan<RequestSpan> | undefined {
  const channel = channels?.request;
  if (channel === undefined || !channel.hasSubscribers) return undefined;
  const span = new OpenSpan(channel, { method, id, paramsBytes: sizeOf(params) });
  channel.start.publish(span.context);
  channel.end.publish(span.context);
  return span;
}

/**
 * `dispatcher.call(...)` for an incoming call, traced when anyone listens: the handler runs inside
 * the start channel's stores; a promise it returns is replaced by one that settles alike, after
 * settling the span. A handler that returns or throws at once settles its span at once: every
 * span, synchronous or not, ends with asyncStart and asyncEnd, so a subscriber has one place to
 * read durations.
 */
export function callTraced<C extends DispatchContext>(
  dispatcher: Dispatcher<UntypedMethods, C>,
  method: string,
  params: JsonRpcParams | undefined,
  context: C,
): unknown {
  const channel = channels?.handle;
  if (channel === undefined || !channel.hasSubscribers) return dispatcher.call(method, params, context);
  const span = new OpenSpan(channel, { method, id: context.id, paramsBytes: sizeOf(params) });
  return channel.start.runStores(span.context, () => {
    let outcome: unknown;
    let later: boolean;
    try {
      outcome = dispatcher.call(method, params, context);
      later = isThenable(outcome); // a `then` getter may throw
    } catch (error) {
      channel.end.publish(span.context);
      span.settle({ error });
      throw error;
    }
    channel.end.publish(span.context);
    if (!later) {
      span.settle(undefined);
      return outcome;
    }
    return Promise.resolve(outcome as PromiseLike<unknown>).then(
      (result) => {
        span.settle(undefined);
        return result;
      },
      (error: unknown) => {
        span.settle({ error });
        throw error;
      },
    );
  });
}

/** UTF-8 bytes of `params` as JSON (0 without; 0 when it has no JSON form, which sending would have refused). */
function sizeOf(params: JsonRpcParams | undefined): number {
  if (params === undefined) return 0;
  try {
    return utf8ByteLength(JSON.stringify(params));
  } catch {
    return 0;
  }
}
