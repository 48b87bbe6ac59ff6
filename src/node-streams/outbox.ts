/**
 * The outgoing side of a connection: encodes through the peer, as framed text, and hands it to the
 * write queue (which joins one tick's text and encodes it once, see write-queue.ts). Answers never throw back into the code that produced them: a result with no JSON form
 * becomes an error response, and an error that cannot be encoded becomes -32603.
 */
import { toJsonRpcException, type ErrorPolicy } from '../dispatch/error-policy.js';
import { JsonRpcInternalError, type JsonRpcException } from '../parser/errors.js';
import type { JsonRpcId, JsonRpcMessage, JsonRpcRequest } from '../parser/messages.js';
import type { JsonRpcPeer } from '../peer.js';
import { CANCEL_METHOD } from './cancel.js';
import type { WriteQueue } from './write-queue.js';

export class Outbox {
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
    let text: string;
    try {
      // JSON.stringify would drop these silently, leaving a response with no result at all.
      if (typeof result === 'function' || typeof result === 'symbol' || typeof result === 'bigint') {
        throw new TypeError(`The result of ${request.method} (a ${typeof result}) has no JSON representation`);
      }
      text = this.peer.respondWithResultText(request, result);
    } catch (err) {
      const info = { method: request.method, id: request.id, stage: 'encode' as const };
      this.error(request, toJsonRpcException(err, this.policy, info));
      return;
    }
    this.writer.push(text);
  }

  error(request: { readonly id: JsonRpcId }, error: JsonRpcException): void {
    if (this.writer.failed) return;
    let text: string;
    try {
      text = this.peer.respondWithErrorText(request, error);
    } catch {
      // Its data has no JSON form (a cycle, a BigInt): the caller still gets an answer.
      text = this.peer.respondWithErrorText(request, new JsonRpcInternalError());
    }
    this.writer.push(text);
  }

  /** A message built by hand (the overloaded answers to a refused batch). */
  message(message: JsonRpcMessage): void {
    if (!this.writer.failed) this.writer.push(this.peer.encodeText(message));
  }

  /** JSON text the dispatcher already encoded (a batch response). */
  text(json: string): void {
    if (!this.writer.failed) this.writer.push(this.peer.frameText(json));
  }

  /** Tells the remote side this side stopped waiting for request `id` (`$/cancelRequest`). */
  cancel(id: number): void {
    if (!this.writer.failed) this.writer.push(this.peer.notifyText(CANCEL_METHOD, { id }));
  }
}
