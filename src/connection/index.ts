/** The portable connection: promises, timers, handlers and events over a small transport interface. */
export { createConnection, JsonRpcConnection, type ConnectionContext, type ConnectionOptions } from './connection.js';
export {
  createConnectionPair,
  createTransportPair,
  DEFAULT_PAIR_HIGH_WATER_MARK,
  MemoryByteStream,
  MemoryMessageChannel,
} from './pair.js';
export { ConnectionClosedError, RequestAbortedError, RequestTimeoutError } from './errors.js';
export type { OutgoingCall, OutgoingMiddleware } from './outgoing.js';
export type { ByteStreamTransport, MessageChannelTransport, Transport, TransportEvents } from './transport.js';
export type {
  BatchEntry,
  ConnectionEvents,
  ConnectionSettings,
  Disposable,
  HandlerContext,
  NotifyArgs,
  RequestArgs,
  RequestOptions,
  RequestResult,
  ValidatedRequestOptions,
} from './types.js';
export type { TraceDirection, TraceEvent } from './trace.js';
export type { HandleSpan, RequestSpan } from './call-tracing.js';
