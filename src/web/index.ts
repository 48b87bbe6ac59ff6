/**
 * The web-standard bindings: a connection over Web Streams, a MessagePort or Worker, a WebSocket,
 * and JSON-RPC over HTTP with fetch's `Request`/`Response`. Portable: no `node:` module.
 */
export {
  connectWebStreams,
  DEFAULT_WEB_STREAMS_HIGH_WATER_MARK,
  WebStreamsTransport,
  type WebStreamPair,
  type WebStreamsOptions,
} from './web-streams.js';
export {
  connectMessagePort,
  MessagePortTextTransport,
  MessagePortTransport,
  type MessageEndpoint,
  type MessageFormat,
  type MessagePortOptions,
} from './message-port.js';
export {
  connectWebSocket,
  DEFAULT_WEBSOCKET_HIGH_WATER_MARK,
  WebSocketTransport,
  type CorkableSocket,
  type WebSocketEventLike,
  type WebSocketLike,
  type WebSocketOptions,
} from './websocket.js';
export { createFetchHandler, type FetchHandler } from './fetch-handler.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  type HttpHandlerOptions,
  type HttpOptionsArgument,
  type HttpRefusal,
} from './http-server.js';
export {
  createHttpClient,
  DEFAULT_MAX_RESPONSE_BYTES,
  HeadersError,
  HttpStatusError,
  JsonRpcHttpClient,
  type FetchFunction,
  type HttpCallOptions,
  type HttpClientOptions,
} from './http-client.js';
