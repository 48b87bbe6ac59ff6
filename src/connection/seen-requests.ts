/**
 * Requests seen going one way on a wire, remembered by id until the response with that id comes
 * back the other way, so the response can be told which method it answers and how long it took.
 * For observers of a wire (the `trace` option, `jsonrpc-wire tap`), not for the protocol: the
 * engine keeps its own ids. Bounded: past `max` the oldest request is forgotten (its response is
 * then unmatched), so a peer that never answers cannot grow it.
 */
import type { JsonRpcId } from '../parser/messages.js';

/** Requests remembered per direction by default. */
export const MAX_SEEN_REQUESTS = 10_000;

export interface SeenRequest {
  readonly method: string;
  /** When it was seen, in the observer's clock (milliseconds). */
  readonly time: number;
}

export class SeenRequests {
  /** By id (`1` and `"1"` differ as Map keys, as they do in JSON-RPC); insertion order is age. */
  private readonly byId = new Map<JsonRpcId, SeenRequest>();

  constructor(private readonly max: number = MAX_SEEN_REQUESTS) {}

  get size(): number {
    return this.byId.size;
  }

  add(id: JsonRpcId, method: string, time: number): void {
    const byId = this.byId;
    byId.delete(id); // a reused id: the newer request is the one to be answered
    if (byId.size >= this.max) byId.delete(byId.keys().next().value as JsonRpcId);
    byId.set(id, { method, time });
  }

  /** The request `id` answers, forgotten from now on; undefined when none was seen (or it was forgotten). */
  take(id: JsonRpcId): SeenRequest | undefined {
    const request = this.byId.get(id);
    if (request !== undefined) this.byId.delete(id);
    return request;
  }
}

/** Milliseconds from `request` being seen to `time`, to the microsecond. */
export function latencySince(request: SeenRequest, time: number): number {
  return Math.round((time - request.time) * 1000) / 1000;
}
