/**
 * Local errors of the node-streams layer. They are not JSON-RPC wire errors (they never cross the
 * wire): plain `Error` subclasses with a Node-style `code` string, so callers can tell them apart
 * from the `JsonRpcException` an error response brings back.
 *
 * - `ConnectionClosedError` (`ERR_JSONRPC_CONNECTION_CLOSED`): the request can never be answered or
 *   the message never written, because the connection was closed by `close()`/`destroy()`, the
 *   remote end closed, the stream failed, or the child process exited. `message` says which;
 *   `cause` holds the stream error when there was one.
 * - `RequestTimeoutError` (`ERR_JSONRPC_REQUEST_TIMEOUT`): no response within `timeoutMs`.
 * - `RequestAbortedError` (`ERR_JSONRPC_REQUEST_ABORTED`): the request's `AbortSignal` was aborted;
 *   `cause` is the signal's `reason`.
 */

export class ConnectionClosedError extends Error {
  readonly code = 'ERR_JSONRPC_CONNECTION_CLOSED';
  constructor(message = 'The JSON-RPC connection is closed', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectionClosedError';
  }
}

export class RequestTimeoutError extends Error {
  readonly code = 'ERR_JSONRPC_REQUEST_TIMEOUT';
  readonly method: string;
  readonly timeoutMs: number;
  constructor(method: string, timeoutMs: number) {
    super(`JSON-RPC request "${method}" timed out after ${timeoutMs} ms without a response`);
    this.name = 'RequestTimeoutError';
    this.method = method;
    this.timeoutMs = timeoutMs;
  }
}

export class RequestAbortedError extends Error {
  readonly code = 'ERR_JSONRPC_REQUEST_ABORTED';
  readonly method: string;
  constructor(method: string, reason: unknown) {
    super(`JSON-RPC request "${method}" was aborted`, { cause: reason });
    this.name = 'RequestAbortedError';
    this.method = method;
  }
}
