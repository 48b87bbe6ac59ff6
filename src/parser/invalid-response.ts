/**
 * `JsonRpcInvalidResponseError`: a request's answer arrived but is not a valid JSON-RPC 2.0
 * response (see `JsonRpcInvalidResponse` in messages.ts), e.g. a JSON-RPC 1.0 peer's
 * `{"id": 7, "error": null, "result": 3}`.
 *
 * It is a plain `Error`, not a `JsonRpcException`: the remote side sent no valid error code, and
 * `catch (e) { if (e instanceof JsonRpcException) ... }` must keep meaning "the remote side answered
 * with an error". Like the connection's other local errors it has a Node-style `code` string.
 */
import type { JsonRpcId, JsonRpcInvalidResponse } from './messages.js';

export class JsonRpcInvalidResponseError extends Error {
  readonly code = 'ERR_JSONRPC_INVALID_RESPONSE';
  /** The method of the request it answered. */
  readonly method: string;
  /** The id it carried (null when it had no valid id). */
  readonly id: JsonRpcId;
  /** What is wrong with it, human-readable. */
  readonly problem: string;
  /** The parsed object, as received. */
  readonly response: unknown;

  constructor(method: string, message: JsonRpcInvalidResponse) {
    super(`The response to JSON-RPC request "${method}" is not valid JSON-RPC 2.0: ${message.problem}`);
    this.name = 'JsonRpcInvalidResponseError';
    this.method = method;
    this.id = message.id;
    this.problem = message.problem;
    this.response = message.value;
  }
}
