/** The portable connection: promises, timers, handlers and events over a small transport interface. */
export { createConnection, JsonRpcConnection } from './connection.js';
export {
  createConnectionPair,
  createTransportPair,
  DEFAULT_PAIR_HIGH_WATER_MARK,
  MemoryByteStream,
  MemoryMessageChannel,
} from './pair.js';
export { ConnectionClosedError, RequestAbortedError, RequestTimeoutError } from './errors.js';
export type { ByteStreamTransport, MessageChannelTransport, Transport, TransportEvents } from './transport.js';
export type {
  BatchEntry,
  ConnectionContext,
  ConnectionEvents,
  ConnectionOptions,
  Disposable,
  NotifyArgs,
  RequestArgs,
  RequestOptions,
  RequestResult,
  ValidatedRequestOptions,
} from './types.js';
