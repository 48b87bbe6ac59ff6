/**
 * The outgoing side of a connection: encodes through the peer and hands the bytes to the write
 * queue. Answers never throw back into the code that produced them: a result with no JSON form
 * becomes an error response, and an error that cannot be encoded becomes -32603.
 */
import { toJsonRpcException, type ErrorPolicy } from '../dispatch/error-policy.js';
import { createFramer } from '../framing/index.js';
import type { Framer } from '../framing/types.js';
import { JsonRpcInternalError, type JsonRpcException } from '../parser/errors.js';
import type { JsonRpcId, JsonRpcMessage, JsonRpcRequest } from '../parser/messages.js';
import type { JsonRpcPeer } from '../peer.js';
import { CANCEL_METHOD } from './cancel.js';
import type { WriteQueue } from './write-queue.js';

export class Outbox {
  /** Frames batch responses, which the dispatcher returns as JSON text (made on first use). */
  private batchFramer: Framer | undefined;

  constructor(
    private readonly peer: JsonRpcPeer,
    readonly writer: WriteQueue,
    private readonly policy: ErrorPolicy,
  ) {}

  /** False once nothing more can be written (the connection closed or the stream failed). */
  get open(): boolean {
    return !this.writer.failed;
  }

  result(request: JsonRpcRequest, result: unknown): void {
    if (this.writer.failed) return;
    let bytes: Uint8Array;
    try {
      // JSON.stringify would drop these silently, leaving a response with no result at all.
      if (typeof result === 'function' || typeof result === 'symbol' || typeof result === 'bigint') {
        throw new TypeError(`The result of ${request.method} (a ${typeof result}) has no JSON representation`);
      }
      bytes = this.peer.respondWithResult(request, result);
    } catch (err) {
      const info = { method: request.method, id: request.id, stage: 'encode' as const };
      this.error(request, toJsonRpcException(err, this.policy, info));
      return;
    }
    this.writer.push(bytes);
  }

  error(request: { readonly id: JsonRpcId }, error: JsonRpcException): void {
    if (this.writer.failed) return;
    let bytes: Uint8Array;
    try {
      bytes = this.peer.respondWithError(request, error);
    } catch {
      // Its data has no JSON form (a cycle, a BigInt): the caller still gets an answer.
      bytes = this.peer.respondWithError(request, new JsonRpcInternalError());
    }
    this.writer.push(bytes);
  }

  /** A message built by hand (the overloaded answers to a refused batch). */
  message(message: JsonRpcMessage): void {
    if (!this.writer.failed) this.writer.push(this.peer.encode(message));
  }

  /** JSON text the dispatcher already encoded (a batch response). */
  text(json: string): void {
    if (this.writer.failed) return;
    this.writer.push((this.batchFramer ??= createFramer(this.peer.framing)).encode(json));
  }

  /** Tells the remote side this side stopped waiting for request `id` (`$/cancelRequest`). */
  cancel(id: number): void {
    if (!this.writer.failed) this.writer.push(this.peer.notify(CANCEL_METHOD, { id }));
  }
}
