/**
 * The outgoing side of a connection: encodes answers, frames them through the peer, as text, and
 * hands them to the write queue (which joins one tick's text and encodes it once, see
 * write-queue.ts). An answer is built as unframed JSON first (`resultJson`, `errorJson`), so that
 * the answers of a batch's entries can be joined into one batch response before framing.
 * Answers never throw back into the code that produced them: a result with no JSON form becomes
 * an error response, and an error that cannot be encoded becomes -32603.
 */
import { toJsonRpcException, type ErrorPolicy } from '../dispatch/error-policy.js';
import { JsonRpcInternalError, type JsonRpcException } from '../parser/errors.js';
import { encodeError, encodeResult, type JsonRpcId, type JsonRpcRequest } from '../parser/messages.js';
import type { JsonRpcPeer } from '../peer.js';
import { CANCEL_METHOD } from './cancel.js';
import type { WriteQueue } from './write-queue.js';

export class Outbox {
  constructor(
    private readonly peer: JsonRpcPeer,
    readonly writer: WriteQueue,
    private readonly policy: ErrorPolicy,
  ) {}

  /** False once nothing more can be written (the connection closed, the stream ended or failed). */
  get open(): boolean {
    return !this.writer.closed;
  }

  /** The JSON text of the response carrying `result`, or of the error it becomes when it has no JSON form. */
  resultJson(request: JsonRpcRequest, result: unknown): string {
    try {
      // JSON.stringify would drop these silently, leaving a response with no result at all.
      if (typeof result === 'function' || typeof result === 'symbol' || typeof result === 'bigint') {
        throw new TypeError(`The result of ${request.method} (a ${typeof result}) has no JSON representation`);
      }
      return encodeResult(request.id, result);
    } catch (err) {
      const info = { method: request.method, id: request.id, stage: 'encode' as const };
      return this.errorJson(request, toJsonRpcException(err, this.policy, info));
    }
  }

  /** The JSON text of an error response (a bare -32603 when the error's data has no JSON form). */
  errorJson(request: { readonly id: JsonRpcId }, error: JsonRpcException): string {
    try {
      return encodeError(request.id, error);
    } catch {
      // Its data has no JSON form (a cycle, a BigInt): the caller still gets an answer.
      return encodeError(request.id, new JsonRpcInternalError());
    }
  }

  /** Frames and queues a response (or a batch of them) given as JSON text. */
  answer(json: string): void {
    if (!this.writer.failed) this.writer.push(this.peer.frameText(json));
  }

  error(request: { readonly id: JsonRpcId }, error: JsonRpcException): void {
    this.answer(this.errorJson(request, error));
  }

  /** Tells the remote side this side stopped waiting for request `id` (`$/cancelRequest`). */
  cancel(id: number): void {
    if (!this.writer.failed) this.writer.push(this.peer.notifyText(CANCEL_METHOD, { id }));
  }
}
