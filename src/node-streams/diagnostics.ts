/**
 * Node's `diagnostics_channel` for every connection's calls: the TracingChannels
 * `jsonrpc-wire:request` (each request a connection sends) and `jsonrpc-wire:handle` (each request
 * or notification it handles), published by the portable connection (src/connection/call-tracing.ts).
 * Importing this module gives them; the Node entry (`jsonrpc-wire`) imports it.
 *
 * ```ts
 * import diagnostics from 'node:diagnostics_channel';
 * diagnostics.tracingChannel('jsonrpc-wire:handle').subscribe({
 *   asyncEnd: ({ method, duration }) => histogram(method).record(duration),
 *   ...
 * });
 * ```
 */
import diagnostics from 'node:diagnostics_channel';
import { useCallChannels, type CallTracingChannel } from '../connection/call-tracing.js';

/**
 * A TracingChannel as the connection reads it. `hasSubscribers` came to TracingChannel in Node
 * 20.13; before that it is worked out from the five channels.
 */
export function callTracingChannel<C extends object>(channel: diagnostics.TracingChannel<unknown, C>): CallTracingChannel<C> {
  if (typeof (channel as { hasSubscribers?: unknown }).hasSubscribers === 'boolean') return channel as unknown as CallTracingChannel<C>;
  const { start, end, asyncStart, asyncEnd, error } = channel;
  return {
    get hasSubscribers() {
      return start.hasSubscribers || end.hasSubscribers || asyncStart.hasSubscribers || asyncEnd.hasSubscribers || error.hasSubscribers;
    },
    start: { publish: (context) => start.publish(context), runStores: (context, fn) => start.runStores(context, fn) },
    end,
    asyncStart,
    asyncEnd,
    error,
  };
}

useCallChannels({
  request: callTracingChannel(diagnostics.tracingChannel('jsonrpc-wire:request')),
  handle: callTracingChannel(diagnostics.tracingChannel('jsonrpc-wire:handle')),
});
